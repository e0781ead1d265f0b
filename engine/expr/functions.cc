#include "engine/expr/functions.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <system_error>
#include <utility>

#include "engine/base/partitioner.h"
#include "engine/base/suggest.h"
#include "engine/expr/expr.h"
#include "engine/expr/time.h"
#include "engine/serde/json_codec.h"
#include "engine/value/text.h"

namespace topo::expr {

namespace {

using K = Type::Kind;
constexpr KindMask kNull = KindBit(ValueType::kNull);
constexpr KindMask kBool = KindBit(ValueType::kBool);
constexpr KindMask kInt = KindBit(ValueType::kInt);
constexpr KindMask kString = KindBit(ValueType::kString);
constexpr KindMask kBytes = KindBit(ValueType::kBytes);
constexpr KindMask kArray = KindBit(ValueType::kArray);
constexpr KindMask kObject = KindBit(ValueType::kObject);

// ---- result types ----

Type TString(const std::vector<Type>&) { return Type::Of(K::kString); }
Type TInt(const std::vector<Type>&) { return Type::Of(K::kInt); }
Type TDouble(const std::vector<Type>&) { return Type::Of(K::kDouble); }
Type TDecimal(const std::vector<Type>&) { return Type::Of(K::kDecimal); }
Type TBool(const std::vector<Type>&) { return Type::Of(K::kBool); }
Type TAny(const std::vector<Type>&) { return Type::Any(); }
Type TStringArray(const std::vector<Type>&) { return Type::ArrayOf(Type::Of(K::kString)); }
Type TFirst(const std::vector<Type>& a) { return a.empty() ? Type::Any() : a[0]; }

}  // namespace

Type UnifyTypes(const std::vector<Type>& ts, size_t from) {
  bool have = false, saw_null = false;
  Type out = Type::Any();
  for (size_t i = from; i < ts.size(); ++i) {
    const Type& t = ts[i];
    if (t.kind == K::kNull) {
      saw_null = true;
      continue;
    }
    if (t.is_any()) return Type::Any();
    if (!have) {
      out = t;
      have = true;
    } else if (out.ToString() != t.ToString()) {
      return Type::Any();
    }
  }
  if (!have) return saw_null ? Type::Of(K::kNull) : Type::Any();
  return out;
}

namespace {
Type TUnifyAll(const std::vector<Type>& a) { return UnifyTypes(a, 0); }
Type TUnifyFrom1(const std::vector<Type>& a) { return UnifyTypes(a, 1); }
Type TValues(const std::vector<Type>& a) {
  // values() of an object whose fields all share one type: an array of it.
  if (a.empty() || a[0].kind != K::kObject || !a[0].fields || a[0].fields->empty() || a[0].open)
    return Type::ArrayOf(Type::Any());
  std::vector<Type> fs;
  for (const auto& [n, t] : *a[0].fields) fs.push_back(t);
  return Type::ArrayOf(UnifyTypes(fs, 0));
}

// ---- helpers ----

bool Err(std::string* err, std::string msg) {
  *err = std::move(msg);
  return false;
}

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

std::string Quote(std::string_view s) {
  std::string out = "'";
  if (s.size() > 64) {
    out.append(s.substr(0, 61));
    out += "...";
  } else {
    out.append(s);
  }
  out += "'";
  return out;
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char AsciiUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// The bytes hash() and partition_of() hash: a string's UTF-8, raw bytes, else
// the JSON text serde's json codec writes (built in *buf). False, with *err set,
// for a value JSON cannot hold.
bool KeyBytes(const Value& v, std::string* buf, std::string_view* out, std::string* err) {
  if (v.is_string()) {
    *out = v.as_string();
    return true;
  }
  if (v.is_bytes()) {
    *out = v.as_bytes().data;
    return true;
  }
  Status s = AppendJson(v, buf);
  if (!s.ok()) return Err(err, s.message());
  *out = *buf;
  return true;
}

Result<Decimal> ToDecimal(const Value& v) {
  switch (v.type()) {
    case ValueType::kDecimal: return v.as_decimal();
    case ValueType::kInt: return Decimal::FromInt(v.as_int());
    case ValueType::kDouble: return ExactDecimalOf(v);
    case ValueType::kString: return Decimal::Parse(v.as_string());
    default: return Status::Invalid(std::string("cannot convert ") + ValueTypeName(v.type()) + " to decimal");
  }
}

// ---- strings ----

bool FnLower(const Value* const* a, int, Value& out, std::string*) {
  std::string s = a[0]->as_string();
  for (char& c : s) c = AsciiLower(c);
  out = Value(std::move(s));
  return true;
}

bool FnUpper(const Value* const* a, int, Value& out, std::string*) {
  std::string s = a[0]->as_string();
  for (char& c : s) c = AsciiUpper(c);
  out = Value(std::move(s));
  return true;
}

bool FnTrim(const Value* const* a, int, Value& out, std::string*) {
  std::string_view s = a[0]->as_string();
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  out = Value(s);
  return true;
}

bool FnContains(const Value* const* a, int, Value& out, std::string* err) {
  if (a[0]->is_array()) {
    bool found = false;
    for (const auto& e : a[0]->as_array()) {
      if (e.Equals(*a[1])) {
        found = true;
        break;
      }
    }
    out = Value(found);
    return true;
  }
  if (!a[1]->is_string())
    return Err(err, std::string("argument 2 must be string when argument 1 is a string, got ") +
                        ValueTypeName(a[1]->type()));
  out = Value(a[0]->as_string().find(a[1]->as_string()) != std::string::npos);
  return true;
}

bool FnStartsWith(const Value* const* a, int, Value& out, std::string*) {
  out = Value(std::string_view(a[0]->as_string()).starts_with(a[1]->as_string()));
  return true;
}

bool FnEndsWith(const Value* const* a, int, Value& out, std::string*) {
  out = Value(std::string_view(a[0]->as_string()).ends_with(a[1]->as_string()));
  return true;
}

bool FnSplit(const Value* const* a, int, Value& out, std::string* err) {
  std::string_view s = a[0]->as_string(), sep = a[1]->as_string();
  if (sep.empty()) return Err(err, "separator must not be empty");
  Array parts;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      parts.emplace_back(s.substr(start));
      break;
    }
    parts.emplace_back(s.substr(start, at - start));
    start = at + sep.size();
  }
  out = Value(std::move(parts));
  return true;
}

bool FnConcat(const Value* const* a, int n, Value& out, std::string* err) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    if (!a[i]->is_null() && !AppendText(s, *a[i], err)) return false;
  }
  out = Value(std::move(s));
  return true;
}

