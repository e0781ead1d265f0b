#include "engine/serde/codec.h"

#include <google/protobuf/descriptor.h>

#include "engine/serde/json_codec.h"
#include "engine/serde/proto_codec.h"
#include "engine/serde/simple_codecs.h"

namespace topo {

Result<std::unique_ptr<Codec>> MakeCodec(std::string_view spec,
                                         const google::protobuf::DescriptorPool* protos) {
  if (spec == "json") return std::unique_ptr<Codec>(std::make_unique<JsonCodec>());
  if (spec == "string") return std::unique_ptr<Codec>(std::make_unique<StringCodec>());
  if (spec == "bytes") return std::unique_ptr<Codec>(std::make_unique<BytesCodec>());
  if (spec == "int64") return std::unique_ptr<Codec>(std::make_unique<Int64Codec>());
  constexpr std::string_view kProto = "proto:";
  if (spec.substr(0, kProto.size()) == kProto) {
    std::string name(spec.substr(kProto.size()));
    if (name.empty())
      return Status::Invalid("codec 'proto:' names no message (expected proto:<package.Message>)");
    if (protos == nullptr)
      return Status::NotFound("codec '" + std::string(spec) + "': no protobuf schemas are loaded");
    const google::protobuf::Descriptor* d = protos->FindMessageTypeByName(name);
    if (d == nullptr)
      return Status::NotFound("codec '" + std::string(spec) + "': no message '" + name +
                              "' in the protobuf schemas");
    return std::unique_ptr<Codec>(std::make_unique<ProtoCodec>(d));
  }
  return Status::Invalid("unknown codec '" + std::string(spec) +
                         "' (expected json, string, bytes, int64 or proto:<package.Message>)");
}

}  // namespace topo
