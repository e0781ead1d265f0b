#include "engine/serde/json_codec.h"

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "engine/base/base64.h"
#include "engine/value/text.h"

namespace topo {

namespace {

// ---- decoding ----

// 10^37: a coefficient at or above it has 38 digits.
constexpr Decimal::Int kTen37 = [] {
  Decimal::Int v = 1;
  for (int i = 0; i < 37; ++i) v *= 10;
  return v;
}();

// What the DOM decode saw that the DOM cannot decode exactly (see
// NeedsExactNumbers): whether it built a double, and a zero or subnormal one.
struct DomNumbers {
  bool doubles = false;
  bool tiny = false;
};

// Builds, in `out`, the Value for a DOM element simdjson has already validated,
// so no step can fail. Every Value is constructed in place in its parent
// (Emplace, AppendSlot): each extra move of a short string is a memcpy that
// stalls on the store it just made.
void FromElement(simdjson::dom::element e, Value& out, DomNumbers& seen) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::OBJECT: {
      simdjson::dom::object o = e.get_object().value_unsafe();
      auto obj = std::make_shared<Object>();
      obj->Reserve(o.size());
      for (simdjson::dom::key_value_pair f : o) FromElement(f.value, obj->AppendSlot(f.key), seen);
      out.Emplace<std::shared_ptr<Object>>(std::move(obj));
      return;
    }
    case element_type::ARRAY: {
      simdjson::dom::array a = e.get_array().value_unsafe();
      auto arr = std::make_shared<Array>();
      arr->reserve(a.size());
      for (simdjson::dom::element x : a) FromElement(x, arr->emplace_back(), seen);
      out.Emplace<std::shared_ptr<Array>>(std::move(arr));
      return;
    }
    case element_type::STRING: out.Emplace<std::string>(e.get_string().value_unsafe()); return;
    case element_type::INT64: out.Emplace<int64_t>(e.get_int64().value_unsafe()); return;
    case element_type::UINT64:  // above int64: exact as a decimal, like longer integers
      out.Emplace<Decimal>(static_cast<Decimal::Int>(e.get_uint64().value_unsafe()), 0);
      return;
    case element_type::DOUBLE: {
      const double d = e.get_double().value_unsafe();
      seen.doubles = true;
      seen.tiny |= std::fabs(d) < DBL_MIN;
      out.Emplace<DoubleRep>(DoubleRep{0, d, -1});
      return;
    }
    case element_type::BOOL: out.Emplace<bool>(e.get_bool().value_unsafe()); return;
    case element_type::NULL_VALUE: out = Value(); return;
  }
}

// FromElement restricted to what `p` reads: objects keep only the named fields
// (in payload order); everything under a `whole` projection is built in full.
void FromElementProjected(simdjson::dom::element e, const Projection& p, Value& out, DomNumbers& seen) {
  if (p.whole || e.type() != simdjson::dom::element_type::OBJECT) return FromElement(e, out, seen);
  simdjson::dom::object o = e.get_object().value_unsafe();
  auto obj = std::make_shared<Object>();
  obj->Reserve(p.fields.size());
  const size_t wanted = p.fields.size();
  for (simdjson::dom::key_value_pair f : o) {
    const Projection* sub = p.Field(f.key);
    if (sub == nullptr) continue;
    FromElementProjected(f.value, *sub, obj->AppendSlot(f.key), seen);
    // Every field read is found: skip the rest. (With a duplicate key this may stop
    // before the second copy; lookups find the first anyway, as with Decode.)
    if (obj->size() == wanted) break;
  }
  out.Emplace<std::shared_ptr<Object>>(std::move(obj));
}

