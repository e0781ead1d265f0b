#include "engine/runtime/operator.h"

#include <algorithm>

#include "engine/runtime/compiled_topology.h"
#include "engine/runtime/task.h"

namespace topo::runtime {

void Operator::AddReader(int port, NodeRunner* reader) {
  if (static_cast<int>(readers_.size()) <= port) readers_.resize(port + 1);
  readers_[port].push_back(reader);
}

Status Operator::Emit(Record&& record, int port) {
  if (port >= static_cast<int>(readers_.size())) return Status::Ok();
  auto& readers = readers_[port];
  const size_t n = readers.size();
  if (n > 0) ++out_;
  for (size_t i = 0; i + 1 < n; ++i) {
    Record copy = record;
    RETURN_IF_ERROR(readers[i]->Receive(std::move(copy)));
  }
  if (n > 0) return readers[n - 1]->Receive(std::move(record));
  return Status::Ok();
}

CompileContext::CompileContext(const plan::LoadedTopology& source, const PhysicalPlan& plan,
                               const std::string& node_id, const plan::Node& node,
                               std::vector<StreamType> input_types, plan::Diagnostics* diags,
                               const google::protobuf::DescriptorPool* protos)
    : source_(source),
      plan_(plan),
      node_id_(node_id),
      node_(node),
      input_types_(std::move(input_types)),
      diags_(diags),
      protos_(protos) {}

const plan::Topology& CompileContext::topology() const { return plan_.topology(); }

const TopicSpec* CompileContext::topic(const std::string& name) const { return plan_.topic(name); }

expr::Scope CompileContext::RecordScope(const StreamType& input, std::vector<expr::Variable> extra) const {
  using expr::Type;
  expr::Scope scope;
  scope.vars = {
      {"key", input.key},
      {"value", input.value},
      {"headers", Type::ObjectOf({}, /*open=*/true)},
      {"timestamp", Type::Of(Type::Kind::kInt)},
      {"topic", Type::Of(Type::Kind::kString)},
      {"partition", Type::Of(Type::Kind::kInt)},
      {"offset", Type::Of(Type::Kind::kInt)},
  };
  for (auto& v : extra) scope.vars.push_back(std::move(v));
  return scope;
}

std::optional<expr::CompiledExpr> CompileContext::Compile(const std::string& param, const std::string& source,
                                                          const expr::Scope& scope) {
  std::vector<expr::CompileError> errors;
  auto compiled = expr::CompiledExpr::Compile(source, scope, &errors);
  if (compiled.ok()) return std::move(compiled).value();
  if (errors.empty()) errors.push_back({0, compiled.status().message()});
  for (const auto& e : errors) Error(param + " expression, " + e.Render(source));
  return std::nullopt;
}

expr::Type CompileContext::TopicValueType(const std::string& topic) const {
  (void)topic;
  return input_types_.empty() ? expr::Type::Any() : input_types_[0].value;
}

void CompileContext::Error(const std::string& message) {
  ++errors_;
  diags_->push_back({source_.file, source_.NodeLine(node_id_), node_id_, message});
}

Registry& Registry::Global() {
  static Registry* r = new Registry();
  return *r;
}

void Registry::Register(const std::string& type, OperatorFactory factory) {
  for (auto& [t, f] : factories_) {
    if (t == type) {
      f = factory;
      return;
    }
  }
  factories_.emplace_back(type, factory);
}

OperatorFactory Registry::Find(const std::string& type) const {
  for (const auto& [t, f] : factories_)
    if (t == type) return f;
  return nullptr;
}

std::vector<std::string> Registry::Types() const {
  std::vector<std::string> out;
  for (const auto& [t, f] : factories_) out.push_back(t);
  return out;
}

Projection UseOf(int slot, std::initializer_list<const expr::CompiledExpr*> exprs) {
  Projection p;
  for (const auto* e : exprs)
    if (e) p.Merge(e->SlotProjection(slot));
  return p;
}

void RecordBinder::Use(const expr::CompiledExpr& e) {
  for (int i = 0; i < kNumRecordSlots; ++i) uses_[i] = uses_[i] || e.UsesSlot(i);
}

void RecordBinder::Bind(const Record& r, const Value** slots) {
  slots[kSlotKey] = &r.key;
  slots[kSlotValue] = &r.value;
  if (uses_[kSlotHeaders]) {
    Object h;
    for (const auto& [k, v] : r.headers) h.Set(k, Value(v));
    headers_ = Value(std::move(h));
  }
  if (uses_[kSlotTimestamp]) timestamp_ = Value(r.timestamp.value());
  if (uses_[kSlotTopic]) topic_ = r.topic ? Value(*r.topic) : Value();
  if (uses_[kSlotPartition]) partition_ = Value(int64_t{r.partition.value()});
  if (uses_[kSlotOffset]) offset_ = Value(r.offset.value());
  slots[kSlotHeaders] = &headers_;
  slots[kSlotTimestamp] = &timestamp_;
  slots[kSlotTopic] = &topic_;
  slots[kSlotPartition] = &partition_;
  slots[kSlotOffset] = &offset_;
}

}  // namespace topo::runtime
