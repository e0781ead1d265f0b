#pragma once
// JSON as text, never as values: what `topo produce` and `topo consume` need to
// pass records through byte for byte (a number's digits, a string's escapes,
// key order) instead of decoding and re-encoding them.
//
// Thread-safety: pure functions.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace topo::cli {

struct JsonError {
  size_t offset = 0;  // byte offset into the text
  std::string what;
};

// Whether `text` is exactly one JSON value (RFC 8259), with optional JSON
// whitespace (space, tab, CR, LF) around it: UTF-8 without a byte-order mark,
// no NaN or Infinity, no trailing commas, nested at most 1024 deep (simdjson's
// limit, which the engine's JSON codec shares). Integers of any length are
// JSON. On failure *error (when given) says what and where.
bool ValidateJson(std::string_view text, JsonError* error = nullptr);

// `text` without JSON whitespace at either end.
std::string_view TrimJsonSpace(std::string_view text);

struct JsonMember {
  std::string name;        // unescaped
  size_t name_offset = 0;  // of the name's opening quote in the object's text
  std::string_view value;  // the value's text as written, without surrounding whitespace
};

// The members of `json` (valid JSON, e.g. checked by ValidateJson) in order,
// duplicates kept; false when it is not an object.
bool JsonObjectMembers(std::string_view json, std::vector<JsonMember>* out);

// What a valid JSON value's text is: "object", "array", "string", "number",
// "boolean" or "null".
const char* JsonKind(std::string_view json);

// The text of a valid JSON string literal (quotes included), unescaped.
std::string JsonStringText(std::string_view literal);

// A valid JSON number's value when it is an integer that fits int64 ("12",
// "-3"; not "1.0", "1e3" or 20 digits).
std::optional<int64_t> JsonInt64(std::string_view number);

bool IsUtf8(std::string_view bytes);

// Appends `utf8` (valid UTF-8) as a JSON string literal: quotes, and the
// escapes RFC 8259 requires (", \ and control characters); the rest as is.
void AppendJsonString(std::string_view utf8, std::string* out);

// Appends valid JSON text with every CR or LF replaced by a space: in valid
// JSON they can only be whitespace between tokens, so the value, its digits
// and its strings are unchanged, and it fits on one line.
void AppendJsonOneLine(std::string_view json, std::string* out);

}  // namespace topo::cli
