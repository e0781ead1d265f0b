#include "operators/filter.h"

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

struct FilterSpec : OperatorSpec {
  explicit FilterSpec(expr::CompiledExpr w) : where(std::move(w)) {}
  expr::CompiledExpr where;
  Result<std::unique_ptr<Operator>> Instantiate(TaskContext&) const override;
  Projection Use(int slot) const override { return runtime::UseOf(slot, {&where}); }
  bool Forwards(int) const override { return true; }
};

class FilterOp final : public Operator {
 public:
  explicit FilterOp(const FilterSpec& spec) : spec_(spec) { binder_.Use(spec.where); }
  Status Process(Record&& r) override {
    binder_.Bind(r, slots_);
    ASSIGN_OR_RETURN(bool keep, spec_.where.EvalBool(slots_));
    if (!keep) return Status::Ok();
    return Emit(std::move(r));
  }

 private:
  const FilterSpec& spec_;
  RecordBinder binder_;
  const Value* slots_[kNumRecordSlots];
};

Result<std::unique_ptr<Operator>> FilterSpec::Instantiate(TaskContext&) const {
  return std::unique_ptr<Operator>(new FilterOp(*this));
}

}  // namespace

std::shared_ptr<const OperatorSpec> CompileFilter(CompileContext& ctx) {
  StreamType in = FirstInput(ctx);
  auto where = ctx.Compile("where", ctx.node().filter().where(), ctx.RecordScope(in));
  if (!where) return nullptr;
  using K = expr::Type::Kind;
  if (!where->result_type().is_any() && where->result_type().kind != K::kBool &&
      where->result_type().kind != K::kNull) {
    ctx.Error("where expression must be bool, but is " + where->result_type().ToString());
    return nullptr;
  }
  auto spec = std::make_shared<FilterSpec>(std::move(*where));
  spec->output_type = in;
  return spec;
}

}  // namespace topo::operators
