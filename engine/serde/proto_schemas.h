#pragma once
// ProtoSchemas: the protobuf message types a topology can name
// ('proto:checkout.PaymentEvent'), loaded from a serialized FileDescriptorSet
// such as the build's embedded one (kEmbeddedDescriptorSet, every .proto under
// proto/, produced by `protoc --include_imports --descriptor_set_out`).
//
// The set must be self-contained: every import is in it. Files may come in any
// order. A malformed set, a duplicate file or an unresolved import is an
// InvalidArgument status naming the file.
//
// Thread-safety: immutable after construction; safe to share across tasks.
// The pool outlives every codec made from it.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/status.h"

namespace google::protobuf {
class Descriptor;
class DescriptorPool;
}  // namespace google::protobuf

namespace topo {

// The build's FileDescriptorSet of proto/**.proto (library target topo_embedded).
extern const std::string_view kEmbeddedDescriptorSet;

class ProtoSchemas {
 public:
  static Result<std::unique_ptr<ProtoSchemas>> FromDescriptorSet(std::string_view bytes);
  ~ProtoSchemas();
  ProtoSchemas(const ProtoSchemas&) = delete;
  ProtoSchemas& operator=(const ProtoSchemas&) = delete;

  // For MakeCodec(spec, schemas->pool()).
  const google::protobuf::DescriptorPool* pool() const { return pool_.get(); }
  // nullptr when no such message.
  const google::protobuf::Descriptor* FindMessage(std::string_view full_name) const;
  // Every message's full name, nested ones included (map entries excluded), sorted.
  std::vector<std::string> MessageNames() const;

 private:
  ProtoSchemas();
  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  std::vector<std::string> files_;
};

}  // namespace topo
