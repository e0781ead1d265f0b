#include "operators/flat_map.h"

#include <optional>

#include "engine/runtime/task.h"
#include "operators/single_input.h"

namespace topo::operators {

using runtime::CompileContext;
using runtime::kNumRecordSlots;
using runtime::Operator;
using runtime::OperatorSpec;
using runtime::RecordBinder;
using runtime::StreamType;
using runtime::TaskContext;

namespace {

struct FlatMapSpec : OperatorSpec {
  std::optional<expr::CompiledExpr> items, key, value;
  Result<std::unique_ptr<Operator>> Instantiate(TaskContext&) const override;
  Projection Use(int slot) const override {
    return runtime::UseOf(slot, {&*items, key ? &*key : nullptr, value ? &*value : nullptr});
  }
  bool Forwards(int slot) const override { return slot == runtime::kSlotKey && !key; }
};

class FlatMapOp final : public Operator {
 public:
  explicit FlatMapOp(const FlatMapSpec& spec) : spec_(spec) {
    binder_.Use(*spec.items);
    if (spec.key) binder_.Use(*spec.key);
    if (spec.value) binder_.Use(*spec.value);
  }
  Status Process(Record&& r) override {
    binder_.Bind(r, slots_);
    slots_[kNumRecordSlots] = nullptr;
    ASSIGN_OR_RETURN(Value items, spec_.items->Eval(slots_));
    if (items.is_null()) return Status::Ok();
    if (!items.is_array())
      return Status::Invalid(std::string("items must be an array, got ") + ValueTypeName(items.type()));
    // Evaluate every element first: a failing element fails the whole input record
    // before anything was emitted, so the error policy sees it once.
    std::vector<Record> out;
    out.reserve(items.as_array().size());
    for (const Value& item : items.as_array()) {
      slots_[kNumRecordSlots] = &item;
      Record o;
      o.timestamp = r.timestamp;
      o.headers = r.headers;
      o.topic = r.topic;
      o.partition = r.partition;
      o.offset = r.offset;
      if (spec_.key) {
        ASSIGN_OR_RETURN(o.key, spec_.key->Eval(slots_));
      } else {
        o.key = r.key;
      }
      if (spec_.value) {
        ASSIGN_OR_RETURN(o.value, spec_.value->Eval(slots_));
      } else {
        o.value = item;
      }
      out.push_back(std::move(o));
    }
    for (auto& o : out) RETURN_IF_ERROR(Emit(std::move(o)));
    return Status::Ok();
  }

 private:
  const FlatMapSpec& spec_;
  RecordBinder binder_;
  const Value* slots_[kNumRecordSlots + 1];
};

Result<std::unique_ptr<Operator>> FlatMapSpec::Instantiate(TaskContext&) const {
  return std::unique_ptr<Operator>(new FlatMapOp(*this));
}

}  // namespace

std::shared_ptr<const OperatorSpec> CompileFlatMap(CompileContext& ctx) {
  const auto& p = ctx.node().flat_map();
  StreamType in = FirstInput(ctx);
  auto spec = std::make_shared<FlatMapSpec>();
  spec->items = ctx.Compile("items", p.items(), ctx.RecordScope(in));
  expr::Type item_type = expr::Type::Any();
  if (spec->items && spec->items->result_type().kind == expr::Type::Kind::kArray &&
      spec->items->result_type().element)
    item_type = *spec->items->result_type().element;
  expr::Scope scope = ctx.RecordScope(in, {{"item", item_type}});
  spec->output_type = {in.key, item_type};
  if (!p.key().empty()) {
    spec->key = ctx.Compile("key", p.key(), scope);
    if (spec->key) spec->output_type.key = spec->key->result_type();
  }
  if (!p.value().empty()) {
    spec->value = ctx.Compile("value", p.value(), scope);
    if (spec->value) spec->output_type.value = spec->value->result_type();
  }
  if (!ctx.ok()) return nullptr;
  return spec;
}

}  // namespace topo::operators
