#include "operators/merge.h"

namespace topo::operators {

using runtime::CompileContext;
using runtime::Operator;
using runtime::OperatorSpec;
using runtime::StreamType;
using runtime::TaskContext;

namespace {

class PassThroughOp final : public Operator {
 public:
  Status Process(Record&& r) override { return Emit(std::move(r)); }
};

struct MergeSpec : OperatorSpec {
  Result<std::unique_ptr<Operator>> Instantiate(TaskContext&) const override {
    return std::unique_ptr<Operator>(new PassThroughOp());
  }
  Projection Use(int) const override { return {}; }
  bool Forwards(int) const override { return true; }
};

bool SameKind(const expr::Type& a, const expr::Type& b) { return a.ToString() == b.ToString(); }

}  // namespace

std::shared_ptr<const OperatorSpec> CompileMerge(CompileContext& ctx) {
  auto spec = std::make_shared<MergeSpec>();
  const auto& in = ctx.input_types();
  spec->output_type = in.empty() ? StreamType{} : in[0];
  for (const auto& t : in) {
    if (!SameKind(t.key, spec->output_type.key)) spec->output_type.key = expr::Type::Any();
    if (!SameKind(t.value, spec->output_type.value)) spec->output_type.value = expr::Type::Any();
  }
  return spec;
}

}  // namespace topo::operators
