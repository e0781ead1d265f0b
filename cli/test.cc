// topo test FILE...: run the test cases each topology declares, in-process.
#include <cstdio>

#include "cli/common.h"
#include "engine/runtime/test_runner.h"

namespace topo::cli {

void RegisterTest(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("test",
                                 "Run the tests: declared in topologies, in-process; prints 'N passed, N "
                                 "failed' (exit 0 only if all pass)");
  struct Args {
    std::vector<std::string> files;
    LoadFlags load;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("files", args->files, "Topology files (.jsonnet)")->required();
  args->load.AddTo(cmd);
  cmd->callback([args, exit_code] {
    auto opts = args->load.ToOptions();
    if (!opts.ok()) {
      std::fprintf(stderr, "topo test: %s\n", opts.status().message().c_str());
      *exit_code = kExitUsage;
      return;
    }
    int passed = 0, failed = 0, worst = kExitOk;
    for (const auto& file : args->files) {
      Compiled c = LoadAndCompile(file, *opts);
      if (!c.topology) {
        // A topology that does not compile cannot run its tests: each counts as failed.
        if (!c.load_error.empty()) std::fprintf(stderr, "%s\n", c.load_error.c_str());
        for (const auto& d : c.diagnostics) std::fprintf(stderr, "%s\n", d.ToString().c_str());
        int n = c.loaded ? std::max(1, c.loaded->proto.tests_size()) : 1;
        std::printf("FAIL %s: does not %s (%d test(s) not run)\n", file.c_str(),
                    c.load_error.empty() ? "validate" : "load", n);
        failed += n;
        worst = std::max(worst, c.exit_code);
        continue;
      }
      if (c.topology->proto().tests_size() == 0) std::printf("%s: no tests declared\n", file.c_str());
      for (const auto& r : runtime::RunDeclaredTests(c.topology)) {
        if (r.passed) {
          ++passed;
          std::printf("PASS %s: %s\n", file.c_str(), r.name.c_str());
        } else {
          ++failed;
          std::printf("FAIL %s: %s\n%s", file.c_str(), r.name.c_str(), r.report.c_str());
          worst = std::max(worst, kExitFailure);
        }
      }
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    *exit_code = failed > 0 ? std::max(worst, kExitFailure) : worst;
  });
}

void RegisterNotYet(CLI::App& app, int* exit_code) {
  for (const char* name : {"store"}) {
    auto* cmd = app.add_subcommand(name, std::string("(not available yet: lands with the state stores)"));
    cmd->allow_extras();
    std::string n = name;
    cmd->callback([n, exit_code] {
      std::fprintf(stderr,
                   "topo %s: not available in this build yet (it lands with the state stores); "
                   "use `topo test` to run a topology's declared cases in-process\n",
                   n.c_str());
      *exit_code = kExitUsage;
    });
  }
}

}  // namespace topo::cli
