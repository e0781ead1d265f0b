// topo: the command-line entry point. One file per subcommand under cli/.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/common.h"
#include "operators/builtin.h"

int main(int argc, char** argv) {
  topo::operators::RegisterBuiltinOperators();
  CLI::App app{"topo: declarative stream topologies in Jsonnet, run like Kafka Streams"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "topo 0.1.0");
  int exit_code = topo::cli::kExitOk;  // set by the subcommand that runs
  topo::cli::RegisterValidate(app, &exit_code);
  topo::cli::RegisterDescribe(app, &exit_code);
  topo::cli::RegisterTest(app, &exit_code);
  topo::cli::RegisterRun(app, &exit_code);
  topo::cli::RegisterProduce(app, &exit_code);
  topo::cli::RegisterConsume(app, &exit_code);
  topo::cli::RegisterNotYet(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // CLI11 returns 0 for --help/--version; any other parse error is a usage error.
    return rc == 0 ? topo::cli::kExitOk : topo::cli::kExitUsage;
  }
  return exit_code;
}
