#include "engine/expr/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>
#include <utility>

namespace topo::expr {

namespace {

void AppendQuoted(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void AppendBase64(std::string& out, std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
}

constexpr int kMaxJsonDepth = 512;

class JsonReader {
 public:
  explicit JsonReader(std::string_view s) : s_(s) {}

  Result<Value> Run() {
    Value v;
    if (!ParseValue(&v, 0)) return Status::Invalid(err_);
    SkipSpace();
    if (pos_ != s_.size()) {
      Fail("trailing characters");
      return Status::Invalid(err_);
    }
    return v;
  }

 private:
  bool Fail(const std::string& what) {
    if (err_.empty()) err_ = "invalid JSON at offset " + std::to_string(pos_) + ": " + what;
    return false;
  }
  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return Fail("unexpected character");
    pos_ += word.size();
    return true;
  }

  bool ParseValue(Value* out, int depth) {
    if (depth > kMaxJsonDepth) return Fail("nested too deeply");
    SkipSpace();
    if (pos_ >= s_.size()) return Fail("unexpected end");
    char c = s_[pos_];
    switch (c) {
      case 'n': *out = Value(); return Literal("null");
      case 't': *out = Value(true); return Literal("true");
      case 'f': *out = Value(false); return Literal("false");
      case '"': {
        std::string str;
        if (!ParseString(&str)) return false;
        *out = Value(std::move(str));
        return true;
      }
      case '[': {
        ++pos_;
        Array arr;
        SkipSpace();
        if (pos_ < s_.size() && s_[pos_] == ']') {
          ++pos_;
          *out = Value(std::move(arr));
          return true;
        }
        while (true) {
          Value e;
          if (!ParseValue(&e, depth + 1)) return false;
          arr.push_back(std::move(e));
          SkipSpace();
          if (pos_ < s_.size() && s_[pos_] == ',') {
            ++pos_;
            continue;
          }
          if (pos_ < s_.size() && s_[pos_] == ']') {
            ++pos_;
            break;
          }
          return Fail("expected ',' or ']'");
        }
        *out = Value(std::move(arr));
        return true;
      }
      case '{': {
        ++pos_;
        Object obj;
        SkipSpace();
        if (pos_ < s_.size() && s_[pos_] == '}') {
          ++pos_;
          *out = Value(std::move(obj));
          return true;
        }
        while (true) {
          SkipSpace();
          if (pos_ >= s_.size() || s_[pos_] != '"') return Fail("expected a string key");
          std::string key;
          if (!ParseString(&key)) return false;
          SkipSpace();
          if (pos_ >= s_.size() || s_[pos_] != ':') return Fail("expected ':'");
          ++pos_;
          Value e;
          if (!ParseValue(&e, depth + 1)) return false;
          obj.Set(std::move(key), std::move(e));
          SkipSpace();
          if (pos_ < s_.size() && s_[pos_] == ',') {
            ++pos_;
            continue;
          }
          if (pos_ < s_.size() && s_[pos_] == '}') {
            ++pos_;
            break;
          }
          return Fail("expected ',' or '}'");
        }
        *out = Value(std::move(obj));
        return true;
      }
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber(out);
        return Fail("unexpected character");
    }
  }

  bool ParseNumber(Value* out) {
    size_t start = pos_;
    auto digit = [&] { return pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; };
    if (s_[pos_] == '-') ++pos_;
    if (!digit()) return Fail("bad number");
    if (s_[pos_] == '0') {
      ++pos_;
    } else {
      while (digit()) ++pos_;
    }
    bool integral = true;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (!digit()) return Fail("bad number");
      while (digit()) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digit()) return Fail("bad number");
      while (digit()) ++pos_;
    }
    const char* b = s_.data() + start;
    const char* e = s_.data() + pos_;
    if (integral) {
      int64_t i;
      auto r = std::from_chars(b, e, i);
      if (r.ec == std::errc() && r.ptr == e) {
        *out = Value(i);
        return true;
      }
    }
    double d;
    auto r = std::from_chars(b, e, d);
    if (r.ec != std::errc() || r.ptr != e) return Fail("number out of range");
    *out = Value(d);
    return true;
  }

  int Hex4() {
    if (pos_ + 4 > s_.size()) return -1;
    int v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_ + i];
      int d = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    pos_ += 4;
    return v;
  }

  bool ParseString(std::string* out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= s_.size()) return Fail("unterminated string");
      char c = s_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in string");
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) return Fail("unterminated string");
      char e = s_[pos_++];
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          int cp = Hex4();
          if (cp < 0) return Fail("bad \\u escape");
          uint32_t code = static_cast<uint32_t>(cp);
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (pos_ + 2 > s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u')
              return Fail("unpaired surrogate");
            pos_ += 2;
            int lo = Hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) return Fail("unpaired surrogate");
            code = 0x10000 + ((code - 0xD800) << 10) + static_cast<uint32_t>(lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Fail("unpaired surrogate");
          }
          if (code < 0x80) {
            out->push_back(static_cast<char>(code));
          } else if (code < 0x800) {
            out->push_back(static_cast<char>(0xC0 | (code >> 6)));
            out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
          } else if (code < 0x10000) {
            out->push_back(static_cast<char>(0xE0 | (code >> 12)));
            out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
          } else {
            out->push_back(static_cast<char>(0xF0 | (code >> 18)));
            out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
            out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
          }
          break;
        }
        default: return Fail("bad escape");
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string err_;
};

}  // namespace

void AppendDouble(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "NaN";
    return;
  }
  if (std::isinf(d)) {
    out += d > 0 ? "Infinity" : "-Infinity";
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, r.ptr);
}

void AppendJson(std::string& out, const Value& v) {
  switch (v.type()) {
    case ValueType::kNull: out += "null"; break;
    case ValueType::kBool: out += v.as_bool() ? "true" : "false"; break;
    case ValueType::kInt: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, v.as_int());
      out.append(buf, r.ptr);
      break;
    }
    case ValueType::kDouble:
      if (!std::isfinite(v.as_double())) {
        out += "null";
      } else {
        AppendDouble(out, v.as_double());
      }
      break;
    case ValueType::kDecimal: v.as_decimal().AppendTo(out); break;
    case ValueType::kString: AppendQuoted(out, v.as_string()); break;
    case ValueType::kBytes:
      out.push_back('"');
      AppendBase64(out, v.as_bytes().data);
      out.push_back('"');
      break;
    case ValueType::kArray: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.as_array()) {
        if (!first) out.push_back(',');
        first = false;
        AppendJson(out, e);
      }
      out.push_back(']');
      break;
    }
    case ValueType::kObject: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.as_object()) {
        if (!first) out.push_back(',');
        first = false;
        AppendQuoted(out, k);
        out.push_back(':');
        AppendJson(out, e);
      }
      out.push_back('}');
      break;
    }
  }
}

Result<Value> ParseJson(std::string_view text) { return JsonReader(text).Run(); }

}  // namespace topo::expr