// Whether s may hold a JSON number that a double does not keep: a run of 16
// or more bytes of [0-9.] (the only way a number can have more significant
// digits than the 15 any text -> double -> shortest text round trip keeps), or
// a fraction ending in 0 before a delimiter (`1.00,`: its scale). Conservative:
// bytes inside strings count too, so a yes only costs the exact path. 64 bytes
// a step, as bit masks: a 16-run is found by and-ing the mask with itself
// shifted by 1, 2, 4 and 8; "after a dot within a run" is m & ~(m + dots),
// since adding a dot's bit clears the run from the dot to its end.
bool MayHoldInexactNumber(std::string_view s) {
  uint64_t run_carry = 0;   // length of the [0-9.] run that ends the previous block
  uint64_t dot_carry = 0;   // 1: the previous block ended inside a run, after its dot
  uint64_t zero_ended = 0;  // 1: ... and its last byte was that run's '0'
  for (size_t at = 0; at < s.size(); at += 64) {
    const size_t n = std::min<size_t>(64, s.size() - at);
    uint64_t m = 0, dots = 0, zeros = 0, delims = 0;
#if defined(__SSE2__)
    alignas(16) char block[64];
    const char* p = s.data() + at;
    if (n < 64) {
      std::memset(block, 0, sizeof block);
      std::memcpy(block, p, n);
      p = block;
    }
    for (int i = 0; i < 4; ++i) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
      auto eq = [&](char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
      auto bits = [&](__m128i x) {
        return static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(x))) << (16 * i);
      };
      const __m128i digit =
          _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
      const __m128i dot = eq('.');
      m |= bits(_mm_or_si128(digit, dot));
      dots |= bits(dot);
      zeros |= bits(eq('0'));
      delims |=
          bits(_mm_or_si128(_mm_or_si128(_mm_or_si128(eq(','), eq('}')), _mm_or_si128(eq(']'), eq(' '))),
                            _mm_or_si128(_mm_or_si128(eq('\n'), eq('\r')), eq('\t'))));
    }
#else
    for (size_t i = 0; i < n; ++i) {
      const char c = s[at + i];
      const uint64_t bit = uint64_t{1} << i;
      if ((c >= '0' && c <= '9') || c == '.') m |= bit;
      if (c == '.') dots |= bit;
      if (c == '0') zeros |= bit;
      if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t') delims |= bit;
    }
#endif
    if (n < 64) delims |= uint64_t{1} << n;  // the end of the payload ends a number too
    // Long runs, within the block and across its start.
    if (run_carry + static_cast<uint64_t>(std::countr_one(m)) >= 16) return true;
    uint64_t r = m & (m >> 1);
    r &= r >> 2;
    r &= r >> 4;
    r &= r >> 8;
    if (r != 0) return true;
    run_carry = m == ~uint64_t{0} ? run_carry + 64 : static_cast<uint64_t>(std::countl_one(m));
    // Fractions ending in 0: a '0' after its run's dot, followed by a delimiter.
    if (zero_ended && (delims & 1)) return true;
    const unsigned __int128 sum = static_cast<unsigned __int128>(m) + dots + dot_carry;
    const uint64_t after_dot = m & ~static_cast<uint64_t>(sum);
    const uint64_t zero_after_dot = after_dot & zeros;
    if ((zero_after_dot & (delims >> 1)) != 0) return true;
    dot_carry = after_dot >> 63;
    zero_ended = zero_after_dot >> 63;
  }
  return zero_ended != 0;
}

// Whether a payload that simdjson's DOM decoded may hold a number the DOM got
// inexact: a double with more digits than a double keeps or a scale it drops
// (MayHoldInexactNumber), or one that underflowed to zero (1e-400, which the
// DOM reads as 0.0 silently).
bool NeedsExactNumbers(std::string_view payload, const DomNumbers& seen) {
  if (!seen.doubles) return false;
  if (MayHoldInexactNumber(payload)) return true;
  return seen.tiny &&
         (payload.find("e-") != std::string_view::npos || payload.find("E-") != std::string_view::npos);
}

// The value of a JSON number's text, as sign, significant digits and the
// exponent of the last digit, so two spellings of one value compare equal
// ("1.50", "15e-1", "1.5"). Up to 40 digits are kept (a double's shortest form
// has at most 17); a longer text compares unequal to every shorter one.
struct NumberDigits {
  bool negative = false;
  bool too_long = false;
  uint8_t length = 0;
  char digits[40];  // no leading or trailing zeros; length 0 for zero
  int64_t exponent = 0;
  bool operator==(const NumberDigits& o) const {
    if (too_long || o.too_long) return false;
    if (length == 0 || o.length == 0) return length == o.length;
    return negative == o.negative && exponent == o.exponent && length == o.length &&
           std::memcmp(digits, o.digits, length) == 0;
  }
};

NumberDigits DigitsOf(std::string_view text) {
  NumberDigits out;
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) out.negative = text[i++] == '-';
  int64_t fraction = 0, zeros = 0;  // zeros: pending trailing zeros, not yet in digits
  bool dot = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      dot = true;
    } else if (c >= '0' && c <= '9') {
      if (dot) ++fraction;
      if (c == '0') {
        if (out.length > 0) ++zeros;
        continue;
      }
      if (out.length + zeros + 1 > static_cast<int64_t>(sizeof out.digits)) {
        out.too_long = true;
        return out;
      }
      for (; zeros > 0; --zeros) out.digits[out.length++] = '0';
      out.digits[out.length++] = c;
    } else {
      break;
    }
  }
  int64_t exp = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool neg = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) neg = text[i++] == '-';
    for (; i < text.size(); ++i)
      if (exp < 1000000) exp = exp * 10 + (text[i] - '0');
    if (neg) exp = -exp;
  }
  out.exponent = exp - fraction + zeros;
  return out;
}

