#include "operators/source.h"

#include <map>
#include <optional>

#include "engine/runtime/compiled_topology.h"
#include "engine/runtime/source_operator.h"
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

struct SourceSpec : OperatorSpec {
  struct TopicCodecs {
    std::string topic;  // stable storage for Record::topic
    std::string key_codec, value_codec;
    // Top-level value fields the topic's schema declares 'decimal'.
    std::vector<std::string> decimal_fields;
  };
  std::string node_id;
  std::vector<TopicCodecs> topics;
  std::optional<expr::CompiledExpr> timestamp;
  Result<std::unique_ptr<Operator>> Instantiate(TaskContext& task) const override;
  Projection Use(int slot) const override {
    return runtime::UseOf(slot, {timestamp ? &*timestamp : nullptr});
  }
  bool Forwards(int) const override { return true; }
};

class SourceOp final : public runtime::SourceOperator {
 public:
  SourceOp(const SourceSpec& spec, const Projection& key_read, const Projection& value_read)
      : spec_(spec), key_read_(key_read), value_read_(value_read) {
    if (spec.timestamp) binder_.Use(*spec.timestamp);
  }
  Status OpenCodecs(const runtime::CompiledTopology& topology) {
    for (const auto& t : spec_.topics) {
      Codecs c{&t.topic, &t.decimal_fields, nullptr, nullptr};
      ASSIGN_OR_RETURN(c.key, topology.MakeCodec(t.key_codec));
      ASSIGN_OR_RETURN(c.value, topology.MakeCodec(t.value_codec));
      codecs_.emplace(t.topic, std::move(c));
    }
    return Status::Ok();
  }

  Result<Record> Decode(const RawRecord& raw) override {
    auto it = codecs_.find(raw.topic);
    if (it == codecs_.end()) return Status::Internal("source does not read topic '" + raw.topic + "'");
    Codecs& c = it->second;
    Record r;
    // A key nothing downstream reads is not decoded (dead letters keep the raw bytes).
    if (raw.key && !key_read_.reads_nothing()) {
      auto k = c.key->DecodeProjected(*raw.key, key_read_);
      if (!k.ok()) return k.status().WithContext("key does not decode as " + c.key->name());
      r.key = std::move(k).value();
    }
    if (raw.value) {
      auto v = c.value->DecodeProjected(*raw.value, value_read_);
      if (!v.ok()) return v.status().WithContext("value does not decode as " + c.value->name());
      r.value = std::move(v).value();
      if (!c.decimal_fields->empty()) RETURN_IF_ERROR(DeclaredDecimals(*c.decimal_fields, r.value));
    }
    r.timestamp = raw.timestamp;
    r.headers = raw.headers;
    r.topic = c.topic;
    r.partition = raw.partition;
    r.offset = raw.offset;
    if (spec_.timestamp) {
      binder_.Bind(r, slots_);
      ASSIGN_OR_RETURN(Value ts, spec_.timestamp->Eval(slots_));
      if (!ts.is_int())
        return Status::Invalid(std::string("timestamp expression must yield epoch ms (int), got ") +
                               ValueTypeName(ts.type()));
      r.timestamp = TimestampMs(ts.as_int());
    }
    return r;
  }

 private:
  struct Codecs {
    const std::string* topic;
    const std::vector<std::string>* decimal_fields;
    std::unique_ptr<Codec> key, value;
  };

  // Makes the schema's 'decimal' fields decimals, exactly, so the type the
  // checker gave them holds at run time: a JSON number by its exact value, a
  // string by parsing it ("16.49"). Absent and null fields stay null; any other
  // value is an error of the record.
  static Status DeclaredDecimals(const std::vector<std::string>& fields, Value& value) {
    if (!value.is_object()) return Status::Ok();
    for (const std::string& name : fields) {
      const Value* f = value.Get(name);
      if (f == nullptr || f->is_null() || f->is_decimal()) continue;
      Result<Decimal> d = f->is_string() ? Decimal::Parse(f->as_string()) : ExactDecimalOf(*f);
      if (!d.ok())
        return Status::Invalid("field '" + name + "' is declared decimal in the topic's schema, but " +
                               (f->is_string() || f->is_number()
                                    ? d.status().message()
                                    : std::string("it is ") + ValueTypeName(f->type())));
      *value.MutableObject().FindMutable(name) = Value(*d);
    }
    return Status::Ok();
  }
  const SourceSpec& spec_;
  const Projection& key_read_;    // what downstream nodes read of the key
  const Projection& value_read_;  // ... and of the value
  std::map<std::string, Codecs, std::less<>> codecs_;
  RecordBinder binder_;
  const Value* slots_[kNumRecordSlots];
};

Result<std::unique_ptr<Operator>> SourceSpec::Instantiate(TaskContext& task) const {
  const auto& t = task.topology();
  auto op = std::make_unique<SourceOp>(*this, t.SourceProjection(node_id, runtime::kSlotKey),
                                       t.SourceProjection(node_id, runtime::kSlotValue));
  RETURN_IF_ERROR(op->OpenCodecs(task.topology()));
  return std::unique_ptr<Operator>(std::move(op));
}

}  // namespace

std::shared_ptr<const OperatorSpec> CompileSource(CompileContext& ctx) {
  const auto& p = ctx.node().source();
  auto spec = std::make_shared<SourceSpec>();
  spec->node_id = ctx.node_id();
  for (const auto& topic : p.topics()) {
    const runtime::TopicSpec* ts = ctx.topic(topic);
    if (ts == nullptr) return nullptr;  // reported by the graph check
    // The source's own codecs override the topic's.
    const std::string& kc = !p.key().empty() ? p.key() : ts->key_codec;
    const std::string& vc = !p.value().empty() ? p.value() : ts->value_codec;
    auto kcheck = MakeCodec(kc, ctx.protos());
    if (!kcheck.ok()) ctx.Error("key codec: " + kcheck.status().message());
    auto vcheck = MakeCodec(vc, ctx.protos());
    if (!vcheck.ok()) ctx.Error("value codec: " + vcheck.status().message());
    std::vector<std::string> decimals;
    if (vc == "json")
      for (const auto& [field, type] : ts->schema)
        if (type == "decimal") decimals.push_back(field);
    spec->topics.push_back({topic, kc, vc, std::move(decimals)});
  }
  spec->output_type = ctx.input_types().empty() ? runtime::StreamType{} : ctx.input_types()[0];
  if (!p.timestamp().empty()) {
    spec->timestamp = ctx.Compile("timestamp", p.timestamp(), ctx.RecordScope(spec->output_type));
  }
  if (!ctx.ok()) return nullptr;
  return spec;
}

}  // namespace topo::operators
