#pragma once
// ProtoCodec: the 'proto:<full.Name>' codec, protobuf wire bytes <-> Value,
// driven by a Descriptor at run time (DynamicMessageFactory + reflection; no
// generated code).
//
// Message -> Value: an object with every field in declaration order, named as
// in the .proto. int32/int64/uint32/sint/fixed -> int (uint64 above int64's
// range -> decimal, exact); double -> double; float -> double through the
// float's shortest text (0.1f -> 0.1); bool; string -> string (no magic for
// names like 'amount': money travels as text); bytes -> bytes; enum -> its
// value name (an unknown number of an open enum -> int); message -> object;
// repeated -> array; map -> object with string keys (integer and bool keys as
// text), sorted by key. Fields without presence (proto3 scalars, repeated,
// maps) are always present, with their defaults when unset; fields with
// presence (messages, oneof members, proto3 'optional', proto2) are null when
// unset. A double or float field holding NaN or an infinity makes the payload
// an error naming the field: a record never carries them (JSON cannot).
//
// Value -> message: the inverse, strict. The value must be an object; an
// unknown field name, a type mismatch or an out-of-range number is an
// InvalidArgument status naming the field path ("field 'payment.amount':
// expected string, got object"). Null leaves a field unset. Accepted: ints for
// integer fields (and integral decimals/doubles); int/double/decimal for
// float/double; string or int for enums; string, decimal (its text) or int for
// string fields; bytes or string for bytes fields. Output bytes are
// deterministic (map entries sorted by key).
//
// Thread-safety: NOT thread-safe (reuses one message for decoding and one for
// encoding).

#include <memory>
#include <string>
#include <string_view>

#include "engine/serde/codec.h"

namespace google::protobuf {
class Descriptor;
class DynamicMessageFactory;
class Message;
}  // namespace google::protobuf

namespace topo {

class ProtoCodec final : public Codec {
 public:
  // `descriptor` must outlive the codec (it belongs to a long-lived pool).
  explicit ProtoCodec(const google::protobuf::Descriptor* descriptor);
  ~ProtoCodec() override;

  Result<Value> Decode(std::string_view bytes) override;
  Status Encode(const Value& v, std::string* out) override;
  const std::string& name() const override { return name_; }

 private:
  const google::protobuf::Descriptor* descriptor_;
  std::string name_;
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory_;  // owns the messages' type info
  std::unique_ptr<google::protobuf::Message> decoded_;
  std::unique_ptr<google::protobuf::Message> encoded_;
};

// The conversions ProtoCodec uses, for callers holding a message already.
Value MessageToValue(const google::protobuf::Message& m);
// Clears *m, then fills it from v as described above.
Status ValueToMessage(const Value& v, google::protobuf::Message* m);

}  // namespace topo