// Whether a number's text is a plain fraction ending in 0 ("1.00"): a scale
// to keep. With an exponent ("1.0e300") the zeros carry no scale worth
// keeping, so the double alone stands, on every path alike.
bool HasTrailingFractionZero(std::string_view text) {
  if (text.find_first_of("eE") != std::string_view::npos) return false;
  const size_t dot = text.find('.');
  return dot != std::string_view::npos && text.size() > dot + 1 && text.back() == '0';
}

// The Value of a JSON number with a fraction or an exponent, read as the double
// d: that double, which also keeps the text's exact decimal when the double
// cannot give it back (more digits, an underflow) or would drop its scale
// ("1.00", kept so it is written back as 1.00). False when no representation
// holds the number exactly (more than 38 significant digits, 1e-400).
bool FractionalNumber(std::string_view text, double d, Value* out) {
  // Zero keeps its sign as a double (-0.0); a decimal has no negative zero.
  if (d == 0 && DigitsOf(text).length == 0) {
    *out = Value(d);
    return true;
  }
  if (!HasTrailingFractionZero(text)) {
    // FormatDouble: the shortest digits, never a large integral double's
    // extra binary ones (7.2925738764445e+16, not 72925738764444992).
    char shortest[kMaxDoubleText];
    const char* end = FormatDouble(d, shortest);
    if (DigitsOf(text) == DigitsOf(std::string_view(shortest, static_cast<size_t>(end - shortest)))) {
      *out = Value(d);
      return true;
    }
  }
  auto exact = Decimal::Parse(text);
  if (!exact.ok()) return false;
  *out = Value::ExactDouble(d, *exact);
  return true;
}

// "number 1.2345...: cannot be kept exactly ..." for FractionalNumber's false
// and for integers of more than 38 digits.
std::string InexactNumberMessage(std::string_view text) {
  return "number " + std::string(text.size() > 60 ? std::string(text.substr(0, 57)) + "..." : text) +
         " cannot be kept exactly: topo keeps numbers exact up to 38 significant digits, 36 after the point "
         "(a "
         "double holds about 15)";
}

// The number tokens of a JSON text the DOM has validated, in document order:
// the texts behind the numbers FromElement built, in the order it built them.
class NumberTokens {
 public:
  explicit NumberTokens(std::string_view s) : s_(s) {}
  // The next number's text; empty after the last.
  std::string_view Next() {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '"') {
        SkipString();
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        last_ = pos_;
        while (pos_ < s_.size() && IsNumberByte(s_[pos_])) ++pos_;
        return s_.substr(last_, pos_ - last_);
      } else {
        ++pos_;
      }
    }
    return {};
  }
  // Byte offset of the number Next() returned last.
  size_t last_offset() const { return last_; }

 private:
  static bool IsNumberByte(char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
  }
  void SkipString() {
    for (size_t from = pos_ + 1;;) {
      const void* q = std::memchr(s_.data() + from, '"', s_.size() - from);
      if (q == nullptr) {
        pos_ = s_.size();
        return;
      }
      const size_t at = static_cast<size_t>(static_cast<const char*>(q) - s_.data());
      size_t backslashes = 0;
      while (at - backslashes > pos_ + 1 && s_[at - backslashes - 1] == '\\') ++backslashes;
      from = at + 1;
      if (backslashes % 2 == 0) {
        pos_ = from;
        return;
      }
    }
  }
  std::string_view s_;
  size_t pos_ = 0;
  size_t last_ = 0;
};

enum class Fixup { kDone, kInexact, kMismatch };

