// topo consume TOPIC: print a topic's records as JSON lines (cli/record_io.h,
// docs/records.md).
#include <unistd.h>

#include <cstdio>
#include <optional>

#include "cli/common.h"
#include "cli/http_client.h"
#include "cli/log_flags.h"
#include "cli/record_io.h"

namespace topo::cli {

void RegisterConsume(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "consume",
      "Print a topic's records as JSON lines: topic, partition, offset, timestamp, key, value, headers "
      "(docs/records.md)");
  struct Args {
    std::string topic;
    bool from_beginning = false;
    std::optional<int64_t> max;
    std::optional<double> timeout_s;
    std::string key_format = "string", value_format = "json";
    LogFlags log;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("topic", args->topic, "Topic")->required();
  cmd->add_flag("--from-beginning", args->from_beginning,
                "Start at the oldest record (default: only new ones)");
  cmd->add_option("--max", args->max, "Exit after this many records (>= 1)");
  cmd->add_option("--timeout", args->timeout_s,
                  "Exit after this many seconds without a record; 0: exit once the records there now are "
                  "printed (default: wait for new records until interrupted)");
  cmd->add_option("--key-format", args->key_format,
                  "json (the stored JSON as is), string (a JSON string of the text) or base64 (key_b64); "
                  "bytes the format cannot show go to key_b64")
      ->capture_default_str();
  cmd->add_option("--value-format", args->value_format, "json, string or base64, as --key-format")
      ->capture_default_str();
  args->log.AddTo(cmd);
  cmd->callback([args, exit_code] {
    auto fail = [&](int code, const std::string& msg) {
      std::fprintf(stderr, "topo consume: %s\n", msg.c_str());
      *exit_code = code;
    };
    ConsumeOptions o;
    o.from_beginning = args->from_beginning;
    if (args->max && *args->max < 1)
      return fail(kExitUsage, "--max must be at least 1 (omit it for no limit)");
    o.max = args->max.value_or(0);
    if (args->timeout_s && !(*args->timeout_s >= 0))
      return fail(kExitUsage, "--timeout must be >= 0 seconds (0: the records there now)");
    o.timeout_s = args->timeout_s;
    auto kf = ParsePayloadFormat(args->key_format, "--key-format");
    if (!kf.ok()) return fail(kExitUsage, kf.status().message());
    auto vf = ParsePayloadFormat(args->value_format, "--value-format");
    if (!vf.ok()) return fail(kExitUsage, vf.status().message());
    o.key_format = *kf;
    o.value_format = *vf;
    if (Status s = args->log.CheckDataDirExists(); !s.ok()) return fail(kExitUsage, s.message());
    // A private group: consuming never moves an application's committed offsets.
    o.group = "topo-consume-" + std::to_string(getpid());
    auto log = args->log.Open();
    if (!log.ok()) {
      if (!args->log.bootstrap_servers.empty()) return fail(kExitFailure, log.status().message());
      auto instance = RunningInstance(args->log.data_dir, log.status());
      if (!instance.ok()) return fail(kExitFailure, instance.status().message());
      // The data dir is held by `topo run`: read through its HTTP port.
      Status st = HttpConsume(*instance, args->topic, o, [](const char* data, size_t len) {
        std::fwrite(data, 1, len, stdout);
        std::fflush(stdout);
      });
      if (!st.ok()) return fail(kExitFailure, st.message() + " (" + instance->Explain() + ")");
      *exit_code = kExitOk;
      return;
    }
    Status st = ConsumeLines(
        **log, args->topic, o,
        [](const std::string& line) {
          std::fwrite(line.data(), 1, line.size(), stdout);
          std::fputc('\n', stdout);
          std::fflush(stdout);
          return true;
        },
        nullptr);
    if (!st.ok()) return fail(kExitFailure, st.message());
    *exit_code = kExitOk;
  });
}

}  // namespace topo::cli
