#pragma once
// JSON as text, never as values: what `topo produce` and `topo consume` need to
// pass records through byte for byte (a number's digits, a string's escapes,
// key order) instead of decoding and re-encoding them. A thin layer over
// simdjson (validation: its DOM parser; members: its On-Demand API, which
// hands out each value's text as written) and the engine's CheckJsonSyntax
// (json_codec.h: the position and reason of an error, which simdjson does not
// give, and numbers of any length).
//
// Thread-safety: a JsonText belongs to one thread; the free functions are pure.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace topo::cli {

struct JsonError {
  size_t offset = 0;  // byte offset into the text
  std::string what;
};

struct JsonMember {
  std::string name;        // unescaped
  std::string_view value;  // the value's text as written (into the object's text), trimmed
  const char* kind = "";   // "object", "array", "string", "number", "boolean" or "null"
  std::string text;        // a string value's text, unescaped; empty for other kinds
};

class JsonText {
 public:
  JsonText();
  ~JsonText();

  // Whether `text` is exactly one JSON value (RFC 8259), with optional JSON
  // whitespace around it: UTF-8 without a byte-order mark, no NaN or Infinity,
  // no trailing commas, nested at most 1024 deep. Numbers of any length and
  // exponent are JSON (the text is what is kept). On failure *error (when
  // given) says what and where.
  bool Valid(std::string_view text, JsonError* error = nullptr);

  // The members of `json` (valid JSON) in order, duplicates kept; false when
  // it is not an object.
  bool Members(std::string_view json, std::vector<JsonMember>* out);

 private:
  struct Impl;  // keeps simdjson.h out of this header
  std::unique_ptr<Impl> impl_;
};

// `text` without JSON whitespace at either end.
std::string_view TrimJsonSpace(std::string_view text);

bool IsUtf8(std::string_view bytes);

}  // namespace topo::cli