// Gives each double FromElement built (the whole document, in order) the
// exact value of its text, where the double alone does not keep it.
Fixup ExactDoubles(Value& v, NumberTokens& tokens, std::string* why) {
  switch (v.type()) {
    case ValueType::kObject:
      for (auto& [name, field] : v.MutableObject().mutable_fields())
        if (Fixup f = ExactDoubles(field, tokens, why); f != Fixup::kDone) return f;
      return Fixup::kDone;
    case ValueType::kArray:
      for (Value& e : v.MutableArray())
        if (Fixup f = ExactDoubles(e, tokens, why); f != Fixup::kDone) return f;
      return Fixup::kDone;
    case ValueType::kInt:
    case ValueType::kDecimal: {
      const std::string_view text = tokens.Next();
      return text.empty() || text.find_first_of(".eE") != std::string_view::npos ? Fixup::kMismatch
                                                                                 : Fixup::kDone;
    }
    case ValueType::kDouble: {
      // Each token is checked against the double the DOM made of it, so a scan
      // that lost its place can never hand a double another number's digits.
      const std::string_view text = tokens.Next();
      if (text.empty() || text.find_first_of(".eE") == std::string_view::npos) return Fixup::kMismatch;
      double d = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), d);
      const bool underflow = r.ec == std::errc::result_out_of_range && std::fabs(v.as_double()) < DBL_MIN;
      if (!underflow && (r.ec != std::errc() || r.ptr != text.data() + text.size() || d != v.as_double()))
        return Fixup::kMismatch;
      if (FractionalNumber(text, v.as_double(), &v)) return Fixup::kDone;
      *why = InexactNumberMessage(text);
      return Fixup::kInexact;
    }
    default: return Fixup::kDone;
  }
}

// A strict, unhurried recursive-descent JSON parser. It runs only when simdjson
// rejects a payload or may have decoded a number inexactly, for three reasons:
// simdjson's DOM reports no position, it rejects valid JSON integers beyond 64
// bits (this parser makes them decimals), and its doubles lose the digits of
// longer numbers (this parser keeps them: Value::ExactDouble).
class SlowJsonParser {
 public:
  // syntax_only: numbers are checked as JSON syntax, not held (any length).
  explicit SlowJsonParser(std::string_view in, bool syntax_only = false)
      : in_(in), syntax_only_(syntax_only) {}

  bool Parse(Value* out) {
    SkipSpace();
    if (pos_ == in_.size()) return Fail(in_.empty() ? "empty payload" : "no value, only whitespace");
    if (!ParseValue(out, 0)) return false;
    SkipSpace();
    if (pos_ != in_.size()) return Fail("unexpected content after the JSON value");
    return true;
  }
  size_t error_offset() const { return error_pos_; }
  const std::string& error() const { return error_; }

 private:
  static constexpr int kMaxDepth = static_cast<int>(simdjson::DEFAULT_MAX_DEPTH);

