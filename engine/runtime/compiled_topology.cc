#include "engine/runtime/compiled_topology.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include "engine/serde/codec.h"

namespace topo {
extern const std::string_view kEmbeddedDescriptorSet;
}

namespace topo::runtime {

const google::protobuf::DescriptorPool* EmbeddedProtos() {
  static const google::protobuf::DescriptorPool* pool = [] {
    auto* p = new google::protobuf::DescriptorPool();
    google::protobuf::FileDescriptorSet set;
    if (set.ParseFromArray(kEmbeddedDescriptorSet.data(), static_cast<int>(kEmbeddedDescriptorSet.size()))) {
      for (const auto& file : set.file()) p->BuildFile(file);
    }
    return p;
  }();
  return pool;
}

namespace {

using expr::Type;

Type TypeFromField(const google::protobuf::FieldDescriptor* f, int depth);

Type TypeFromMessage(const google::protobuf::Descriptor* d, int depth) {
  if (depth > 8) return Type::Any();  // recursive messages: stop describing
  std::map<std::string, Type> fields;
  for (int i = 0; i < d->field_count(); ++i)
    fields[d->field(i)->name()] = TypeFromField(d->field(i), depth + 1);
  Type t = Type::ObjectOf(std::move(fields), /*open=*/false);
  t.name = d->full_name();  // so messages say "no field 'amout' in checkout.PaymentEvent"
  return t;
}

Type TypeFromField(const google::protobuf::FieldDescriptor* f, int depth) {
  using FD = google::protobuf::FieldDescriptor;
  Type scalar;
  if (f->is_map()) return Type::ObjectOf({}, /*open=*/true);
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32:
    case FD::CPPTYPE_INT64:
    case FD::CPPTYPE_UINT32:
    case FD::CPPTYPE_UINT64: scalar = Type::Of(Type::Kind::kInt); break;
    case FD::CPPTYPE_FLOAT:
    case FD::CPPTYPE_DOUBLE: scalar = Type::Of(Type::Kind::kDouble); break;
    case FD::CPPTYPE_BOOL: scalar = Type::Of(Type::Kind::kBool); break;
    case FD::CPPTYPE_ENUM: scalar = Type::Of(Type::Kind::kString); break;
    case FD::CPPTYPE_STRING:
      scalar = Type::Of(f->type() == FD::TYPE_BYTES ? Type::Kind::kBytes : Type::Kind::kString);
      break;
    case FD::CPPTYPE_MESSAGE: scalar = TypeFromMessage(f->message_type(), depth); break;
  }
  return f->is_repeated() ? Type::ArrayOf(scalar) : scalar;
}

// A JSON topic's declared schema: field -> type name. Closed unless it has "*".
Result<Type> TypeFromSchema(const google::protobuf::Map<std::string, std::string>& schema) {
  static const std::map<std::string, Type::Kind> kKinds = {
      {"string", Type::Kind::kString},   {"int", Type::Kind::kInt},     {"double", Type::Kind::kDouble},
      {"decimal", Type::Kind::kDecimal}, {"bool", Type::Kind::kBool},   {"object", Type::Kind::kObject},
      {"array", Type::Kind::kArray},     {"bytes", Type::Kind::kBytes}, {"any", Type::Kind::kAny}};
  std::map<std::string, Type> fields;
  bool open = false;
  for (const auto& [name, type] : schema) {
    if (name == "*") {
      open = true;
      continue;
    }
    auto it = kKinds.find(type);
    if (it == kKinds.end())
      return Status::Invalid("schema field '" + name + "' has unknown type '" + type +
                             "' (use string, int, double, decimal, bool, object, array, bytes or any)");
    fields[name] = Type::Of(it->second);
  }
  return Type::ObjectOf(std::move(fields), open);
}

Type TypeFromCodec(const std::string& spec, const google::protobuf::DescriptorPool* protos) {
  if (spec == "string") return Type::Of(Type::Kind::kString);
  if (spec == "int64") return Type::Of(Type::Kind::kInt);
  if (spec == "bytes") return Type::Of(Type::Kind::kBytes);
  if (spec.rfind("proto:", 0) == 0 && protos != nullptr) {
    if (const auto* d = protos->FindMessageTypeByName(spec.substr(6))) return TypeFromMessage(d, 0);
  }
  return Type::Any();
}

bool IsKnownCodec(const std::string& spec, const google::protobuf::DescriptorPool* protos, std::string* why) {
  if (spec == "json" || spec == "string" || spec == "bytes" || spec == "int64") return true;
  if (spec.rfind("proto:", 0) == 0) {
    if (protos && protos->FindMessageTypeByName(spec.substr(6))) return true;
    *why = "protobuf message '" + spec.substr(6) + "' is not in proto/ (compiled into topo)";
    return false;
  }
  *why = "unknown codec '" + spec + "' (use json, string, bytes, int64 or topo.proto('pkg.Message'))";
  return false;
}

}  // namespace

