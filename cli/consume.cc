// topo consume TOPIC: print a topic's records as JSON lines.
#include <unistd.h>

#include <cstdio>
#include <optional>

#include "cli/common.h"
#include "cli/http_client.h"
#include "cli/log_flags.h"
#include "cli/record_io.h"

namespace topo::cli {

void RegisterConsume(CLI::App& app, int* exit_code) {
  auto* cmd =
      app.add_subcommand("consume", "Print a topic's records as JSON lines (key, value, headers, position)");
  struct Args {
    std::string topic;
    bool from_beginning = false;
    int64_t max = 0;
    double timeout_s = 0;
    LogFlags log;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("topic", args->topic, "Topic")->required();
  cmd->add_flag("--from-beginning", args->from_beginning,
                "Start at the oldest record (default: only new ones)");
  cmd->add_option("--max", args->max, "Exit after this many records");
  cmd->add_option("--timeout", args->timeout_s, "Exit after this many seconds without a record");
  args->log.AddTo(cmd);
  cmd->callback([args, exit_code] {
    auto fail = [&](const std::string& msg) {
      std::fprintf(stderr, "topo consume: %s\n", msg.c_str());
      *exit_code = kExitFailure;
    };
    ConsumeOptions o;
    o.from_beginning = args->from_beginning;
    o.max = args->max;
    o.timeout_s = args->timeout_s;
    // A private group: consuming never moves an application's committed offsets.
    o.group = "topo-consume-" + std::to_string(getpid());
    auto log = args->log.Open();
    if (!log.ok()) {
      if (!args->log.bootstrap_servers.empty()) return fail(log.status().message());
      auto instance = RunningInstance(args->log.data_dir, log.status());
      if (!instance.ok()) return fail(instance.status().message());
      // The data dir is held by `topo run`: read through its HTTP port.
      Status st = HttpConsume(*instance, args->topic, o, [](const char* data, size_t len) {
        std::fwrite(data, 1, len, stdout);
        std::fflush(stdout);
      });
      if (!st.ok()) return fail(st.message() + " (" + instance->Explain() + ")");
      *exit_code = kExitOk;
      return;
    }
    Status st = ConsumeLines(
        **log, args->topic, o,
        [](const std::string& line) {
          std::printf("%s\n", line.c_str());
          std::fflush(stdout);
          return true;
        },
        nullptr);
    if (!st.ok()) return fail(st.message());
    *exit_code = kExitOk;
  });
}

}  // namespace topo::cli