  bool Fail(std::string why) {
    if (error_.empty()) {
      error_ = std::move(why);
      error_pos_ = pos_;
    }
    return false;
  }
  void SkipSpace() {
    while (pos_ < in_.size() &&
           (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r'))
      ++pos_;
  }
  bool Literal(std::string_view word, Value v, Value* out) {
    if (in_.substr(pos_, word.size()) != word)
      return Fail("invalid literal (expected " + std::string(word) + ")");
    pos_ += word.size();
    *out = std::move(v);
    return true;
  }

  bool ParseValue(Value* out, int depth) {
    if (depth >= kMaxDepth) return Fail("nested too deeply");
    if (pos_ >= in_.size()) return Fail("truncated: expected a value");
    switch (in_[pos_]) {
      case '{': return ParseObject(out, depth);
      case '[': return ParseArray(out, depth);
      case '"': {
        std::string s;
        if (!ParseString(&s)) return false;
        *out = Value(std::move(s));
        return true;
      }
      case 't': return Literal("true", Value(true), out);
      case 'f': return Literal("false", Value(false), out);
      case 'n': return Literal("null", Value(), out);
      default:
        if (in_[pos_] == '-' || (in_[pos_] >= '0' && in_[pos_] <= '9')) return ParseNumber(out);
        return Fail("unexpected character");
    }
  }

  bool ParseObject(Value* out, int depth) {
    ++pos_;  // '{'
    Object obj;
    SkipSpace();
    if (pos_ < in_.size() && in_[pos_] == '}') {
      ++pos_;
      *out = Value(std::move(obj));
      return true;
    }
    while (true) {
      SkipSpace();
      if (pos_ >= in_.size()) return Fail("truncated: object not closed");
      if (in_[pos_] != '"') return Fail("expected a string key");
      std::string key;
      if (!ParseString(&key)) return false;
      SkipSpace();
      if (pos_ >= in_.size()) return Fail("truncated: expected ':'");
      if (in_[pos_] != ':') return Fail("expected ':' after the key");
      ++pos_;
      SkipSpace();
      Value v;
      if (!ParseValue(&v, depth + 1)) return false;
      obj.Append(std::move(key), std::move(v));
      SkipSpace();
      if (pos_ >= in_.size()) return Fail("truncated: object not closed");
      if (in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (in_[pos_] == '}') {
        ++pos_;
        *out = Value(std::move(obj));
        return true;
      }
      return Fail("expected ',' or '}'");
    }
  }

  bool ParseArray(Value* out, int depth) {
    ++pos_;  // '['
    Array arr;
    SkipSpace();
    if (pos_ < in_.size() && in_[pos_] == ']') {
      ++pos_;
      *out = Value(std::move(arr));
      return true;
    }
    while (true) {
      SkipSpace();
      arr.emplace_back();
      if (!ParseValue(&arr.back(), depth + 1)) return false;
      SkipSpace();
      if (pos_ >= in_.size()) return Fail("truncated: array not closed");
      if (in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (in_[pos_] == ']') {
        ++pos_;
        *out = Value(std::move(arr));
        return true;
      }
      return Fail("expected ',' or ']'");
    }
  }

  bool Hex4(uint32_t* cp) {
    if (in_.size() - pos_ < 4) return Fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = in_[pos_ + i];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Fail("invalid \\u escape");
      }
    }
    pos_ += 4;
    *cp = v;
    return true;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
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

  // Length of the valid UTF-8 sequence at pos_ (RFC 3629: no overlongs, no
  // surrogates, at most U+10FFFF), or 0.
  size_t Utf8Length() const {
    auto b = [&](size_t i) { return pos_ + i < in_.size() ? static_cast<unsigned char>(in_[pos_ + i]) : 0u; };
    unsigned c = b(0);
    auto cont = [&](size_t i) { return (b(i) & 0xC0) == 0x80; };
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
      unsigned c1 = b(1);
      if (c == 0xE0 && c1 < 0xA0) return 0;  // overlong
      if (c == 0xED && c1 > 0x9F) return 0;  // surrogate
      return cont(1) && cont(2) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
      unsigned c1 = b(1);
      if (c == 0xF0 && c1 < 0x90) return 0;  // overlong
      if (c == 0xF4 && c1 > 0x8F) return 0;  // above U+10FFFF
      return cont(1) && cont(2) && cont(3) ? 4 : 0;
    }
    return 0;
  }

  bool ParseString(std::string* out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= in_.size()) return Fail("truncated: string not closed");
      unsigned char c = static_cast<unsigned char>(in_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Fail("unescaped control character in string");
      if (c == '\\') {
        if (++pos_ >= in_.size()) return Fail("truncated escape");
        char e = in_[pos_++];
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
            uint32_t cp;
            if (!Hex4(&cp)) return false;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              uint32_t lo;
              if (in_.substr(pos_, 2) != "\\u") return Fail("unpaired surrogate in \\u escape");
              pos_ += 2;
              if (!Hex4(&lo)) return false;
              if (lo < 0xDC00 || lo > 0xDFFF) return Fail("unpaired surrogate in \\u escape");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
              return Fail("unpaired surrogate in \\u escape");
            }
            AppendUtf8(cp, out);
            break;
          }
          default: --pos_; return Fail("invalid escape");
        }
        continue;
      }
      if (c < 0x80) {
        out->push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      size_t n = Utf8Length();
      if (n == 0) return Fail("invalid UTF-8");
      out->append(in_.substr(pos_, n));
      pos_ += n;
    }
  }

  bool ParseNumber(Value* out) {
    const size_t start = pos_;
    auto digit = [&] { return pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9'; };
    if (in_[pos_] == '-') ++pos_;
    if (!digit()) return Fail("invalid number: expected a digit");
    if (in_[pos_] == '0') {
      ++pos_;
      if (digit()) return Fail("invalid number: leading zero");
    } else {
      while (digit()) ++pos_;
    }
    bool integral = true;
    if (pos_ < in_.size() && in_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (!digit()) return Fail("invalid number: expected a digit after '.'");
      while (digit()) ++pos_;
    }
    if (pos_ < in_.size() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
      if (!digit()) return Fail("invalid number: expected a digit in the exponent");
      while (digit()) ++pos_;
    }
    if (syntax_only_) {
      *out = Value();
      return true;
    }
    const std::string text(in_.substr(start, pos_ - start));
    if (integral) {
      int64_t i;
      auto r = std::from_chars(text.data(), text.data() + text.size(), i);
      if (r.ec == std::errc() && r.ptr == text.data() + text.size()) {
        *out = Value(i);
        return true;
      }
      // Beyond int64: an exact decimal, so the digits survive arithmetic too.
      auto d = Decimal::Parse(text);
      if (!d.ok()) return FailNumber(start, text);
      *out = Value(*d);
      return true;
    }
    // strtod rather than from_chars: it rounds underflow to zero instead of failing.
    double d = std::strtod(text.c_str(), nullptr);
    if (std::isinf(d)) {
      pos_ = start;
      return Fail("number out of range");
    }
    if (!FractionalNumber(text, d, out)) return FailNumber(start, text);
    return true;
  }

  // A number neither an int64, nor a double, nor a decimal holds exactly.
  bool FailNumber(size_t start, const std::string& text) {
    pos_ = start;
    return Fail(InexactNumberMessage(text));
  }

  std::string_view in_;
  bool syntax_only_ = false;
  size_t pos_ = 0;
  std::string error_;
  size_t error_pos_ = 0;
};