bool FnSubstr(const Value* const* a, int n, Value& out, std::string* err) {
  const std::string& s = a[0]->as_string();
  const int64_t size = static_cast<int64_t>(s.size());
  int64_t start = a[1]->as_int();
  if (start < 0) start = std::max<int64_t>(0, size + start);
  if (start > size) start = size;
  int64_t len = size - start;
  if (n > 2) {
    if (a[2]->as_int() < 0) return Err(err, "length must be >= 0, got " + std::to_string(a[2]->as_int()));
    len = std::min(len, a[2]->as_int());
  }
  out = Value(std::string_view(s).substr(static_cast<size_t>(start), static_cast<size_t>(len)));
  return true;
}

bool FnLen(const Value* const* a, int, Value& out, std::string*) {
  const Value& v = *a[0];
  int64_t n = 0;
  switch (v.type()) {
    case ValueType::kString: n = static_cast<int64_t>(v.as_string().size()); break;
    case ValueType::kBytes: n = static_cast<int64_t>(v.as_bytes().data.size()); break;
    case ValueType::kArray: n = static_cast<int64_t>(v.as_array().size()); break;
    case ValueType::kObject: n = static_cast<int64_t>(v.as_object().size()); break;
    default: break;  // null: 0
  }
  out = Value(n);
  return true;
}

