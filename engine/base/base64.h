#pragma once
// Standard base64 (RFC 4648, '+' '/' alphabet, '=' padding): bytes values inside
// JSON strings (serde's json codec) and in Value::DebugString.
//
// Thread-safety: pure functions.

#include <cstddef>
#include <string>
#include <string_view>

#include "engine/base/status.h"

namespace topo {

// Encoded length of n bytes.
constexpr size_t Base64Length(size_t n) { return (n + 2) / 3 * 4; }
// Writes the encoding of `in` at `out` (Base64Length(in.size()) bytes); returns the end.
char* Base64Encode(std::string_view in, char* out);
std::string Base64Encode(std::string_view in);
// Appends the encoding of `in` to *out.
void AppendBase64(std::string_view in, std::string* out);
// Strict decoding: padding required, no whitespace.
Result<std::string> Base64Decode(std::string_view in);

}  // namespace topo