// ---- encoding ----

// Whether any of the 8 bytes needs escaping or is non-ASCII (exact "any"
// tests; see Bit Twiddling Hacks, "determine if a word has a byte less than n").
inline bool HasSpecialByte(uint64_t w) {
  constexpr uint64_t k01 = 0x0101010101010101ull, k80 = 0x8080808080808080ull;
  uint64_t below_space = (w - k01 * 0x20) & ~w;
  uint64_t q = w ^ (k01 * '"');
  uint64_t quote = (q - k01) & ~q;
  uint64_t b = w ^ (k01 * '\\');
  uint64_t backslash = (b - k01) & ~b;
  return ((below_space | quote | backslash | w) & k80) != 0;
}

// Whether any byte of a or b needs escaping or is non-ASCII.
inline bool HasSpecialByte2(uint64_t a, uint64_t b) {
#if defined(__SSE2__)
  // Signed compare: bytes >= 0x80 are negative, so "< 0x20" flags them too.
  const __m128i v = _mm_set_epi64x(static_cast<int64_t>(b), static_cast<int64_t>(a));
  const __m128i m = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
      _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
  return _mm_movemask_epi8(m) != 0;
#else
  return HasSpecialByte(a) || HasSpecialByte(b);
#endif
}

// Copies n (0..16) bytes to out if none needs escaping or is non-ASCII, else
// copies nothing and returns false. Two overlapping word loads cover any n
// without a byte loop and without touching memory outside the n bytes.
inline bool CopyUpTo16IfPlain(const char* in, size_t n, char* out) {
  constexpr uint64_t kPlain = 0x2020202020202020ull;  // spaces: need no escape
  uint64_t a, b;
  if (n >= 8) {
    std::memcpy(&a, in, 8);
    std::memcpy(&b, in + n - 8, 8);
  } else if (n >= 4) {
    uint32_t x, y;
    std::memcpy(&x, in, 4);
    std::memcpy(&y, in + n - 4, 4);
    a = x | (uint64_t{y} << 32);
    b = kPlain;
  } else if (n > 0) {
    a = (kPlain << 24) | static_cast<unsigned char>(in[0]) |
        (uint64_t{static_cast<unsigned char>(in[n / 2])} << 8) |
        (uint64_t{static_cast<unsigned char>(in[n - 1])} << 16);
    b = kPlain;
  } else {
    return true;
  }
  if (HasSpecialByte2(a, b)) return false;
  if (n >= 8) {
    std::memcpy(out, &a, 8);
    std::memcpy(out + n - 8, &b, 8);
  } else if (n >= 4) {
    std::memcpy(out, in, 4);
    std::memcpy(out + n - 4, in + n - 4, 4);
  } else {
    out[0] = in[0];
    out[n / 2] = in[n / 2];
    out[n - 1] = in[n - 1];
  }
  return true;
}

// Writes into a std::string through a raw pointer: the string is sized to its
// capacity up front and trimmed at the end, so each write is a bounds check and
// a store instead of an append call.
class JsonWriter {
 public:
  // Writes after out's current content, or over it when `overwrite` (which
  // saves zero-filling the old bytes on resize).
  JsonWriter(std::string* out, std::string* scratch, bool overwrite) : out_(out), scratch_(scratch) {
    len_ = overwrite ? 0 : out_->size();
    if (out_->size() < out_->capacity()) out_->resize(out_->capacity());
    data_ = out_->data();
    cap_ = out_->size();
  }
  void Finish() { out_->resize(len_); }

