// topo consume TOPIC: print a topic's records as JSON lines.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "cli/common.h"
#include "cli/log_flags.h"
#include "engine/serde/codec.h"

namespace topo::cli {

namespace {

// Parsed JSON when the bytes are JSON, else the text itself.
Value Readable(Codec& json, const std::optional<std::string>& bytes) {
  if (!bytes) return Value();
  auto v = json.Decode(*bytes);
  return v.ok() ? *v : Value(*bytes);
}

// Starts every newly assigned partition at the end unless reading from the beginning.
class Positioner : public log::RebalanceListener {
 public:
  Positioner(log::Log& log, bool from_beginning) : log_(log), from_beginning_(from_beginning) {}
  void OnAssigned(const std::vector<log::TopicPartition>& added) override {
    for (const auto& tp : added) {
      auto end = log_.EndOffset(tp);
      Status s = from_beginning_ ? consumer->Seek(tp, Offset(0))
                                 : (end.ok() ? consumer->Seek(tp, *end) : end.status());
      if (!s.ok() && error.ok()) error = s;
    }
  }
  void OnRevoked(const std::vector<log::TopicPartition>&) override {}
  log::Consumer* consumer = nullptr;
  Status error;

 private:
  log::Log& log_;
  bool from_beginning_;
};

}  // namespace

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
    auto log = args->log.Open();
    if (!log.ok()) return fail(log.status().message());
    if (auto n = (*log)->PartitionCount(args->topic); !n.ok()) return fail(n.status().message());
    // A private group: consuming never moves an application's committed offsets.
    auto consumer = (*log)->NewConsumer("topo-consume-" + std::to_string(getpid()), "topo-consume");
    if (!consumer.ok()) return fail(consumer.status().message());
    Positioner positioner(**log, args->from_beginning);
    positioner.consumer = consumer->get();
    Status st = (*consumer)->Subscribe({args->topic}, &positioner);
    if (!st.ok()) return fail(st.message());
    auto json = MakeCodec("json", nullptr);
    std::vector<RawRecord> batch;
    int64_t printed = 0;
    auto last = std::chrono::steady_clock::now();
    while (args->max == 0 || printed < args->max) {
      batch.clear();
      st = (*consumer)->Poll(200, 500, &batch);
      if (!st.ok()) return fail(st.message());
      if (!positioner.error.ok()) return fail(positioner.error.message());
      auto now = std::chrono::steady_clock::now();
      if (batch.empty()) {
        if (args->timeout_s > 0 && std::chrono::duration<double>(now - last).count() >= args->timeout_s)
          break;
        continue;
      }
      last = now;
      for (const auto& r : batch) {
        Object headers;
        for (const auto& [k, v] : r.headers) headers.Set(k, Value(v));
        Value line(Object{{"topic", r.topic},
                          {"partition", int64_t{r.partition.value()}},
                          {"offset", r.offset.value()},
                          {"timestamp", r.timestamp.value()},
                          {"key", Readable(**json, r.key)},
                          {"value", Readable(**json, r.value)},
                          {"headers", Value(std::move(headers))}});
        std::printf("%s\n", ToJson(line).c_str());
        if (args->max > 0 && ++printed >= args->max) break;
      }
      std::fflush(stdout);
    }
    (*consumer)->Close().IgnoreError();  // a private group: nothing to hand over
    *exit_code = kExitOk;
  });
}

}  // namespace topo::cli
