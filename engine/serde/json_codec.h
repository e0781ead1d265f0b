#pragma once
// JsonCodec: the 'json' codec, JSON text <-> Value.
//
// Decode (simdjson's DOM parser, runtime-dispatched to the CPU's SIMD kernel):
//   integers -> int (int64); integers beyond int64 (up to 38 digits) -> decimal;
//   numbers with a fraction or exponent -> double, and when the double cannot
//   give the text back (more than 15 significant digits, trailing fraction
//   zeros as in 1.00) the double keeps the text's exact decimal too
//   (Value::ExactDouble), so a number is written back as it came; a number that no int64, double or
//   38-digit decimal holds exactly (a 40-digit one, 1e-400, 1e400) is an error,
//   never a rounding; strings -> string; objects -> object in
//   document order; arrays -> array. The whole payload must be one JSON value
//   (surrounding whitespace allowed) in valid UTF-8. Malformed input is an
//   InvalidArgument status with simdjson's error text and the byte offset of
//   the first error. Duplicate keys are kept as they come (JSON allows them;
//   Object::Find returns the first). Exact in value and scale, not in
//   spelling: 1.5e3 is written back 1500.0, 0.0002 as 2e-04.
//
// Encode: compact JSON, byte-exact deterministic (fields in object order, no
// spaces). int as written; double as its kept exact decimal, else in its
// shortest round-trip form (FormatDouble, engine/value/text.h), with ".0" added to integral values so they
// decode as double again; NaN and infinities are errors (JSON cannot hold them); decimal as a JSON number
// with exactly its digits ("16.50"); bytes as a base64 string; strings escaped per RFC 8259 (quote,
// backslash, control characters; text.h's EscapeJsonByte), other UTF-8 written as is. A string that is not
// valid UTF-8 is an error (the output would not be JSON). Errors name the path of the offending value
// ("payload.amount", "items[2]").
//
// Thread-safety: NOT thread-safe (keeps the parser and its buffers between calls).

#include <memory>
#include <string>
#include <string_view>

#include "engine/serde/codec.h"

namespace topo {

class JsonCodec final : public Codec {
 public:
  JsonCodec();
  ~JsonCodec() override;

  Result<Value> Decode(std::string_view bytes) override;
  Result<Value> DecodeProjected(std::string_view bytes, const Projection& projection) override;
  Status Encode(const Value& v, std::string* out) override;
  const std::string& name() const override;

 private:
  struct Parser;  // keeps simdjson.h out of this header
  std::unique_ptr<Parser> parser_;
  std::string scratch_;  // reused for decimal text while encoding
};

// Whether `text` is exactly one JSON value (RFC 8259; UTF-8; nested at most as
// deep as Decode allows), numbers of any length included: the syntax alone, for
// callers that keep the text (topo produce). When not, *error (if given) says
// what and at which byte. Slow (a scalar parser): check with simdjson first.
struct JsonSyntaxError {
  size_t offset = 0;
  std::string what;
};
bool CheckJsonSyntax(std::string_view text, JsonSyntaxError* error);

// Appends the JSON encoding of v to *out (the encoder JsonCodec uses, for
// callers that build larger documents, and expr's json()). On error *out may
// hold partial output.
Status AppendJson(const Value& v, std::string* out);

}  // namespace topo