  bool Write(const Value& v) {
    switch (v.type()) {
      case ValueType::kNull: Put("null", 4); return true;
      case ValueType::kBool: v.as_bool() ? Put("true", 4) : Put("false", 5); return true;
      case ValueType::kInt: {
        char* p = Reserve(24);
        len_ = static_cast<size_t>(std::to_chars(p, p + 24, v.as_int()).ptr - data_);
        return true;
      }
      case ValueType::kDouble: {
        Decimal exact;
        if (!v.KeptExact(&exact)) return WriteDouble(v.as_double());
        // The digits it was decoded from; ".0" keeps an integral one a double.
        scratch_->clear();
        exact.AppendTo(*scratch_);
        // A 38-digit value has no room for ".0" (it would read back as 39
        // digits): "e0" keeps it a double instead.
        if (exact.scale() == 0) scratch_->append(exact.Abs().coefficient() >= kTen37 ? "e0" : ".0");
        Put(scratch_->data(), scratch_->size());
        return true;
      }
      case ValueType::kDecimal:
        scratch_->clear();
        v.as_decimal().AppendTo(*scratch_);
        Put(scratch_->data(), scratch_->size());
        return true;
      case ValueType::kString: return WriteString(v.as_string());
      case ValueType::kBytes: {
        const std::string& b = v.as_bytes().data;
        char* p = Reserve(Base64Length(b.size()) + 2);
        *p++ = '"';
        p = Base64Encode(b, p);
        *p++ = '"';
        len_ = static_cast<size_t>(p - data_);
        return true;
      }
      case ValueType::kArray: {
        const Array& a = v.as_array();
        PutChar('[');
        for (size_t i = 0; i < a.size(); ++i) {
          if (i > 0) PutChar(',');
          if (!Write(a[i])) {
            path_.push_back("[" + std::to_string(i) + "]");
            return false;
          }
        }
        PutChar(']');
        return true;
      }
      case ValueType::kObject: {
        PutChar('{');
        bool first = true;
        for (const auto& [k, fv] : v.as_object()) {
          if (!first) PutChar(',');
          first = false;
          if (!WriteString(k)) {
            path_.push_back("." + k);
            error_ = "field name is not valid UTF-8";
            return false;
          }
          PutChar(':');
          if (!Write(fv)) {
            path_.push_back("." + k);
            return false;
          }
        }
        PutChar('}');
        return true;
      }
    }
    return true;
  }

  // "value at 'payload.amount': <error>" (or just the error at the top level).
  std::string ErrorMessage() const {
    std::string path;
    for (auto it = path_.rbegin(); it != path_.rend(); ++it) path += *it;
    if (!path.empty() && path[0] == '.') path.erase(0, 1);
    if (path.empty()) return error_;
    return "value at '" + path + "': " + error_;
  }

 private:
  char* Reserve(size_t n) {
    if (cap_ - len_ < n) Grow(n);
    return data_ + len_;
  }
  void Grow(size_t n) {
    out_->resize(std::max(cap_ * 2, len_ + n + 64));
    out_->resize(out_->capacity());
    data_ = out_->data();
    cap_ = out_->size();
  }
  void Put(const char* s, size_t n) {
    char* p = Reserve(n);
    std::memcpy(p, s, n);
    len_ += n;
  }
  void PutChar(char c) {
    char* p = Reserve(1);
    *p = c;
    ++len_;
  }

  bool WriteDouble(double d) {
    if (!std::isfinite(d)) {
      error_ =
          std::isnan(d) ? "NaN cannot be encoded as JSON" : "an infinite double cannot be encoded as JSON";
      return false;
    }
    char* p = Reserve(kMaxDoubleText + 2);
    char* end = FormatDouble(d, p);
    // Keep integral doubles doubles on the way back: 3.0 -> "3.0", not "3".
    if (std::find_if(p, end, [](char c) { return c == '.' || c == 'e'; }) == end) {
      *end++ = '.';
      *end++ = '0';
    }
    len_ = static_cast<size_t>(end - data_);
    return true;
  }

  // The common case inline: a short string with nothing to escape.
  bool WriteString(std::string_view s) {
    const size_t n = s.size();
    if (n <= 16) {
      char* p = Reserve(18);
      if (CopyUpTo16IfPlain(s.data(), n, p + 1)) {
        p[0] = '"';
        p[n + 1] = '"';
        len_ += n + 2;
        return true;
      }
    }
    return WriteStringSlow(s);
  }

