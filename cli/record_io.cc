#include "cli/record_io.h"

#include <chrono>
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

Status ConsumeLines(log::Log& log, const std::string& topic, const ConsumeOptions& options,
                    const std::function<bool(const std::string&)>& emit, const std::atomic<bool>* cancel) {
  RETURN_IF_ERROR(log.PartitionCount(topic).status());
  ASSIGN_OR_RETURN(auto consumer, log.NewConsumer(options.group, "topo-consume"));
  Positioner positioner(log, options.from_beginning);
  positioner.consumer = consumer.get();
  RETURN_IF_ERROR(consumer->Subscribe({topic}, &positioner));
  ASSIGN_OR_RETURN(auto json, MakeCodec("json", nullptr));
  std::vector<RawRecord> batch;
  int64_t emitted = 0;
  bool stop = false;
  Status st;
  auto last = std::chrono::steady_clock::now();
  while (!stop && (options.max == 0 || emitted < options.max) && !(cancel && cancel->load())) {
    batch.clear();
    st = consumer->Poll(200, 500, &batch);
    if (st.ok()) st = positioner.error;
    if (!st.ok()) break;
    auto now = std::chrono::steady_clock::now();
    if (batch.empty()) {
      if (options.timeout_s > 0 && std::chrono::duration<double>(now - last).count() >= options.timeout_s)
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
                        {"key", Readable(*json, r.key)},
                        {"value", Readable(*json, r.value)},
                        {"headers", Value(std::move(headers))}});
      if (!emit(ToJson(line))) {
        stop = true;
        break;
      }
      if (options.max > 0 && ++emitted >= options.max) break;
    }
  }
  consumer->Close().IgnoreError();  // a private group: nothing to hand over
  return st;
}

}  // namespace topo::cli
