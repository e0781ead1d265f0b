#include "operators/stateless.h"

#include <map>
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

StreamType FirstInput(const CompileContext& ctx) {
  return ctx.input_types().empty() ? StreamType{} : ctx.input_types()[0];
}

// ---- filter ----
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

// ---- map / rekey (key and/or value expressions) ----
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

// ---- flatMap ----
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

// ---- branch ----
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

// ---- merge ----
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

std::shared_ptr<const OperatorSpec> CompileMap(CompileContext& ctx) {
  return CompileKeyValue(ctx, ctx.node().map().key(), ctx.node().map().value());
}

std::shared_ptr<const OperatorSpec> CompileRekey(CompileContext& ctx) {
  return CompileKeyValue(ctx, ctx.node().rekey().key(), "");
}

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
