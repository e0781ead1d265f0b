// topo produce TOPIC: write JSON lines into a topic (embedded log or Kafka).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include "cli/common.h"
#include "cli/log_flags.h"
#include "engine/base/clock.h"
#include "engine/expr/expr.h"
#include "engine/serde/codec.h"

namespace topo::cli {

namespace {

// A line is an envelope when it is an object with a "value" field and only
// envelope fields; anything else is a bare value with a null key.
bool IsEnvelope(const Value& v) {
  if (!v.is_object() || v.Get("value") == nullptr) return false;
  for (const auto& [k, f] : v.as_object())
    if (k != "key" && k != "value" && k != "headers" && k != "timestamp" && k != "partition") return false;
  return true;
}

}  // namespace

Status ProduceLines(log::Log& log, const std::string& topic, std::istream& in, uint64_t* count) {
  ASSIGN_OR_RETURN(int32_t partitions, log.PartitionCount(topic));
  ASSIGN_OR_RETURN(auto producer, log.NewProducer(""));
  ASSIGN_OR_RETURN(auto json, MakeCodec("json", nullptr));
  std::string line;
  int32_t next_null_key = 0;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto parsed = json->Decode(line);
    if (!parsed.ok()) return parsed.status().WithContext("line " + std::to_string(n));
    RawRecord r;
    r.topic = topic;
    r.timestamp = TimestampMs(SystemClock().NowMs());
    Value value = *parsed;
    std::optional<int32_t> partition;
    if (IsEnvelope(*parsed)) {
      const Value* key = parsed->Get("key");
      if (key && !key->is_null()) r.key = WireBytes(*key);
      value = *parsed->Get("value");
      if (const Value* ts = parsed->Get("timestamp"); ts && ts->is_int())
        r.timestamp = TimestampMs(ts->as_int());
      if (const Value* h = parsed->Get("headers"); h && h->is_object())
        for (const auto& [k, hv] : h->as_object()) r.headers.emplace_back(k, WireBytes(hv));
      if (const Value* p = parsed->Get("partition"); p && p->is_int()) {
        if (p->as_int() < 0 || p->as_int() >= partitions)
          return Status::Invalid("line " + std::to_string(n) + ": partition " + std::to_string(p->as_int()) +
                                 " out of range; '" + topic + "' has " + std::to_string(partitions));
        partition = static_cast<int32_t>(p->as_int());
      }
    }
    if (!value.is_null()) {
      r.value.emplace();
      RETURN_IF_ERROR(json->Encode(value, &*r.value).WithContext("line " + std::to_string(n)));
    }
    // Like the Kafka Java client: murmur2 of the key bytes; null keys rotate.
    if (!partition)
      partition = r.key ? expr::PartitionForKey(*r.key, partitions) : next_null_key++ % partitions;
    r.partition = Partition(*partition);
    RETURN_IF_ERROR(producer->Send(std::move(r)));
    ++*count;
  }
  return producer->Flush();
}

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
    if (!log.ok()) {
      std::fprintf(stderr, "topo produce: %s\n", log.status().message().c_str());
      *exit_code = kExitFailure;
      return;
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
    uint64_t n = 0;
    Status st = ProduceLines(**log, args->topic, args->file.empty() ? std::cin : file, &n);
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
