#include "engine/runtime/test_driver.h"

#include "engine/base/partitioner.h"
#include "engine/serde/codec.h"

namespace topo::runtime {

class TestDriver::Collector : public RecordCollector {
 public:
  explicit Collector(TestDriver* driver) : driver_(driver) {}
  Status Send(RawRecord record) override {
    return driver_->PipeRaw(std::move(record), /*assign_partition=*/false, /*from_task=*/true);
  }

 private:
  TestDriver* driver_;
};

struct TestDriver::Codecs {
  std::unique_ptr<Codec> key, value;
};

TestDriver::TestDriver(std::shared_ptr<const CompiledTopology> topology, int64_t start_time_ms)
    : topology_(std::move(topology)), clock_(start_time_ms), collector_(std::make_unique<Collector>(this)) {
  // Records are processed one at a time as they are piped or written: no
  // buffering limit, no waiting for other partitions (they hold nothing more).
  TaskManagerOptions options;
  options.max_records_per_round = 1;
  options.max_buffered_records = SIZE_MAX;
  options.max_task_idle_ms = 0;
  tasks_ = std::make_unique<TaskManager>(topology_, options, &clock_, collector_.get(),
                                         TaskManager::ConsumerView{});
  std::vector<log::TopicPartition> all;
  for (const auto& sub : topology_->graph().subtopologies)
    for (const auto& topic : sub.source_topics)
      for (int32_t p = 0; p < sub.partitions; ++p) all.push_back({topic, Partition(p)});
  Result<int> created = tasks_->Assign(all);
  if (!created.ok()) assigned_ = created.status();
}

TestDriver::~TestDriver() = default;

TestDriver::Codecs& TestDriver::CodecsFor(const std::string& topic) {
  auto& c = codecs_[topic];
  if (!c) {
    c = std::make_unique<Codecs>();
    const TopicSpec* ts = topology_->topic(topic);
    auto k = topology_->MakeCodec(ts ? ts->key_codec : "string");
    auto v = topology_->MakeCodec(ts ? ts->value_codec : "json");
    // Specs were validated at compile time; an undeclared topic gets string/json.
    if (k.ok()) c->key = std::move(k).value();
    if (v.ok()) c->value = std::move(v).value();
  }
  return *c;
}

Result<int32_t> TestDriver::PartitionFor(const std::string& topic, const Value& key) {
  const TopicSpec* ts = topology_->topic(topic);
  int32_t n = ts ? ts->partitions : 1;
  if (key.is_null()) return 0;
  std::string bytes;
  RETURN_IF_ERROR(CodecsFor(topic).key->Encode(key, &bytes));
  return PartitionForKey(bytes, n);
}

Status TestDriver::Pipe(const std::string& topic, const Value& key, const Value& value,
                        std::optional<int64_t> timestamp, Headers headers) {
  if (topology_->topic(topic) == nullptr) return Status::NotFound("topic '" + topic + "' is not declared");
  RawRecord raw;
  raw.topic = topic;
  raw.timestamp = TimestampMs(timestamp.value_or(clock_.NowMs()));
  raw.headers = std::move(headers);
  Codecs& c = CodecsFor(topic);
  if (!key.is_null()) {
    std::string bytes;
    RETURN_IF_ERROR(c.key->Encode(key, &bytes).WithContext("encoding the key for '" + topic + "'"));
    raw.key = std::move(bytes);
  }
  if (!value.is_null()) {
    std::string bytes;
    RETURN_IF_ERROR(c.value->Encode(value, &bytes).WithContext("encoding the value for '" + topic + "'"));
    raw.value = std::move(bytes);
  }
  return PipeRaw(std::move(raw), /*assign_partition=*/true);
}

Status TestDriver::PipeRaw(RawRecord raw, bool assign_partition, bool from_task) {
  const TopicSpec* ts = topology_->topic(raw.topic);
  int32_t n = ts ? ts->partitions : 1;
  if (assign_partition) {
    raw.partition = Partition(raw.key ? PartitionForKey(*raw.key, n) : (null_key_partition_++ % n));
  }
  auto& offsets = next_offset_[raw.topic];
  if (static_cast<int32_t>(offsets.size()) < n) offsets.resize(n, 0);
  raw.offset = Offset(offsets[raw.partition.value() % n]++);
  written_[raw.topic].push_back(raw);
  if (from_task) outputs_[raw.topic].push_back(raw);
  if (topology_->graph().SubtopologyReading(raw.topic) >= 0) pending_.push_back(std::move(raw));
  // Nested sends (a task writing while processing) are drained by the outermost call.
  if (draining_) return Status::Ok();
  return Drain();
}

Status TestDriver::Drain() {
  if (!assigned_.ok()) return assigned_;
  draining_ = true;
  Status result;
  std::vector<RawRecord> one;
  std::vector<log::TopicPartition> unused;  // nothing pauses or resumes without a consumer
  while (!pending_.empty() && result.ok()) {
    one.clear();
    one.push_back(std::move(pending_.front()));
    pending_.pop_front();
    result = tasks_->Buffer(&one, &unused);
    bool more = false;
    if (result.ok()) result = tasks_->Process(&unused, &more);
  }
  pending_.clear();
  draining_ = false;
  return result;
}

const std::vector<RawRecord>& TestDriver::Written(const std::string& topic) const {
  static const std::vector<RawRecord> kEmpty;
  auto it = written_.find(topic);
  return it == written_.end() ? kEmpty : it->second;
}

Result<Value> TestDriver::DecodeKey(const RawRecord& r) {
  if (!r.key) return Value();
  return CodecsFor(r.topic).key->Decode(*r.key);
}

Result<Value> TestDriver::DecodeValue(const RawRecord& r) {
  if (!r.value) return Value();
  return CodecsFor(r.topic).value->Decode(*r.value);
}

NodeMetrics TestDriver::MetricsFor(const std::string& id) const {
  std::map<std::string, NodeMetrics> nodes;
  tasks_->AddNodeMetrics(&nodes);
  return nodes[id];
}

}  // namespace topo::runtime