  bool WriteStringSlow(std::string_view s) {
    char* p = Reserve(s.size() * 6 + 2);  // worst case: every byte as \u00XX
    *p++ = '"';
    const char* in = s.data();
    const char* const end = in + s.size();
    bool non_ascii = false;
    auto put = [&](unsigned char c) {
      p = EscapeJsonByte(c, p);
      non_ascii |= c >= 0x80;
    };
    while (end - in > 16) {
      if (CopyUpTo16IfPlain(in, 16, p)) {
        p += 16;
        in += 16;
        continue;
      }
      for (int i = 0; i < 16; ++i) put(static_cast<unsigned char>(*in++));
    }
    const size_t rest = static_cast<size_t>(end - in);
    if (CopyUpTo16IfPlain(in, rest, p)) {
      p += rest;
    } else {
      while (in < end) put(static_cast<unsigned char>(*in++));
    }
    *p++ = '"';
    len_ = static_cast<size_t>(p - data_);
    if (non_ascii && !simdjson::validate_utf8(s.data(), s.size())) {
      error_ = "string is not valid UTF-8";
      return false;
    }
    return true;
  }

  std::string* out_;
  std::string* scratch_;
  char* data_ = nullptr;
  size_t len_ = 0;
  size_t cap_ = 0;
  std::vector<std::string> path_;  // filled innermost-first, only on error
  std::string error_;
};

const Projection kAll = Projection::All();

}  // namespace

struct JsonCodec::Parser {
  simdjson::dom::parser dom;
};

JsonCodec::JsonCodec() : parser_(std::make_unique<Parser>()) {}
JsonCodec::~JsonCodec() = default;

const std::string& JsonCodec::name() const {
  static const std::string kName = "json";
  return kName;
}

Result<Value> JsonCodec::Decode(std::string_view bytes) { return DecodeProjected(bytes, kAll); }

Result<Value> JsonCodec::DecodeProjected(std::string_view bytes, const Projection& projection) {
  simdjson::dom::element root;
  // realloc_if_needed: simdjson copies the payload into its own padded buffer,
  // reused across calls (Kafka's buffers have no SIMDJSON_PADDING slack).
  simdjson::error_code err = parser_->dom.parse(bytes.data(), bytes.size(), true).get(root);
  if (!err) {
    Value v;
    DomNumbers seen;
    FromElementProjected(root, projection, v, seen);
    if (!NeedsExactNumbers(bytes, seen)) return v;
    // A number the DOM's double may not keep: decode the whole document (a
    // projection only saves work; a whole one already built it) and give its
    // doubles their exact text.
    Value whole;
    if (projection.whole) {
      whole = std::move(v);
    } else {
      FromElement(root, whole, seen);
    }
    NumberTokens tokens(bytes);
    std::string why;
    switch (ExactDoubles(whole, tokens, &why)) {
      case Fixup::kDone:
        if (tokens.Next().empty()) return whole;
        break;  // the scan and the DOM disagree: the slow parser decides
      case Fixup::kInexact:
        return Status::Invalid("JSON at byte " + std::to_string(tokens.last_offset()) + ": " + why);
      case Fixup::kMismatch: break;
    }
  }

  SlowJsonParser slow(bytes);
  Value v;
  if (slow.Parse(&v)) {
    // Valid JSON the DOM cannot hold exactly (long numbers, integers beyond 64
    // bits): the slow parser's result stands. Any other disagreement is simdjson's call.
    if (!err || err == simdjson::NUMBER_ERROR) return v;
    return Status::Invalid(std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  std::string why = std::string(err ? "invalid JSON" : "JSON") + " at byte " +
                    std::to_string(slow.error_offset()) + ": " + slow.error();
  if (err) why += std::string(" (") + simdjson::error_message(err) + ")";
  return Status::Invalid(why);
}

bool CheckJsonSyntax(std::string_view text, JsonSyntaxError* error) {
  SlowJsonParser p(text, /*syntax_only=*/true);
  Value ignored;
  if (p.Parse(&ignored)) return true;
  if (error != nullptr) *error = {p.error_offset(), p.error()};
  return false;
}

Status JsonCodec::Encode(const Value& v, std::string* out) {
  JsonWriter w(out, &scratch_, /*overwrite=*/true);
  if (!w.Write(v)) {
    out->clear();
    return Status::Invalid("cannot encode as JSON: " + w.ErrorMessage());
  }
  w.Finish();
  return Status::Ok();
}

Status AppendJson(const Value& v, std::string* out) {
  std::string scratch;
  JsonWriter w(out, &scratch, /*overwrite=*/false);
  bool ok = w.Write(v);
  w.Finish();
  if (!ok) return Status::Invalid("cannot encode as JSON: " + w.ErrorMessage());
  return Status::Ok();
}

}  // namespace topo
