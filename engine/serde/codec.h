#pragma once
// Codec: turns a record key or value between wire bytes and a Value.
//
// A topic declares one codec for its keys and one for its values ('json',
// 'string', 'bytes', 'int64', or a protobuf message name). Null payloads (Kafka
// tombstones, absent keys) never reach a codec: callers map them to and from a
// null Value themselves.
//
// Thread-safety: NOT thread-safe. A codec may keep parse buffers between calls;
// each task owns its own instances (MakeCodec is cheap).

#include <memory>
#include <string>
#include <string_view>

#include "engine/base/status.h"
#include "engine/value/projection.h"
#include "engine/value/value.h"

namespace google::protobuf {
class DescriptorPool;
}

namespace topo {

class Codec {
 public:
  virtual ~Codec() = default;
  // Decodes one payload. Malformed input is an InvalidArgument status whose
  // message says what is wrong and where (byte offset where known).
  virtual Result<Value> Decode(std::string_view bytes) = 0;
  // Decodes only what `projection` reads: fields it does not name may be left
  // out of objects (projection pushdown). Validation is the same as Decode's —
  // a malformed payload is still an error. Codecs without a cheaper path
  // decode everything.
  virtual Result<Value> DecodeProjected(std::string_view bytes, const Projection& projection) {
    (void)projection;
    return Decode(bytes);
  }
  // Replaces *out with the encoding of v. A Value the format cannot express
  // (e.g. an object for 'string') is an InvalidArgument status.
  virtual Status Encode(const Value& v, std::string* out) = 0;
  // The spec it was made from: "json", "string", "bytes", "int64", "proto:pkg.Msg".
  virtual const std::string& name() const = 0;
};

// Makes a codec from a spec: "json", "string", "bytes", "int64", or
// "proto:<full.message.Name>" resolved in `protos` (may be null when no
// protobuf schemas are loaded). Unknown specs and unknown messages are errors.
Result<std::unique_ptr<Codec>> MakeCodec(std::string_view spec,
                                         const google::protobuf::DescriptorPool* protos);

}  // namespace topo
