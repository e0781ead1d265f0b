// topo topics list|describe|create FILE: a topology's topics (user and
// internal, as the physical plan has them) — what kafka-topics does, for the
// topics one topology needs, on either backend.
//   list      the declared topics; reads no log
//   describe  each declared topic beside what the log holds; exit 1 when one is
//             missing or disagrees (partitions, cleanup policy), so CI can gate on it.
//             An embedded data dir held by `topo run` is read through its HTTP port.
//   create    creates the missing ones and checks the others, as `topo run`
//             does at start (EnsureTopics); exit 1 on a mismatch

#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/common.h"
#include "cli/http_client.h"
#include "cli/log_flags.h"
#include "cli/topic_text.h"

namespace topo::cli {
namespace {

struct TopicsArgs {
  std::string file;
  LoadFlags load;
  LogFlags log;
  std::string format = "text";
};

// Loads and compiles args.file; null (and *exit_code set, errors printed) when it fails.
std::shared_ptr<const runtime::CompiledTopology> Load(const TopicsArgs& args, const char* verb,
                                                      int* exit_code) {
  auto opts = args.load.ToOptions();
  if (!opts.ok()) {
    std::fprintf(stderr, "topo topics %s: %s\n", verb, opts.status().message().c_str());
    *exit_code = kExitUsage;
    return nullptr;
  }
  Compiled c = LoadAndCompile(args.file, *opts);
  if (!c.topology) {
    if (!c.load_error.empty()) std::fprintf(stderr, "%s\n", c.load_error.c_str());
    for (const auto& d : c.diagnostics) std::fprintf(stderr, "%s\n", d.ToString().c_str());
    *exit_code = c.exit_code;
  }
  return c.topology;
}

int NameWidth(const runtime::CompiledTopology& t) {
  int width = 0;
  for (const auto& [name, ts] : t.topics()) width = std::max(width, static_cast<int>(name.size()));
  return width;
}

// What describe says of one declared topic against the log's: "ok", "missing",
// or the differences ("partitions 8 on the log, 12 declared; ...").
struct Verdict {
  bool missing = false;
  std::vector<std::string> mismatches;  // the run would refuse these
  std::vector<std::string> notes;       // differences topo accepts (retention)
};

Verdict Judge(const runtime::TopicSpec& declared, const log::TopicDescription* actual) {
  Verdict v;
  if (actual == nullptr) {
    v.missing = true;
    return v;
  }
  const log::TopicConfig& a = actual->config;
  if (a.partitions != declared.partitions)
    v.mismatches.push_back("partitions " + std::to_string(a.partitions) + " on the log, " +
                           std::to_string(declared.partitions) + " declared");
  if (actual->configs_known) {
    if (a.compact != declared.compact)
      v.mismatches.push_back(std::string("cleanup ") + (a.compact ? "compact" : "delete") + " on the log, " +
                             (declared.compact ? "compact" : "delete") + " declared");
    else if (a.retention_ms != declared.retention_ms)
      v.notes.push_back("retention " + Retention(a.retention_ms) + " on the log, " +
                        Retention(declared.retention_ms) + " declared");
  }
  return v;
}

std::string Joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

void List(const TopicsArgs& args, int* exit_code) {
  auto t = Load(args, "list", exit_code);
  if (!t) return;
  if (args.format == "json") {
    Array topics;
    for (const auto& [name, ts] : t->topics()) topics.push_back(TopicSpecJson(ts));
    std::printf("%s\n", ToJson(Value(std::move(topics))).c_str());
  } else {
    const int width = NameWidth(*t);
    for (const auto& [name, ts] : t->topics()) PrintTopicSpec(ts, width);
  }
  *exit_code = kExitOk;
}

void Describe(const TopicsArgs& args, int* exit_code) {
  auto t = Load(args, "describe", exit_code);
  if (!t) return;
  auto fail = [&](const std::string& msg) {
    std::fprintf(stderr, "topo topics describe: %s\n", msg.c_str());
    *exit_code = kExitFailure;
  };
  if (Status s = args.log.CheckDataDirExists(); !s.ok()) return fail(s.message());
  std::vector<std::string> names;
  for (const auto& [name, ts] : t->topics()) names.push_back(name);
  Result<std::map<std::string, log::TopicDescription>> described =
      std::map<std::string, log::TopicDescription>{};
  auto log = args.log.Open();
  if (log.ok()) {
    described = (*log)->DescribeTopics(names);
  } else {
    if (!args.log.bootstrap_servers.empty()) return fail(log.status().message());
    // The data dir is held by `topo run`: ask it through its HTTP port.
    auto instance = RunningInstance(args.log.data_dir, log.status());
    if (!instance.ok()) return fail(instance.status().message());
    described = HttpDescribeTopics(*instance, names);
    if (!described.ok()) return fail(described.status().message() + " (" + instance->Explain() + ")");
  }
  if (!described.ok()) return fail(described.status().message());

  bool all_good = true;
  Array json;
  const int width = NameWidth(*t);
  for (const auto& [name, ts] : t->topics()) {
    auto it = described->find(name);
    const log::TopicDescription* actual = it == described->end() ? nullptr : &it->second;
    Verdict v = Judge(ts, actual);
    all_good = all_good && !v.missing && v.mismatches.empty();
    const std::string status = v.missing               ? "missing"
                               : !v.mismatches.empty() ? "mismatch"
                               : !v.notes.empty()      ? "differs"
                                                       : "ok";
    if (args.format == "json") {
      Object o{{"topic", TopicSpecJson(ts)}, {"status", status}};
      if (actual != nullptr) {
        Object on_log{{"partitions", int64_t{actual->config.partitions}}};
        if (actual->configs_known) {
          on_log.Append("cleanup", Value(actual->config.compact ? "compact" : "delete"));
          on_log.Append("retention_ms", Value(actual->config.retention_ms));
          auto mb = actual->config.extra.find("max.message.bytes");
          if (mb != actual->config.extra.end()) on_log.Append("max_message_bytes", Value(mb->second));
        }
        o.Append("on_log", Value(std::move(on_log)));
      }
      Array problems;
      for (const auto& m : v.mismatches) problems.push_back(m);
      for (const auto& n : v.notes) problems.push_back(n);
      o.Append("differences", Value(std::move(problems)));
      json.push_back(Value(std::move(o)));
      continue;
    }
    std::string detail;
    if (v.missing) {
      detail = "not on the log (topo topics create, or topo run, creates it)";
    } else {
      const log::TopicConfig& a = actual->config;
      detail = std::to_string(a.partitions) + " partition(s)";
      if (actual->configs_known) {
        detail += std::string(", cleanup=") + (a.compact ? "compact" : "delete") +
                  ", retention=" + Retention(a.retention_ms);
        auto mb = a.extra.find("max.message.bytes");
        if (mb != a.extra.end()) detail += ", max.message.bytes=" + mb->second;
      } else {
        detail += " (configs not read: --no-topic-config-check)";
      }
      std::vector<std::string> all = v.mismatches;
      all.insert(all.end(), v.notes.begin(), v.notes.end());
      if (!all.empty()) detail += ": " + Joined(all);
    }
    std::printf("  %-*s %-8s %-11s %s\n", width, name.c_str(), status.c_str(),
                runtime::TopicRoleName(ts.role), detail.c_str());
  }
  if (args.format == "json") std::printf("%s\n", ToJson(Value(std::move(json))).c_str());
  *exit_code = all_good ? kExitOk : kExitFailure;
}

void Create(const TopicsArgs& args, int* exit_code) {
  auto t = Load(args, "create", exit_code);
  if (!t) return;
  auto log = args.log.Open();
  if (!log.ok()) {
    std::fprintf(stderr, "topo topics create: %s\n", log.status().message().c_str());
    *exit_code = kExitFailure;
    return;
  }
  std::vector<std::string> report;
  Status st = (*log)->EnsureTopics(t->TopicConfigs(), &report);
  for (const auto& line : report) std::printf("  %s\n", line.c_str());
  if (!st.ok()) {
    std::fprintf(stderr, "topo topics create: %s\n", st.message().c_str());
    *exit_code = kExitFailure;
    return;
  }
  *exit_code = kExitOk;
}

}  // namespace

void RegisterTopics(CLI::App& app, int* exit_code) {
  auto* topics =
      app.add_subcommand("topics", "A topology's topics (user and internal): list, describe, create");
  topics->require_subcommand(1);
  struct Verb {
    const char* name;
    const char* help;
    void (*run)(const TopicsArgs&, int*);
    bool uses_log;
  };
  static const Verb kVerbs[] = {
      {"list", "The topics the topology declares and the internal ones it adds (reads no log)", List, false},
      {"describe",
       "Each topic beside what the log holds: partitions, cleanup.policy, retention, max.message.bytes; "
       "exit 1 when one is missing or disagrees",
       Describe, true},
      {"create",
       "Create the missing topics and check the others, as topo run does at start; exit 1 on a mismatch",
       Create, true},
  };
  for (const Verb& verb : kVerbs) {
    auto* cmd = topics->add_subcommand(verb.name, verb.help);
    auto args = std::make_shared<TopicsArgs>();
    cmd->add_option("file", args->file, "Topology file (.jsonnet)")->required();
    if (verb.run != Create)
      cmd->add_option("--format", args->format, "text or json")
          ->check(CLI::IsMember({"text", "json"}))
          ->capture_default_str();
    args->load.AddTo(cmd);
    if (verb.uses_log) args->log.AddTo(cmd);
    auto run = verb.run;
    cmd->callback([args, run, exit_code] { run(*args, exit_code); });
  }
}

}  // namespace topo::cli
