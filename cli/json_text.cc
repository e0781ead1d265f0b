#include "cli/json_text.h"

#include <charconv>
#include <cstdint>

namespace topo::cli {

namespace {

constexpr int kMaxDepth = 1024;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the valid UTF-8 sequence at s[i] (RFC 3629: shortest form, no
// surrogates, at most U+10FFFF), or 0.
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  return n;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Validator {
 public:
  explicit Validator(std::string_view in) : in_(in) {}

  bool Run(JsonError* error) {
    bool ok = Document();
    if (!ok && error) *error = {pos_, why_};
    return ok;
  }

 private:
  bool Fail(const char* why) {
    why_ = why;
    return false;
  }
  bool AtEnd() const { return pos_ >= in_.size(); }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(in_[pos_])) ++pos_;
  }

  bool Document() {
    if (in_.size() >= 3 && in_.substr(0, 3) == "\xEF\xBB\xBF")
      return Fail("starts with a UTF-8 byte-order mark (BOM), which JSON text must not have");
    SkipSpace();
    if (AtEnd()) return Fail(in_.empty() ? "empty" : "only whitespace, no value");
    if (!Value(0)) return false;
    SkipSpace();
    if (!AtEnd()) return Fail("unexpected text after the JSON value");
    return true;
  }

  bool Value(int depth) {
    if (AtEnd()) return Fail("truncated: expected a value");
    switch (in_[pos_]) {
      case '{': return Object(depth + 1);
      case '[': return Array(depth + 1);
      case '"': return String();
      case 't': return Literal("true");
      case 'f': return Literal("false");
      case 'n': return Literal("null");
      default:
        if (in_[pos_] == '-' || (in_[pos_] >= '0' && in_[pos_] <= '9')) return Number();
        if (in_.substr(pos_, 3) == "NaN" || in_.substr(pos_, 8) == "Infinity")
          return Fail("NaN and Infinity are not JSON");
        return Fail("expected a value (object, array, string, number, true, false or null)");
    }
  }

  bool Literal(std::string_view word) {
    if (in_.substr(pos_, word.size()) != word) return Fail("invalid literal (true, false or null?)");
    pos_ += word.size();
    return true;
  }

