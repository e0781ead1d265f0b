#include "operators/sink.h"

#include <optional>

#include "engine/base/partitioner.h"
#include "engine/log/record_size.h"
#include "engine/runtime/compiled_topology.h"
#include "engine/runtime/task.h"
#include "engine/serde/codec.h"

namespace topo::operators {

using runtime::CompileContext;
using runtime::kNumRecordSlots;
using runtime::Operator;
using runtime::OperatorSpec;
using runtime::RecordBinder;
using runtime::TaskContext;

namespace {

struct SinkSpec : OperatorSpec {
  // The topic written: name, partitions, codecs, record size limit. Points
  // into the compiled topology's physical plan, which outlives this spec.
  const runtime::TopicSpec* topic = nullptr;
  std::optional<expr::CompiledExpr> key, value, partition;
  Result<std::unique_ptr<Operator>> Instantiate(TaskContext& task) const override;
  // Without a key / value expression the sink writes the record's whole key / value.
  Projection Use(int slot) const override {
    if ((slot == runtime::kSlotKey && !key) || (slot == runtime::kSlotValue && !value))
      return Projection::All();
    return runtime::UseOf(
        slot, {key ? &*key : nullptr, value ? &*value : nullptr, partition ? &*partition : nullptr});
  }
};

class SinkOp final : public Operator {
 public:
  SinkOp(const SinkSpec& spec, TaskContext& task)
      : spec_(spec),
        task_(task),
        max_record_bytes_(task.RecordLimit(spec.topic->name, spec.topic->max_record_bytes)),
        next_null_key_partition_(static_cast<uint64_t>(task.partition().value())) {
    for (const auto* e : {&spec.key, &spec.value, &spec.partition})
      if (*e) binder_.Use(**e);
  }
  Status OpenCodecs() {
    ASSIGN_OR_RETURN(key_codec_, task_.topology().MakeCodec(spec_.topic->key_codec));
    ASSIGN_OR_RETURN(value_codec_, task_.topology().MakeCodec(spec_.topic->value_codec));
    return Status::Ok();
  }

  Status Process(Record&& r) override {
    std::optional<Value> key, value, partition;
    if (spec_.key || spec_.value || spec_.partition) {
      binder_.Bind(r, slots_);
      if (spec_.key) {
        ASSIGN_OR_RETURN(key, spec_.key->Eval(slots_));
      }
      if (spec_.value) {
        ASSIGN_OR_RETURN(value, spec_.value->Eval(slots_));
      }
      if (spec_.partition) {
        ASSIGN_OR_RETURN(partition, spec_.partition->Eval(slots_));
      }
    }
    const Value& k = key ? *key : r.key;
    const Value& v = value ? *value : r.value;
    const runtime::TopicSpec& topic = *spec_.topic;
    RawRecord out;
    out.topic = topic.name;
    out.timestamp = r.timestamp;
    out.headers = std::move(r.headers);
    if (!k.is_null()) {
      out.key.emplace();
      RETURN_IF_ERROR(
          key_codec_->Encode(k, &*out.key).WithContext("key does not encode as " + key_codec_->name()));
    }
    if (!v.is_null()) {
      out.value.emplace();
      RETURN_IF_ERROR(value_codec_->Encode(v, &*out.value)
                          .WithContext("value does not encode as " + value_codec_->name()));
    }
    int32_t p;
    if (partition) {
      if (!partition->is_int() || partition->as_int() < 0 || partition->as_int() >= topic.partitions)
        return Status::Invalid("partition expression gave " + partition->DebugString() + ", but '" +
                               topic.name + "' has partitions 0.." + std::to_string(topic.partitions - 1));
      p = static_cast<int32_t>(partition->as_int());
    } else if (out.key) {
      p = PartitionForKey(*out.key, topic.partitions);
    } else {
      p = static_cast<int32_t>(next_null_key_partition_++ % static_cast<uint64_t>(topic.partitions));
    }
    out.partition = Partition(p);
    // The log would refuse it (a Kafka broker, or the embedded log): an error
    // of this record here, so the sink's onError policy decides.
    if (const int64_t size = log::RecordBatchBytes(out); size > max_record_bytes_)
      return Status::Invalid(log::TooLargeMessage(size, topic.name, max_record_bytes_));
    RETURN_IF_ERROR(task_.collector().Send(std::move(out)));
    CountWritten();
    return Status::Ok();
  }

 private:
  const SinkSpec& spec_;
  TaskContext& task_;
  const int64_t max_record_bytes_;  // the declared limit, or the log's when smaller
  std::unique_ptr<Codec> key_codec_, value_codec_;
  RecordBinder binder_;
  const Value* slots_[kNumRecordSlots];
  // Round robin for records without a key. Unsigned and 64-bit, so it never
  // overflows; each task starts at its own partition, so the tasks of a
  // sub-topology do not all begin by writing to partition 0.
  uint64_t next_null_key_partition_ = 0;
};

Result<std::unique_ptr<Operator>> SinkSpec::Instantiate(TaskContext& task) const {
  auto op = std::make_unique<SinkOp>(*this, task);
  RETURN_IF_ERROR(op->OpenCodecs());
  return std::unique_ptr<Operator>(std::move(op));
}

}  // namespace

std::shared_ptr<const OperatorSpec> CompileSink(CompileContext& ctx) {
  const auto& p = ctx.node().sink();
  auto spec = std::make_shared<SinkSpec>();
  spec->topic = ctx.topic(p.topic());
  if (spec->topic == nullptr) return nullptr;  // reported by the graph check
  runtime::StreamType in = ctx.input_types().empty() ? runtime::StreamType{} : ctx.input_types()[0];
  expr::Scope scope = ctx.RecordScope(in);
  if (!p.key().empty()) spec->key = ctx.Compile("key", p.key(), scope);
  if (!p.value().empty()) spec->value = ctx.Compile("value", p.value(), scope);
  if (!p.partition().empty()) spec->partition = ctx.Compile("partition", p.partition(), scope);
  if (!ctx.ok()) return nullptr;
  spec->output_type = in;
  return spec;
}

}  // namespace topo::operators
