#include "operators/branch.h"

#include <map>

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

struct BranchSpec : OperatorSpec {
  std::vector<std::string> names;  // case names, then "default" when enabled
  std::vector<expr::CompiledExpr> cases;
  bool has_default = true;
  std::vector<std::string> OutputPorts() const override { return names; }
  Result<std::unique_ptr<Operator>> Instantiate(TaskContext&) const override;
  Projection Use(int slot) const override {
    Projection p;
    for (const auto& c : cases) p.Merge(c.SlotProjection(slot));
    return p;
  }
  bool Forwards(int) const override { return true; }
};

class BranchOp final : public Operator {
 public:
  explicit BranchOp(const BranchSpec& spec) : spec_(spec) {
    for (const auto& c : spec.cases) binder_.Use(c);
  }
  Status Process(Record&& r) override {
    binder_.Bind(r, slots_);
    matched_.clear();
    for (size_t i = 0; i < spec_.cases.size(); ++i) {
      ASSIGN_OR_RETURN(bool m, spec_.cases[i].EvalBool(slots_));
      if (m) matched_.push_back(static_cast<int>(i));
    }
    if (matched_.empty()) {
      if (spec_.has_default) return Emit(std::move(r), static_cast<int>(spec_.cases.size()));
      CountDropped();  // default=false: the user chose to drop these
      return Status::Ok();
    }
    for (size_t i = 0; i + 1 < matched_.size(); ++i) {
      Record copy = r;
      RETURN_IF_ERROR(Emit(std::move(copy), matched_[i]));
    }
    return Emit(std::move(r), matched_.back());
  }

 private:
  const BranchSpec& spec_;
  RecordBinder binder_;
  const Value* slots_[kNumRecordSlots];
  std::vector<int> matched_;
};

Result<std::unique_ptr<Operator>> BranchSpec::Instantiate(TaskContext&) const {
  return std::unique_ptr<Operator>(new BranchOp(*this));
}

}  // namespace

std::shared_ptr<const OperatorSpec> CompileBranch(CompileContext& ctx) {
  const auto& p = ctx.node().branch();
  StreamType in = FirstInput(ctx);
  expr::Scope scope = ctx.RecordScope(in);
  auto spec = std::make_shared<BranchSpec>();
  // Sorted by name (protobuf maps have no order; Jsonnet objects had none either).
  std::map<std::string, std::string> cases(p.cases().begin(), p.cases().end());
  for (const auto& [name, src] : cases) {
    if (name == "default") {
      ctx.Error("branch case may not be named 'default' (that is the output for unmatched records)");
      continue;
    }
    auto c = ctx.Compile("case '" + name + "'", src, scope);
    if (!c) continue;
    spec->names.push_back(name);
    spec->cases.push_back(std::move(*c));
  }
  spec->has_default = p.default_();
  if (spec->has_default) spec->names.push_back("default");
  spec->output_type = in;
  if (!ctx.ok()) return nullptr;
  return spec;
}

}  // namespace topo::operators
