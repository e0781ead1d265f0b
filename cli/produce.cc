// topo produce TOPIC: write JSON lines into a topic (embedded log or Kafka).
// The line format and its rules: cli/record_io.h, docs/records.md.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/common.h"
#include "cli/http_client.h"
#include "cli/log_flags.h"
#include "cli/record_io.h"

namespace topo::cli {

void RegisterProduce(CLI::App& app, int* exit_code) {
  auto* cmd =
      app.add_subcommand("produce",
                         "Write JSON lines into a topic: envelopes {\"key\":..,\"value\":..,\"headers\":{..},"
                         "\"timestamp\":..,\"partition\":..} or bare values; every line is checked before "
                         "the first is written (docs/records.md)");
  struct Args {
    std::string topic, file;
    bool envelope = false, bare = false, skip_bad = false;
    LogFlags log;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("topic", args->topic, "Topic")->required();
  cmd->add_option("--file", args->file, "JSON-lines file (default: standard input)");
  auto* envelope = cmd->add_flag("--envelope", args->envelope,
                                 "Every line must be an envelope (default: the first line decides for all)");
  cmd->add_flag("--bare", args->bare, "Every line is a value, written with a null key")->excludes(envelope);
  cmd->add_flag("--skip-bad", args->skip_bad,
                "Write the good lines and report the bad ones (exit 1 if any); default: a bad line means "
                "nothing is written");
  args->log.AddTo(cmd);
  cmd->callback([args, exit_code] {
    auto fail = [&](int code, const std::string& msg) {
      std::fprintf(stderr, "topo produce: %s\n", msg.c_str());
      *exit_code = code;
    };
    if (Status s = args->log.CheckDataDirExists(); !s.ok()) return fail(kExitUsage, s.message());
    // Read twice (checked, then written): a file as it is, standard input kept in memory.
    std::ifstream file;
    std::stringstream piped;
    if (!args->file.empty()) {
      file.open(args->file, std::ios::binary);
      if (!file) return fail(kExitUsage, "cannot read " + args->file);
    } else {
      piped << std::cin.rdbuf();
    }
    std::istream& in = args->file.empty() ? static_cast<std::istream&>(piped) : file;
    ProduceOptions o;
    o.mode = args->envelope ? LineMode::kEnvelope : args->bare ? LineMode::kBare : LineMode::kAuto;
    o.skip_bad = args->skip_bad;
    ProduceReport report;
    Status st;
    auto log = args->log.Open();
    if (!log.ok()) {
      if (!args->log.bootstrap_servers.empty()) return fail(kExitFailure, log.status().message());
      auto instance = RunningInstance(args->log.data_dir, log.status());
      if (!instance.ok()) return fail(kExitFailure, instance.status().message());
      // The data dir is held by `topo run`: hand the lines to it over its HTTP port.
      std::string lines((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      st = HttpProduce(*instance, args->topic, lines, o, &report);
      if (!st.ok() && report.bad.empty())
        st = Status::IoError(st.message() + " (" + instance->Explain() + ")", false);
    } else {
      st = ProduceLines(**log, args->topic, in, o, &report);
    }
    if (!report.bad.empty()) {
      // "2 bad line(s); nothing written", or with --skip-bad "skipped 2 bad line(s)".
      const std::string head =
          st.ok() ? "skipped " + std::to_string(report.bad_lines) + " bad line(s)" : st.message();
      std::fprintf(stderr, "topo produce: %s: %s:\n%s", args->topic.c_str(), head.c_str(),
                   BadLinesText(report).c_str());
    }
    if (!st.ok()) {
      if (report.bad.empty())
        std::fprintf(stderr, "topo produce: %s: %s (%llu record(s) written before it)\n", args->topic.c_str(),
                     st.message().c_str(), static_cast<unsigned long long>(report.produced));
      *exit_code = kExitFailure;
      return;
    }
    std::fprintf(stderr, "produced %llu record(s) into %s\n",
                 static_cast<unsigned long long>(report.produced), args->topic.c_str());
    *exit_code = report.bad_lines > 0 ? kExitFailure : kExitOk;
  });
}

}  // namespace topo::cli
