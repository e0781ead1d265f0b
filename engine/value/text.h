#pragma once
// The text of scalars, shared so every place that prints one agrees byte for
// byte: Value::DebugString, serde's json and string codecs, and expr's
// string(), concat() and format().
//
// Thread-safety: pure functions.

#include <array>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace topo {

// Room FormatDouble needs at `out`.
inline constexpr size_t kMaxDoubleText = 32;

// The shortest text that reads back as the same double ("16.49", "1e+21", "3";
// integral values get no ".0"), and Java's Double.toString spellings "NaN",
// "Infinity" and "-Infinity" for the values JSON cannot hold. Writes at `out`
// and returns the end.
char* FormatDouble(double d, char* out);
void AppendDouble(std::string& out, double d);

namespace text_internal {
// Per byte: 0 = as is, 'u' = \u00XX, else the letter after the backslash.
inline constexpr std::array<char, 256> kJsonEscape = [] {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['\b'] = 'b';
  t['\f'] = 'f';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}();
}  // namespace text_internal

// Writes byte c as it goes inside a JSON string (RFC 8259): '"', '\' and the
// control characters as \" \\ \b \f \n \r \t or \u00XX (lower-case hex), every
// other byte, UTF-8 included, as is. Writes at most 6 bytes; returns the end.
inline char* EscapeJsonByte(unsigned char c, char* out) {
  const char e = text_internal::kJsonEscape[c];
  if (e == 0) {
    *out = static_cast<char>(c);
    return out + 1;
  }
  if (e == 'u') {
    static constexpr char kHex[] = "0123456789abcdef";
    std::memcpy(out, "\\u00", 4);
    out[4] = kHex[c >> 4];
    out[5] = kHex[c & 0xF];
    return out + 6;
  }
  out[0] = '\\';
  out[1] = e;
  return out + 2;
}

// Appends s as a quoted JSON string, escaped as EscapeJsonByte does. Does not
// check that s is valid UTF-8 (serde's json codec does, when encoding).
void AppendJsonQuoted(std::string& out, std::string_view s);

}  // namespace topo