// Counts `{}` placeholders; false on a lone '{' or '}'.
bool CountPlaceholders(std::string_view f, int* count, std::string* err) {
  *count = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] == '{') {
      if (i + 1 < f.size() && f[i + 1] == '{') {
        ++i;
      } else if (i + 1 < f.size() && f[i + 1] == '}') {
        ++*count;
        ++i;
      } else {
        return Err(err, "format string has a '{' that is not '{}' (write '{{' for a literal brace)");
      }
    } else if (f[i] == '}') {
      if (i + 1 < f.size() && f[i + 1] == '}') {
        ++i;
      } else {
        return Err(err, "format string has a lone '}' (write '}}' for a literal brace)");
      }
    }
  }
  return true;
}

bool FnFormat(const Value* const* a, int n, Value& out, std::string* err) {
  std::string_view f = a[0]->as_string();
  int count;
  if (!CountPlaceholders(f, &count, err)) return false;
  if (count != n - 1)
    return Err(err, "format string has " + std::to_string(count) + " placeholder(s) but " +
                        std::to_string(n - 1) + " argument(s) follow it");
  std::string s;
  int next = 1;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] == '{' && f[i + 1] == '{') {
      s.push_back('{');
      ++i;
    } else if (f[i] == '{') {
      if (!AppendText(s, *a[next++], err)) return false;
      ++i;
    } else if (f[i] == '}') {
      s.push_back('}');
      ++i;
    } else {
      s.push_back(f[i]);
    }
  }
  out = Value(std::move(s));
  return true;
}

bool FnReplace(const Value* const* a, int, Value& out, std::string*) {
  const std::string& s = a[0]->as_string();
  std::string_view from = a[1]->as_string(), to = a[2]->as_string();
  if (from.empty()) {
    out = *a[0];
    return true;
  }
  std::string r;
  size_t start = 0;
  while (true) {
    size_t at = s.find(from, start);
    if (at == std::string::npos) break;
    r.append(s, start, at - start);
    r.append(to);
    start = at + from.size();
  }
  r.append(s, start, std::string::npos);
  out = Value(std::move(r));
  return true;
}

bool FnString(const Value* const* a, int, Value& out, std::string* err) {
  if (a[0]->is_string()) {
    out = *a[0];
    return true;
  }
  std::string s;
  if (!AppendText(s, *a[0], err)) return false;
  out = Value(std::move(s));
  return true;
}

// ---- numbers ----

bool FnDecimal(const Value* const* a, int, Value& out, std::string* err) {
  auto d = ToDecimal(*a[0]);
  if (!d.ok()) {
    if (a[0]->is_string()) return Err(err, "cannot parse " + Quote(a[0]->as_string()) + " as a decimal");
    return Err(err, d.status().message());
  }
  out = Value(*d);
  return true;
}

bool FnRound(const Value* const* a, int n, Value& out, std::string* err) {
  int64_t scale = n > 1 ? a[1]->as_int() : 0;
  if (scale < 0 || scale > Decimal::kMaxScale)
    return Err(err,
               "scale must be 0.." + std::to_string(Decimal::kMaxScale) + ", got " + std::to_string(scale));
  RoundingMode mode = RoundingMode::kHalfEven;
  if (n > 2) {
    auto m = ParseRoundingMode(a[2]->as_string());
    if (!m.ok()) return Err(err, m.status().message());
    mode = *m;
  }
  const Value& x = *a[0];
  if (x.is_int()) {
    out = x;
    return true;
  }
  if (x.is_decimal()) {
    auto r = x.as_decimal().Round(static_cast<int32_t>(scale), mode);
    if (!r.ok()) return Err(err, r.status().message());
    out = Value(*r);
    return true;
  }
  // A double rounds through its shortest decimal form, so round(2.675, 2, 'half_up')
  // is 2.68 as written, not 2.67 as the binary value 2.67499999... would give.
  Decimal kept;
  Result<Decimal> dec = x.KeptExact(&kept) ? Result<Decimal>(kept) : Decimal::FromDouble(x.as_double());
  if (!dec.ok()) {  // NaN, infinities, magnitudes beyond any fraction digits
    out = x;
    return true;
  }
  auto r = dec->Round(static_cast<int32_t>(scale), mode);
  if (!r.ok()) return Err(err, r.status().message());
  out = Value(r->ToDouble());
  return true;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}