const TopicSpec* CompiledTopology::topic(const std::string& name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second;
}

const CompiledNode* CompiledTopology::node(const std::string& id) const {
  auto it = node_index_.find(id);
  return it == node_index_.end() ? nullptr : &nodes_[it->second];
}

Projection CompiledTopology::ReadOf(const CompiledNode& source, int slot) const {
  Projection p = source.spec->Use(slot);
  std::vector<const CompiledNode*> stack = {&source};
  while (!stack.empty() && !p.whole) {
    const CompiledNode* n = stack.back();
    stack.pop_back();
    for (const auto& [child, port] : n->readers) {
      const CompiledNode* c = node(child);
      p.Merge(c->spec->Use(slot));
      if (c->spec->Forwards(slot)) stack.push_back(c);
    }
  }
  return p;
}

const Projection& CompiledTopology::SourceProjection(const std::string& id, int slot) const {
  static const Projection kAll = Projection::All();
  auto it = source_projections_.find(id);
  if (it == source_projections_.end()) return kAll;
  return slot == kSlotKey ? it->second.first : it->second.second;
}

Result<std::unique_ptr<Codec>> CompiledTopology::MakeCodec(const std::string& spec) const {
  return topo::MakeCodec(spec, protos_);
}

Result<std::shared_ptr<const CompiledTopology>> CompiledTopology::Compile(plan::LoadedTopology loaded,
                                                                          plan::Diagnostics* diags) {
  std::shared_ptr<CompiledTopology> ct(new CompiledTopology(std::move(loaded)));
  const plan::LoadedTopology& lt = ct->loaded_;
  const plan::Topology& t = lt.proto;
  ct->protos_ = EmbeddedProtos();
  const size_t errors_before = diags->size();
  auto topo_error = [&](std::string msg) { diags->push_back({lt.file, 0, "", std::move(msg)}); };

  const auto& cfg = t.config();
  if (!cfg.guarantee().empty() && cfg.guarantee() != "exactly_once" && cfg.guarantee() != "at_least_once")
    topo_error("config.guarantee must be 'exactly_once' or 'at_least_once', got '" + cfg.guarantee() + "'");
  if (cfg.commit_interval_ms() < 0) topo_error("config.commit_interval_ms must not be negative");

  std::map<std::string, Type> topic_value_types;
  for (const auto& [name, topic] : t.topics()) {
    TopicSpec spec{name, std::max(1, topic.partitions()), topic.key().empty() ? "string" : topic.key(),
                   topic.value().empty() ? "json" : topic.value()};
    std::string why;
    if (!IsKnownCodec(spec.key_codec, ct->protos_, &why)) topo_error("topic '" + name + "': key: " + why);
    if (!IsKnownCodec(spec.value_codec, ct->protos_, &why)) topo_error("topic '" + name + "': value: " + why);
    if (topic.partitions() < 1) topo_error("topic '" + name + "': partitions must be at least 1");
    Type vt = TypeFromCodec(spec.value_codec, ct->protos_);
    if (!topic.schema().empty()) {
      auto st = TypeFromSchema(topic.schema());
      if (!st.ok())
        topo_error("topic '" + name + "': " + st.status().message());
      else
        vt = *st;
    }
    topic_value_types[name] = vt;
    ct->topics_.emplace(name, std::move(spec));
  }

  ct->graph_ = plan::BuildGraph(lt, diags);
  const bool structure_ok = diags->size() == errors_before;

  // Compile every node in topological order, so each sees its inputs' types.
  std::map<std::string, StreamType> out_types;
  for (const auto& id : ct->graph_.order) {
    const plan::Node& pn = t.nodes().at(id);
    CompiledNode cn{id, plan::NodeType(pn), &pn, nullptr, ct->graph_.subtopology_of[id], {}};
    std::vector<StreamType> inputs;
    if (pn.has_source()) {
      for (const auto& topic : pn.source().topics()) {
        const TopicSpec* ts = ct->topic(topic);
        std::string kc = pn.source().key().empty() ? (ts ? ts->key_codec : "string") : pn.source().key();
        Type vt =
            pn.source().value().empty() && topic_value_types.count(topic)
                ? topic_value_types[topic]
                : TypeFromCodec(pn.source().value().empty() ? "json" : pn.source().value(), ct->protos_);
        inputs.push_back({TypeFromCodec(kc, ct->protos_), vt});
      }
    } else {
      for (const auto& ref : pn.inputs()) {
        auto [parent, port] = plan::SplitInput(t, ref);
        auto it = out_types.find(parent);
        inputs.push_back(it != out_types.end() ? it->second : StreamType{});
      }
    }
    OperatorFactory factory = Registry::Global().Find(cn.type);
    if (factory == nullptr) {
      if (!cn.type.empty())
        diags->push_back(
            {lt.file, lt.NodeLine(id), id, "operator '" + cn.type + "' is not available in this build"});
    } else {
      CompileContext ctx(lt, id, pn, std::move(inputs), diags, ct->protos_);
      cn.spec = factory(ctx);
      if (cn.spec) out_types[id] = cn.spec->output_type;
    }
    // Retry delays are accepted but not yet applied (the errors issue adds retry topics).
    for (const plan::ErrorPolicy* p = &pn.on_error(); p != nullptr;
         p = p->has_retry() ? &p->retry().then() : nullptr) {
      if (p->has_retry())
        ct->warnings_.push_back(
            {lt.file, lt.NodeLine(id), id,
             "retry delays are not applied yet: a failed record goes straight to the retry's "
             "`then` policy"});
    }
    ct->node_index_[id] = ct->nodes_.size();
    ct->nodes_.push_back(std::move(cn));
  }

  // Wire readers by output port index.
  if (structure_ok) {
    for (auto& cn : ct->nodes_) {
      if (!cn.spec) continue;
      std::vector<std::string> ports = cn.spec->OutputPorts();
      for (const auto& e : ct->graph_.children[cn.id]) {
        auto pit = std::find(ports.begin(), ports.end(), e.port);
        if (pit == ports.end()) {
          diags->push_back({lt.file, lt.NodeLine(e.child), e.child,
                            "node '" + cn.id + "' has no output '" + e.port + "'"});
          continue;
        }
        cn.readers.emplace_back(e.child, static_cast<int>(pit - ports.begin()));
      }
    }
  }

  if (diags->size() == errors_before) {
    for (const auto& cn : ct->nodes_) {
      if (!cn.proto->has_source()) continue;
      ct->source_projections_[cn.id] = {ct->ReadOf(cn, kSlotKey), ct->ReadOf(cn, kSlotValue)};
    }
  }

  if (diags->size() > errors_before) {
    return Status::Invalid(lt.file + ": " + std::to_string(diags->size() - errors_before) + " problem(s)");
  }
  return std::shared_ptr<const CompiledTopology>(std::move(ct));
}

}  // namespace topo::runtime
