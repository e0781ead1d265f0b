#include "engine/serde/proto_schemas.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace topo {

namespace {

namespace pb = google::protobuf;

// Collects what DescriptorPool would otherwise only log.
class CollectErrors : public pb::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name, const pb::Message*,
                ErrorLocation, const std::string& message) override {
    if (!text.empty()) text += "; ";
    text += filename + ": " + (element_name.empty() ? "" : element_name + ": ") + message;
  }
  std::string text;
};

void AddMessageNames(const pb::Descriptor* d, std::vector<std::string>* out) {
  if (d->options().map_entry()) return;
  out->push_back(d->full_name());
  for (int i = 0; i < d->nested_type_count(); ++i) AddMessageNames(d->nested_type(i), out);
}

}  // namespace

ProtoSchemas::ProtoSchemas() = default;
ProtoSchemas::~ProtoSchemas() = default;

Result<std::unique_ptr<ProtoSchemas>> ProtoSchemas::FromDescriptorSet(std::string_view bytes) {
  pb::FileDescriptorSet set;
  if (!set.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return Status::Invalid("malformed FileDescriptorSet (" + std::to_string(bytes.size()) + " bytes)");
  std::unique_ptr<ProtoSchemas> s(new ProtoSchemas());
  std::map<std::string, const pb::FileDescriptorProto*> by_name;
  for (const auto& f : set.file()) {
    if (!by_name.emplace(f.name(), &f).second)
      return Status::Invalid("FileDescriptorSet holds '" + f.name() + "' twice");
    s->files_.push_back(f.name());
  }
  s->pool_ = std::make_unique<pb::DescriptorPool>();
  // Builds imports first, so the set's file order does not matter.
  std::set<std::string> in_progress;
  std::function<Status(const std::string&, const std::string&)> build =
      [&](const std::string& name, const std::string& importer) -> Status {
    if (s->pool_->FindFileByName(name) != nullptr) return Status::Ok();
    auto it = by_name.find(name);
    if (it == by_name.end())
      return Status::Invalid("'" + importer + "' imports '" + name + "', which the FileDescriptorSet lacks");
    if (!in_progress.insert(name).second) return Status::Invalid("import cycle through '" + name + "'");
    for (const auto& dep : it->second->dependency()) RETURN_IF_ERROR(build(dep, name));
    CollectErrors errors;
    if (s->pool_->BuildFileCollectingErrors(*it->second, &errors) == nullptr)
      return Status::Invalid("cannot load '" + name + "': " + errors.text);
    return Status::Ok();
  };
  for (const auto& name : s->files_) RETURN_IF_ERROR(build(name, name));
  return s;
}

const pb::Descriptor* ProtoSchemas::FindMessage(std::string_view full_name) const {
  return pool_->FindMessageTypeByName(std::string(full_name));
}

std::vector<std::string> ProtoSchemas::MessageNames() const {
  std::vector<std::string> names;
  for (const auto& name : files_) {
    const pb::FileDescriptor* f = pool_->FindFileByName(name);
    for (int i = 0; i < f->message_type_count(); ++i) AddMessageNames(f->message_type(i), &names);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace topo