bool DoubleToInt(double d, int64_t* out) {
  if (!std::isfinite(d)) return false;
  double t = std::trunc(d);
  // 2^63 is exactly representable; anything at or above it does not fit.
  if (t >= 9223372036854775808.0 || t < -9223372036854775808.0) return false;
  *out = static_cast<int64_t>(t);
  return true;
}

bool FnInt(const Value* const* a, int, Value& out, std::string* err) {
  const Value& x = *a[0];
  int64_t v = 0;
  switch (x.type()) {
    case ValueType::kInt: out = x; return true;
    case ValueType::kBool: v = x.as_bool() ? 1 : 0; break;
    case ValueType::kDouble: {
      if (!DoubleToInt(x.as_double(), &v)) {
        std::string s;
        AppendDouble(s, x.as_double());
        return Err(err, s + " does not fit in an int");
      }
      break;
    }
    case ValueType::kDecimal: {
      auto r = x.as_decimal().ToInt64();
      if (!r.ok()) return Err(err, x.as_decimal().ToString() + " does not fit in an int");
      v = *r;
      break;
    }
    case ValueType::kString:
      if (!ParseInt64(x.as_string(), &v))
        return Err(err, "cannot parse " + Quote(x.as_string()) + " as an int");
      break;
    default: break;
  }
  out = Value(v);
  return true;
}

bool FnDouble(const Value* const* a, int, Value& out, std::string* err) {
  const Value& x = *a[0];
  switch (x.type()) {
    case ValueType::kDouble: out = x; return true;
    case ValueType::kInt: out = Value(static_cast<double>(x.as_int())); return true;
    case ValueType::kDecimal: out = Value(x.as_decimal().ToDouble()); return true;
    case ValueType::kString: {
      std::string_view s = x.as_string();
      if (!s.empty() && s[0] == '+') s.remove_prefix(1);
      double d;
      auto r = std::from_chars(s.data(), s.data() + s.size(), d);
      if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size())
        return Err(err, "cannot parse " + Quote(x.as_string()) + " as a double");
      // A record never carries NaN or an infinity (JSON has neither): refusing
      // them here fails the record at this node, under this node's policy.
      if (!std::isfinite(d)) return Err(err, Quote(x.as_string()) + " is not a finite double");
      out = Value(d);
      return true;
    }
    default: return Err(err, "cannot convert to double");
  }
}

bool FnAbs(const Value* const* a, int, Value& out, std::string* err) {
  const Value& x = *a[0];
  if (x.is_int()) {
    if (x.as_int() == INT64_MIN) return Err(err, "integer overflow");
    out = Value(x.as_int() < 0 ? -x.as_int() : x.as_int());
  } else if (x.is_double()) {
    out = Value(std::fabs(x.as_double()));
  } else {
    out = Value(x.as_decimal().Abs());
  }
  return true;
}

bool MinMax(const Value* const* a, int n, Value& out, std::string* err, bool want_max) {
  const Value* best = a[0];
  for (int i = 1; i < n; ++i) {
    const Value& c = *a[i];
    int cmp;
    if (best->is_number() && c.is_number()) {
      cmp = CompareNumbers(c, *best);
    } else if (best->is_string() && c.is_string()) {
      cmp = c.as_string().compare(best->as_string());
    } else {
      return Err(err, std::string("cannot compare ") + ValueTypeName(best->type()) + " with " +
                          ValueTypeName(c.type()));
    }
    if (want_max ? cmp > 0 : cmp < 0) best = &c;
  }
  out = *best;
  return true;
}
bool FnMin(const Value* const* a, int n, Value& out, std::string* err) {
  return MinMax(a, n, out, err, false);
}
bool FnMax(const Value* const* a, int n, Value& out, std::string* err) {
  return MinMax(a, n, out, err, true);
}

