#pragma once
// The non-structured codecs: 'string', 'bytes' and 'int64'.
//
//   string  payload bytes <-> string Value, as is (no UTF-8 check, like Kafka's
//           StringDeserializer without replacement). Encode also renders
//           scalars as text: int "42", double shortest round-trip ("16.49",
//           "NaN", "Infinity"), decimal with its scale ("16.50"), bool
//           "true"/"false", bytes as is. Null, arrays and objects are errors.
//   bytes   payload <-> Bytes Value. Encode accepts bytes or string.
//   int64   8 bytes big-endian two's complement (Kafka's LongSerializer).
//           Decode requires exactly 8 bytes; encode requires an int.
//
// Thread-safety: stateless apart from the codec object itself.

#include <string>
#include <string_view>

#include "engine/serde/codec.h"

namespace topo {

class StringCodec final : public Codec {
 public:
  Result<Value> Decode(std::string_view bytes) override;
  Status Encode(const Value& v, std::string* out) override;
  const std::string& name() const override;
};

class BytesCodec final : public Codec {
 public:
  Result<Value> Decode(std::string_view bytes) override;
  Status Encode(const Value& v, std::string* out) override;
  const std::string& name() const override;
};

class Int64Codec final : public Codec {
 public:
  Result<Value> Decode(std::string_view bytes) override;
  Status Encode(const Value& v, std::string* out) override;
  const std::string& name() const override;
};

}  // namespace topo
