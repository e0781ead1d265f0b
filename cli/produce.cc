// topo produce TOPIC: write JSON lines into a topic (embedded log or Kafka).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>

#include "cli/common.h"
#include "cli/http_client.h"
#include "cli/log_flags.h"
#include "cli/record_io.h"

namespace topo::cli {

void RegisterProduce(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "produce", "Write JSON lines into a topic: {\"key\":..,\"value\":..,\"headers\":{..}} or bare values");
  struct Args {
    std::string topic, file;
    LogFlags log;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("topic", args->topic, "Topic")->required();
  cmd->add_option("--file", args->file, "JSON-lines file (default: standard input)");
  args->log.AddTo(cmd);
  cmd->callback([args, exit_code] {
    auto log = args->log.Open();
    std::optional<HttpEndpoint> instance;
    if (!log.ok()) {
      Status why = log.status();
      if (args->log.bootstrap_servers.empty()) {
        auto found = RunningInstance(args->log.data_dir, log.status());
        if (found.ok())
          instance = *found;
        else
          why = found.status();
      }
      if (!instance) {
        std::fprintf(stderr, "topo produce: %s\n", why.message().c_str());
        *exit_code = kExitFailure;
        return;
      }
    }
    std::ifstream file;
    if (!args->file.empty()) {
      file.open(args->file);
      if (!file) {
        std::fprintf(stderr, "topo produce: cannot read %s\n", args->file.c_str());
        *exit_code = kExitUsage;
        return;
      }
    }
    std::istream& in = args->file.empty() ? std::cin : file;
    uint64_t n = 0;
    Status st;
    if (instance) {
      // The data dir is held by `topo run`: hand the lines to it over its HTTP port.
      std::string lines((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      st = HttpProduce(*instance, args->topic, lines, &n);
      if (!st.ok()) st = Status::IoError(st.message() + " (" + instance->Explain() + ")", false);
    } else {
      st = ProduceLines(**log, args->topic, in, &n);
    }
    if (!st.ok()) {
      std::fprintf(stderr, "topo produce: %s: %s (%llu record(s) written before it)\n", args->topic.c_str(),
                   st.message().c_str(), static_cast<unsigned long long>(n));
      *exit_code = kExitFailure;
      return;
    }
    std::fprintf(stderr, "produced %llu record(s) into %s\n", static_cast<unsigned long long>(n),
                 args->topic.c_str());
    *exit_code = kExitOk;
  });
}

}  // namespace topo::cli