bool FloorCeil(const Value* const* a, Value& out, std::string* err, bool ceil) {
  const Value& x = *a[0];
  if (x.is_int()) {
    out = x;
  } else if (x.is_double()) {
    out = Value(ceil ? std::ceil(x.as_double()) : std::floor(x.as_double()));
  } else {
    auto r = x.as_decimal().Round(0, ceil ? RoundingMode::kCeiling : RoundingMode::kFloor);
    if (!r.ok()) return Err(err, r.status().message());
    out = Value(*r);
  }
  return true;
}
bool FnFloor(const Value* const* a, int, Value& out, std::string* err) {
  return FloorCeil(a, out, err, false);
}
bool FnCeil(const Value* const* a, int, Value& out, std::string* err) { return FloorCeil(a, out, err, true); }

// ---- time ----

bool FnParseTime(const Value* const* a, int, Value& out, std::string* err) {
  auto r = ParseTime(a[0]->as_string());
  if (!r.ok()) return Err(err, r.status().message());
  out = Value(*r);
  return true;
}

bool FnFormatTime(const Value* const* a, int, Value& out, std::string*) {
  out = Value(FormatTime(a[0]->as_int()));
  return true;
}

bool FnTruncateTime(const Value* const* a, int, Value& out, std::string* err) {
  auto r = TruncateTime(a[0]->as_int(), a[1]->as_string());
  if (!r.ok()) return Err(err, r.status().message());
  out = Value(*r);
  return true;
}

bool FnMs(const Value* const* a, int, Value& out, std::string* err) {
  auto r = ParseDuration(a[0]->as_string());
  if (!r.ok()) return Err(err, r.status().message());
  out = Value(*r);
  return true;
}

// ---- hashing ----

bool FnHash(const Value* const* a, int, Value& out, std::string* err) {
  std::string buf;
  std::string_view key;
  if (!KeyBytes(*a[0], &buf, &key, err)) return false;
  out = Value(int64_t{Murmur2(key)});
  return true;
}

bool FnPartitionOf(const Value* const* a, int, Value& out, std::string* err) {
  int64_t n = a[1]->as_int();
  if (n <= 0 || n > INT32_MAX)
    return Err(err, "partition count must be 1.." + std::to_string(INT32_MAX) + ", got " + std::to_string(n));
  std::string buf;
  std::string_view key;
  if (!KeyBytes(*a[0], &buf, &key, err)) return false;
  out = Value(int64_t{PartitionForKey(key, static_cast<int32_t>(n))});
  return true;
}

// ---- misc ----

bool FnIsNull(const Value* const* a, int, Value& out, std::string*) {
  out = Value(a[0]->is_null());
  return true;
}

bool FnTypeOf(const Value* const* a, int, Value& out, std::string*) {
  out = Value(ValueTypeName(a[0]->type()));
  return true;
}

bool FnKeys(const Value* const* a, int, Value& out, std::string*) {
  Array keys;
  keys.reserve(a[0]->as_object().size());
  for (const auto& [k, v] : a[0]->as_object()) keys.emplace_back(k);
  out = Value(std::move(keys));
  return true;
}

bool FnValues(const Value* const* a, int, Value& out, std::string*) {
  Array vals;
  vals.reserve(a[0]->as_object().size());
  for (const auto& [k, v] : a[0]->as_object()) vals.push_back(v);
  out = Value(std::move(vals));
  return true;
}

bool FnUuid(const Value* const*, int, Value& out, std::string*) {
  // Per-thread generator: CompiledExpr is shared across threads, so no shared state.
  thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }();
  uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;                         // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  out = Value(buf);
  return true;
}

