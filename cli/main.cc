// topo: the command-line entry point. One file per subcommand under cli/.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>

#include "cli/common.h"
#include "engine/base/suggest.h"
#include "operators/builtin.h"

#ifdef TOPO_JEMALLOC
// jemalloc reads its settings from this symbol (before MALLOC_CONF, which still
// overrides it). Its default keeps freed pages for 10 s before returning them,
// so a run's RSS grew with its length while the heap did not (`topo run` over
// 1 M vs 5 M records: 260 vs 329 MB; with 1 s and no lazy "muzzy" stage:
// 242 vs 235 MB, throughput unchanged). 0 would return pages at once but halved
// throughput (measured 0.54 M vs 1.0 M records/s).
extern "C" {
const char* malloc_conf = "dirty_decay_ms:1000,muzzy_decay_ms:0";
}
#endif

int main(int argc, char** argv) {
  // A peer that hangs up (an HTTP consume client, a broker) must be an EPIPE
  // error on that socket, not a signal that kills the whole run. (httplib's
  // server sets this too, but only when --http-port serves.)
  std::signal(SIGPIPE, SIG_IGN);
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
  topo::cli::RegisterTopics(app, &exit_code);
  topo::cli::RegisterNotYet(app, &exit_code);
  // CLI11 would call an unknown first word a missing subcommand; name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      std::fprintf(stderr, "topo: unknown subcommand '%s'%s (subcommands: %s; topo --help for more)\n",
                   argv[1], topo::DidYouMean(argv[1], names).c_str(), list.c_str());
      return topo::cli::kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // CLI11 returns 0 for --help/--version; any other parse error is a usage error.
    return rc == 0 ? topo::cli::kExitOk : topo::cli::kExitUsage;
  }
  return exit_code;
}
