// topo validate FILE...: compile, type-check and graph-check topologies (a CI gate).
#include <cstdio>

#include "cli/common.h"

namespace topo::cli {

namespace {

// "a_0..3, mid_0..1": each sub-topology's task ids (plan/task_id.h), briefly.
std::string TaskSummary(const plan::Graph& g) {
  std::string out;
  for (const auto& sub : g.subtopologies) {
    out += (out.empty() ? "" : ", ") + sub.Task(0).ToString();
    if (sub.partitions > 1) out += ".." + std::to_string(sub.partitions - 1);
  }
  return out;
}

}  // namespace

void RegisterValidate(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "validate", "Compile and check topologies without running them (exit 0 ok, 1 problems, 2 load error)");
  struct Args {
    std::vector<std::string> files;
    std::string format = "text";
    LoadFlags load;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("files", args->files, "Topology files (.jsonnet)")->required();
  cmd->add_option("--format", args->format, "Output: text or json")->check(CLI::IsMember({"text", "json"}));
  args->load.AddTo(cmd);
  cmd->callback([args, exit_code] {
    auto opts = args->load.ToOptions();
    if (!opts.ok()) {
      std::fprintf(stderr, "topo validate: %s\n", opts.status().message().c_str());
      *exit_code = kExitUsage;
      return;
    }
    int worst = kExitOk, bad_files = 0;
    Array report;  // for --format json
    for (const auto& file : args->files) {
      Compiled c = LoadAndCompile(file, *opts);
      worst = std::max(worst, c.exit_code);
      if (c.exit_code != kExitOk) ++bad_files;
      if (args->format == "json") {
        Array errors, warnings;
        auto diag = [](const plan::Diagnostic& d) {
          return Value(Object{{"file", d.file}, {"line", d.line}, {"node", d.node}, {"message", d.message}});
        };
        if (!c.load_error.empty()) {
          // "file:line: message" (the file may be an import): the parts as fields, like other diagnostics.
          plan::ErrorLocation at = plan::LocateLoadError(c.load_error);
          errors.push_back(diag({at.file.empty() ? file : at.file, at.line, "", at.message}));
        }
        for (const auto& d : c.diagnostics) errors.push_back(diag(d));
        if (c.topology)
          for (const auto& w : c.topology->warnings()) warnings.push_back(diag(w));
        Object entry{{"file", file},
                     {"ok", c.exit_code == kExitOk},
                     {"errors", std::move(errors)},
                     {"warnings", std::move(warnings)}};
        if (c.topology) {
          Array subs;
          for (const auto& sub : c.topology->graph().subtopologies)
            subs.push_back(Value(Object{{"id", sub.name}, {"tasks", sub.partitions}}));
          entry.Append("subtopologies", std::move(subs));
        }
        report.push_back(Value(std::move(entry)));
        continue;
      }
      if (!c.load_error.empty()) {
        std::fprintf(stderr, "%s\n", c.load_error.c_str());
        continue;
      }
      for (const auto& d : c.diagnostics) std::fprintf(stderr, "%s\n", d.ToString().c_str());
      if (c.topology) {
        for (const auto& w : c.topology->warnings())
          std::fprintf(stderr, "warning: %s\n", w.ToString().c_str());
        const auto& g = c.topology->graph();
        std::printf("%s: ok (topology '%s': %zu nodes, %zu sub-topologies, %zu topics, %d tests; tasks %s)\n",
                    file.c_str(), c.topology->name().c_str(), c.topology->nodes().size(),
                    g.subtopologies.size(), c.topology->topics().size(), c.topology->proto().tests_size(),
                    TaskSummary(g).c_str());
      } else {
        std::fprintf(stderr, "%s: %zu problem(s)\n", file.c_str(), c.diagnostics.size());
      }
    }
    if (args->format == "json") {
      std::printf("%s\n", ToJson(Value(std::move(report))).c_str());
    } else if (args->files.size() > 1) {
      std::printf("%zu file(s) checked, %d with problems\n", args->files.size(), bad_files);
    }
    *exit_code = worst;
  });
}

}  // namespace topo::cli