bool FnNow(const Value* const*, int, Value& out, std::string*) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  out = Value(static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()));
  return true;
}

bool FnJson(const Value* const* a, int, Value& out, std::string* err) {
  std::string s;
  Status st = AppendJson(*a[0], &s);
  if (!st.ok()) return Err(err, st.message());
  out = Value(std::move(s));
  return true;
}

bool FnParseJson(const Value* const* a, int, Value& out, std::string* err) {
  // One codec per thread: a CompiledExpr is evaluated from many threads, and the
  // codec keeps simdjson's parser buffers between calls.
  thread_local JsonCodec codec;
  auto r = codec.Decode(a[0]->as_string());
  if (!r.ok()) return Err(err, r.status().message());
  out = std::move(r).value();
  return true;
}

bool FnUnused(const Value* const*, int, Value& out, std::string*) {
  out = Value();
  return true;
}

// ---- compile-time checks of literal arguments ----

const std::vector<std::string>& RoundingModeNames() {
  static const std::vector<std::string> kNames = {"half_even", "half_up", "half_down", "up",
                                                  "down",      "ceiling", "floor"};
  return kNames;
}

bool CheckRound(const Ast& call, int* bad, std::string* err) {
  Value tmp;
  if (call.children.size() > 1) {
    const Value* s = LiteralOf(*call.children[1], &tmp);
    if (s && s->is_int() && (s->as_int() < 0 || s->as_int() > Decimal::kMaxScale)) {
      *bad = 1;
      return Err(err, "round: scale must be 0.." + std::to_string(Decimal::kMaxScale) + ", got " +
                          std::to_string(s->as_int()));
    }
  }
  if (call.children.size() > 2) {
    const Value* m = LiteralOf(*call.children[2], &tmp);
    if (m && m->is_string() && !ParseRoundingMode(m->as_string()).ok()) {
      *bad = 2;
      return Err(err, "round: unknown rounding mode " + Quote(m->as_string()) +
                          DidYouMean(m->as_string(), RoundingModeNames()) +
                          "; modes: half_even, half_up, half_down, up, down, ceiling, floor");
    }
  }
  return true;
}

bool CheckTruncateTime(const Ast& call, int* bad, std::string* err) {
  Value tmp;
  if (call.children.size() < 2) return true;
  const Value* u = LiteralOf(*call.children[1], &tmp);
  if (!u || !u->is_string()) return true;
  std::vector<std::string> units;
  for (const char* const* p = kTimeUnits; *p; ++p) units.emplace_back(*p);
  for (const auto& name : units)
    if (name == u->as_string()) return true;
  *bad = 1;
  return Err(err, "truncate_time: unknown unit " + Quote(u->as_string()) + DidYouMean(u->as_string(), units) +
                      "; units: second, minute, hour, day, month, year");
}

bool CheckFormat(const Ast& call, int* bad, std::string* err) {
  Value tmp;
  if (call.children.empty()) return true;
  const Value* f = LiteralOf(*call.children[0], &tmp);
  if (!f || !f->is_string()) return true;
  int count;
  std::string why;
  *bad = 0;
  if (!CountPlaceholders(f->as_string(), &count, &why)) return Err(err, "format: " + why);
  int given = static_cast<int>(call.children.size()) - 1;
  if (count != given)
    return Err(err, "format: the format string has " + std::to_string(count) + " placeholder(s) but " +
                        std::to_string(given) + " argument(s) follow it");
  return true;
}

bool CheckSplit(const Ast& call, int* bad, std::string* err) {
  Value tmp;
  if (call.children.size() < 2) return true;
  const Value* s = LiteralOf(*call.children[1], &tmp);
  if (s && s->is_string() && s->as_string().empty()) {
    *bad = 1;
    return Err(err, "split: separator must not be empty");
  }
  return true;
}

