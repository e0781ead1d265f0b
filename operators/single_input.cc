#include "operators/single_input.h"

#include <optional>

#include "engine/runtime/task.h"

namespace topo::operators {

using runtime::CompileContext;
using runtime::kNumRecordSlots;
using runtime::Operator;
using runtime::OperatorSpec;
using runtime::RecordBinder;
using runtime::StreamType;
using runtime::TaskContext;

namespace {

struct MapSpec : OperatorSpec {
  std::optional<expr::CompiledExpr> key, value;
  Result<std::unique_ptr<Operator>> Instantiate(TaskContext&) const override;
  Projection Use(int slot) const override {
    return runtime::UseOf(slot, {key ? &*key : nullptr, value ? &*value : nullptr});
  }
  bool Forwards(int slot) const override { return slot == runtime::kSlotKey ? !key : !value; }
};

class MapOp final : public Operator {
 public:
  explicit MapOp(const MapSpec& spec) : spec_(spec) {
    if (spec.key) binder_.Use(*spec.key);
    if (spec.value) binder_.Use(*spec.value);
  }
  Status Process(Record&& r) override {
    binder_.Bind(r, slots_);
    // Both expressions see the input record, so compute both before assigning.
    std::optional<Value> new_key, new_value;
    if (spec_.key) {
      ASSIGN_OR_RETURN(new_key, spec_.key->Eval(slots_));
    }
    if (spec_.value) {
      ASSIGN_OR_RETURN(new_value, spec_.value->Eval(slots_));
    }
    if (new_key) r.key = std::move(*new_key);
    if (new_value) r.value = std::move(*new_value);
    return Emit(std::move(r));
  }

 private:
  const MapSpec& spec_;
  RecordBinder binder_;
  const Value* slots_[kNumRecordSlots];
};

Result<std::unique_ptr<Operator>> MapSpec::Instantiate(TaskContext&) const {
  return std::unique_ptr<Operator>(new MapOp(*this));
}

}  // namespace

StreamType FirstInput(const CompileContext& ctx) {
  return ctx.input_types().empty() ? StreamType{} : ctx.input_types()[0];
}

std::shared_ptr<const OperatorSpec> CompileKeyValue(CompileContext& ctx, const std::string& key_src,
                                                    const std::string& value_src) {
  auto spec = std::make_shared<MapSpec>();
  StreamType in = FirstInput(ctx);
  expr::Scope scope = ctx.RecordScope(in);
  spec->output_type = in;
  if (!key_src.empty()) {
    spec->key = ctx.Compile("key", key_src, scope);
    if (spec->key) spec->output_type.key = spec->key->result_type();
  }
  if (!value_src.empty()) {
    spec->value = ctx.Compile("value", value_src, scope);
    if (spec->value) spec->output_type.value = spec->value->result_type();
  }
  if (!ctx.ok()) return nullptr;
  return spec;
}

}  // namespace topo::operators