  bool Object(int depth) {
    if (depth > kMaxDepth) return Fail("nested more than 1024 deep");
    ++pos_;  // '{'
    SkipSpace();
    if (!AtEnd() && in_[pos_] == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      SkipSpace();
      if (AtEnd()) return Fail("truncated: object not closed");
      if (in_[pos_] != '"') return Fail(in_[pos_] == '}' ? "trailing comma" : "expected a string key");
      if (!String()) return false;
      SkipSpace();
      if (AtEnd() || in_[pos_] != ':') return Fail("expected ':' after the key");
      ++pos_;
      SkipSpace();
      if (!Value(depth)) return false;
      SkipSpace();
      if (AtEnd()) return Fail("truncated: object not closed");
      if (in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (in_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or '}'");
    }
  }

  bool Array(int depth) {
    if (depth > kMaxDepth) return Fail("nested more than 1024 deep");
    ++pos_;  // '['
    SkipSpace();
    if (!AtEnd() && in_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      SkipSpace();
      if (!AtEnd() && in_[pos_] == ']') return Fail("trailing comma");
      if (!Value(depth)) return false;
      SkipSpace();
      if (AtEnd()) return Fail("truncated: array not closed");
      if (in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (in_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or ']'");
    }
  }

  // Four hex digits after "\u" at pos_ (which is at the 'u').
  bool Hex4(uint32_t* cp) {
    if (pos_ + 5 > in_.size()) return Fail("truncated \\u escape");
    uint32_t v = 0;
    for (size_t k = 1; k <= 4; ++k) {
      int d = HexDigit(in_[pos_ + k]);
      if (d < 0) return Fail("\\u must be followed by four hex digits");
      v = v * 16 + static_cast<uint32_t>(d);
    }
    *cp = v;
    pos_ += 5;
    return true;
  }

  bool String() {
    ++pos_;  // '"'
    for (;;) {
      if (AtEnd()) return Fail("truncated: string not closed");
      const unsigned char c = static_cast<unsigned char>(in_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Fail("control character inside a string (escape it, e.g. \\n)");
      if (c == '\\') {
        ++pos_;
        if (AtEnd()) return Fail("truncated escape");
        const char e = in_[pos_];
        if (e == 'u') {
          uint32_t cp;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail("\\u escape of an unpaired low surrogate");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (in_.substr(pos_, 2) != "\\u") return Fail("\\u escape of an unpaired high surrogate");
            ++pos_;
            if (!Hex4(&low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return Fail("\\u escape of an unpaired high surrogate");
          }
          continue;
        }
        if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't')
          return Fail("invalid escape (use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)");
        ++pos_;
        continue;
      }
      if (c < 0x80) {
        ++pos_;
        continue;
      }
      size_t n = Utf8Length(in_, pos_);
      if (n == 0) return Fail("invalid UTF-8 inside a string");
      pos_ += n;
    }
  }

  bool Digits() {
    size_t start = pos_;
    while (!AtEnd() && in_[pos_] >= '0' && in_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  bool Number() {
    if (in_[pos_] == '-') ++pos_;
    if (AtEnd()) return Fail("truncated number");
    if (in_[pos_] == '0') {
      ++pos_;
      if (!AtEnd() && in_[pos_] >= '0' && in_[pos_] <= '9') return Fail("leading zero in a number");
    } else if (!Digits()) {
      return Fail("expected a digit");
    }
    if (!AtEnd() && in_[pos_] == '.') {
      ++pos_;
      if (!Digits()) return Fail("expected a digit after '.'");
    }
    if (!AtEnd() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
      ++pos_;
      if (!AtEnd() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
      if (!Digits()) return Fail("expected a digit in the exponent");
    }
    return true;
  }

  std::string_view in_;
  size_t pos_ = 0;
  const char* why_ = "";
};

// The end of the valid JSON value starting at json[i] (no leading space).
size_t SkipValue(std::string_view json, size_t i) {
  const char c = json[i];
  if (c == '"') {
    for (++i; json[i] != '"'; ++i)
      if (json[i] == '\\') ++i;
    return i + 1;
  }
  if (c == '{' || c == '[') {
    int depth = 0;
    for (;; ++i) {
      const char d = json[i];
      if (d == '"') {
        i = SkipValue(json, i) - 1;
      } else if (d == '{' || d == '[') {
        ++depth;
      } else if ((d == '}' || d == ']') && --depth == 0) {
        return i + 1;
      }
    }
  }
  while (i < json.size() && !IsSpace(json[i]) && json[i] != ',' && json[i] != '}' && json[i] != ']') ++i;
  return i;
}

}  // namespace

bool ValidateJson(std::string_view text, JsonError* error) { return Validator(text).Run(error); }

std::string_view TrimJsonSpace(std::string_view text) {
  size_t b = 0, e = text.size();
  while (b < e && IsSpace(text[b])) ++b;
  while (e > b && IsSpace(text[e - 1])) --e;
  return text.substr(b, e - b);
}

bool JsonObjectMembers(std::string_view json, std::vector<JsonMember>* out) {
  out->clear();
  const std::string_view t = TrimJsonSpace(json);
  const size_t base = static_cast<size_t>(t.data() - json.data());
  if (t.empty() || t[0] != '{') return false;
  size_t i = 1;
  auto space = [&] {
    while (IsSpace(t[i])) ++i;
  };
  space();
  if (t[i] == '}') return true;
  for (;;) {
    space();
    JsonMember m;
    m.name_offset = base + i;
    size_t name_end = SkipValue(t, i);
    m.name = JsonStringText(t.substr(i, name_end - i));
    i = name_end;
    space();
    ++i;  // ':'
    space();
    size_t value_end = SkipValue(t, i);
    m.value = t.substr(i, value_end - i);
    out->push_back(std::move(m));
    i = value_end;
    space();
    if (t[i] == '}') return true;
    ++i;  // ','
  }
}

const char* JsonKind(std::string_view json) {
  switch (json.empty() ? '\0' : json[0]) {
    case '{': return "object";
    case '[': return "array";
    case '"': return "string";
    case 't':
    case 'f': return "boolean";
    case 'n': return "null";
    default: return "number";
  }
}

std::string JsonStringText(std::string_view literal) {
  std::string out;
  out.reserve(literal.size());
  for (size_t i = 1; i + 1 < literal.size(); ++i) {
    const char c = literal[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    const char e = literal[++i];
    switch (e) {
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        auto hex4 = [&](size_t at) {
          uint32_t v = 0;
          for (size_t k = 0; k < 4; ++k) v = v * 16 + static_cast<uint32_t>(HexDigit(literal[at + k]));
          return v;
        };
        uint32_t cp = hex4(i + 1);
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {  // a pair (ValidateJson checked)
          uint32_t low = hex4(i + 3);
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        }
        AppendUtf8(cp, &out);
        break;
      }
      default: out.push_back(e);  // " \ /
    }
  }
  return out;
}

std::optional<int64_t> JsonInt64(std::string_view number) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
  if (ec != std::errc() || end != number.data() + number.size() || number.empty()) return std::nullopt;
  return v;
}

bool IsUtf8(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size();) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t n = Utf8Length(bytes, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void AppendJsonString(std::string_view utf8, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->reserve(out->size() + utf8.size() + 2);
  out->push_back('"');
  for (char ch : utf8) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (c < 0x20) {
          *out += "\\u00";
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xF]);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

void AppendJsonOneLine(std::string_view json, std::string* out) {
  const size_t start = out->size();
  out->append(json);
  if (json.find_first_of("\r\n") == std::string_view::npos) return;
  for (size_t i = start; i < out->size(); ++i)
    if ((*out)[i] == '\n' || (*out)[i] == '\r') (*out)[i] = ' ';
}

}  // namespace topo::cli