bool CheckPartitionOf(const Ast& call, int* bad, std::string* err) {
  Value tmp;
  if (call.children.size() < 2) return true;
  const Value* n = LiteralOf(*call.children[1], &tmp);
  if (n && n->is_int() && (n->as_int() <= 0 || n->as_int() > INT32_MAX)) {
    *bad = 1;
    return Err(err, "partition_of: partition count must be positive, got " + std::to_string(n->as_int()));
  }
  return true;
}

std::vector<FunctionDef> MakeRegistry() {
  const KindMask kNum = kNumberKinds;
  const KindMask kAny = kAnyKind;
  std::vector<FunctionDef> f;
  auto add = [&](const char* name, int min_args, int max_args, std::vector<KindMask> args,
                 ResultTypeFn result, EvalFn eval) -> FunctionDef& {
    FunctionDef d{name, min_args, max_args, std::move(args), result, eval};
    f.push_back(std::move(d));
    return f.back();
  };
  // strings
  add("lower", 1, 1, {kString}, TString, FnLower);
  add("upper", 1, 1, {kString}, TString, FnUpper);
  add("trim", 1, 1, {kString}, TString, FnTrim);
  add("contains", 2, 2, {kString | kArray, kAny}, TBool, FnContains);
  add("starts_with", 2, 2, {kString, kString}, TBool, FnStartsWith);
  add("ends_with", 2, 2, {kString, kString}, TBool, FnEndsWith);
  add("split", 2, 2, {kString, kString}, TStringArray, FnSplit).check = CheckSplit;
  add("concat", 0, -1, {kAny}, TString, FnConcat).null_in_null_out = false;
  add("substr", 2, 3, {kString, kInt, kInt}, TString, FnSubstr);
  add("len", 1, 1, {kString | kBytes | kArray | kObject | kNull}, TInt, FnLen).null_in_null_out = false;
  {
    auto& d = add("format", 1, -1, {kString, kAny}, TString, FnFormat);
    d.null_in_null_out = false;
    d.check = CheckFormat;
  }
  add("replace", 3, 3, {kString, kString, kString}, TString, FnReplace);
  add("string", 1, 1, {kAny}, TString, FnString);
  // numbers and decimals
  add("decimal", 1, 1, {kString | kNum}, TDecimal, FnDecimal);
  add("round", 1, 3, {kNum, kInt, kString}, TFirst, FnRound).check = CheckRound;
  add("int", 1, 1, {kNum | kString | kBool}, TInt, FnInt);
  add("double", 1, 1, {kNum | kString}, TDouble, FnDouble);
  add("abs", 1, 1, {kNum}, TFirst, FnAbs);
  add("min", 2, -1, {kNum | kString}, TUnifyAll, FnMin);
  add("max", 2, -1, {kNum | kString}, TUnifyAll, FnMax);
  add("floor", 1, 1, {kNum}, TFirst, FnFloor);
  add("ceil", 1, 1, {kNum}, TFirst, FnCeil);
  // time
  add("parse_time", 1, 1, {kString}, TInt, FnParseTime);
  add("format_time", 1, 1, {kInt}, TString, FnFormatTime);
  add("truncate_time", 2, 2, {kInt, kString}, TInt, FnTruncateTime).check = CheckTruncateTime;
  add("ms", 1, 1, {kString}, TInt, FnMs);
  // hashing
  add("hash", 1, 1, {kAny}, TInt, FnHash);
  add("partition_of", 2, 2, {kAny, kInt}, TInt, FnPartitionOf).check = CheckPartitionOf;
  // misc
  {
    auto& d = add("coalesce", 1, -1, {kAny}, TUnifyAll, FnUnused);
    d.null_in_null_out = false;
    d.special = FunctionDef::Special::kCoalesce;
  }
  {
    auto& d = add("if", 3, 3, {kBool | kNull, kAny, kAny}, TUnifyFrom1, FnUnused);
    d.null_in_null_out = false;
    d.special = FunctionDef::Special::kIf;
  }
  add("is_null", 1, 1, {kAny}, TBool, FnIsNull).null_in_null_out = false;
  add("type_of", 1, 1, {kAny}, TString, FnTypeOf).null_in_null_out = false;
  add("keys", 1, 1, {kObject}, TStringArray, FnKeys);
  add("values", 1, 1, {kObject}, TValues, FnValues);
  add("uuid", 0, 0, {}, TString, FnUuid).deterministic = false;
  add("now", 0, 0, {}, TInt, FnNow).deterministic = false;
  add("json", 1, 1, {kAny}, TString, FnJson).null_in_null_out = false;
  add("parse_json", 1, 1, {kString}, TAny, FnParseJson);
  return f;
}

}  // namespace

bool KindOfType(const Type& t, ValueType* out) {
  switch (t.kind) {
    case K::kAny: return false;
    case K::kNull: *out = ValueType::kNull; return true;
    case K::kBool: *out = ValueType::kBool; return true;
    case K::kInt: *out = ValueType::kInt; return true;
    case K::kDouble: *out = ValueType::kDouble; return true;
    case K::kDecimal: *out = ValueType::kDecimal; return true;
    case K::kString: *out = ValueType::kString; return true;
    case K::kBytes: *out = ValueType::kBytes; return true;
    case K::kArray: *out = ValueType::kArray; return true;
    case K::kObject: *out = ValueType::kObject; return true;
  }
  return false;
}

std::string DescribeKinds(KindMask mask) {
  if (mask == kAnyKind) return "any value";
  std::vector<const char*> names;
  for (int i = 0; i <= static_cast<int>(ValueType::kObject); ++i) {
    if (i == static_cast<int>(ValueType::kNull)) continue;  // null is never the interesting part
    if (mask & (KindMask{1} << i)) names.push_back(ValueTypeName(static_cast<ValueType>(i)));
  }
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

std::string FunctionDef::ArityText() const {
  auto args = [](int n) { return std::to_string(n) + (n == 1 ? " argument" : " arguments"); };
  if (max_args < 0) return "takes at least " + args(min_args);
  if (min_args == max_args) return "takes " + args(min_args);
  return "takes " + std::to_string(min_args) + " to " + args(max_args);
}

const std::vector<FunctionDef>& AllFunctions() {
  static const std::vector<FunctionDef>* kAll = new std::vector<FunctionDef>(MakeRegistry());
  return *kAll;
}

const FunctionDef* FindFunction(std::string_view name) {
  for (const auto& f : AllFunctions())
    if (name == f.name) return &f;
  return nullptr;
}

std::vector<std::string> FunctionNames() {
  std::vector<std::string> out;
  for (const auto& f : AllFunctions()) out.emplace_back(f.name);
  return out;
}

bool AppendText(std::string& out, const Value& v, std::string* err) {
  switch (v.type()) {
    case ValueType::kString: out += v.as_string(); return true;
    case ValueType::kInt: AppendInt(out, v.as_int()); return true;
    case ValueType::kDouble: AppendDoubleText(out, v); return true;
    case ValueType::kDecimal: v.as_decimal().AppendTo(out); return true;
    case ValueType::kBool: out += v.as_bool() ? "true" : "false"; return true;
    default: {
      Status s = AppendJson(v, &out);
      if (!s.ok()) return Err(err, s.message());
      return true;
    }
  }
}

const Value* LiteralOf(const Ast& ast, Value* scratch) {
  if (ast.kind == AstKind::kLiteral) return &ast.literal;
  if (ast.kind == AstKind::kUnary && ast.op == Tok::kMinus && ast.children[0]->kind == AstKind::kLiteral) {
    const Value& v = ast.children[0]->literal;
    if (v.is_int() && v.as_int() != INT64_MIN) {
      *scratch = Value(-v.as_int());
      return scratch;
    }
    if (v.is_double()) {
      *scratch = Value(-v.as_double());
      return scratch;
    }
  }
  return nullptr;
}

}  // namespace topo::expr
