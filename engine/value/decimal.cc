#include "engine/value/decimal.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "engine/value/text.h"

namespace topo {

namespace {

using Int = Decimal::Int;
using UInt = unsigned __int128;

// 10^0 .. 10^38; 10^38 still fits a signed 128-bit integer (max ~1.7e38).
constexpr int kPow10Count = 39;
struct Pow10Table {
  Int v[kPow10Count];
  constexpr Pow10Table() : v() {
    Int p = 1;
    for (int i = 0; i < kPow10Count; ++i) {
      v[i] = p;
      if (i + 1 < kPow10Count) p *= 10;
    }
  }
};
constexpr Pow10Table kPow10;

// The largest coefficient magnitude: 38 nines. Capping here (not at the int128
// limit) keeps every Decimal printable and re-parsable with at most 38 digits.
constexpr Int kMaxCoef = kPow10.v[38] - 1;

UInt Magnitude(Int v) { return v < 0 ? UInt(0) - UInt(v) : UInt(v); }

bool FitsDigits(Int v) { return v <= kMaxCoef && v >= -kMaxCoef; }

// v * 10^n, false only when it does not fit 128 bits (then |v * 10^n| > 2^127
// exceeds every coefficient).
bool ScaleUpRaw(Int v, int n, Int* out) {
  if (v == 0) {
    *out = 0;
    return true;
  }
  if (n < 0 || n > 38) return false;
  return !__builtin_mul_overflow(v, kPow10.v[n], out);
}

// v * 10^n, false when it does not fit in 38 digits.
bool ScaleUp(Int v, int n, Int* out) {
  if (v == 0) {
    *out = 0;
    return true;
  }
  if (n < 0 || n > 38) return false;
  Int r;
  if (__builtin_mul_overflow(v, kPow10.v[n], &r) || !FitsDigits(r)) return false;
  *out = r;
  return true;
}

Status Overflow(const char* op) {
  return Status::OutOfRange(std::string("decimal ") + op +
                            " overflows 38 significant digits; round the operands first");
}

// Whether a truncated quotient q with remainder r (|r| < divisor, same sign
// as the exact value's sign `negative`) must move one unit away from zero.
// `half_cmp` is the remainder's magnitude compared with half the divisor.
bool RoundAway(RoundingMode mode, bool negative, bool remainder_nonzero, int half_cmp, bool q_odd) {
  if (!remainder_nonzero) return false;
  switch (mode) {
    case RoundingMode::kHalfEven: return half_cmp > 0 || (half_cmp == 0 && q_odd);
    case RoundingMode::kHalfUp: return half_cmp >= 0;
    case RoundingMode::kHalfDown: return half_cmp > 0;
    case RoundingMode::kUp: return true;
    case RoundingMode::kDown: return false;
    case RoundingMode::kCeiling: return !negative;
    case RoundingMode::kFloor: return negative;
  }
  return false;
}

// Compares r with d - r (i.e. 2r with d) without overflowing; requires r < d.
int CompareHalf(UInt r, UInt d) {
  UInt rest = d - r;
  return r < rest ? -1 : (r > rest ? 1 : 0);
}

// Divides v by 10^n (0 <= n), rounding per mode. n > 38 rounds a zero quotient.
Int DivPow10(Int v, int n, RoundingMode mode) {
  if (n == 0 || v == 0) return v;
  bool neg = v < 0;
  UInt m = Magnitude(v);
  if (n > 38) {
    // |v| < 2^127 < 10^39 / 2, so the quotient is 0 and the remainder is below half.
    Int res = RoundAway(mode, neg, true, -1, false) ? 1 : 0;
    return neg ? -res : res;
  }
  const UInt d = UInt(kPow10.v[n]);
  UInt q = m / d;
  const UInt r = m % d;
  bool away = RoundAway(mode, neg, r != 0, r == 0 ? -1 : CompareHalf(r, d), (q & 1) != 0);
  if (away) ++q;
  Int res = Int(q);
  return neg ? -res : res;
}

// (r * 10) / d and (r * 10) % d for r < d <= 2^127, without overflowing.
void Times10DivMod(UInt r, UInt d, UInt* digit, UInt* rem) {
  constexpr UInt kSafe = ~UInt(0) / 10;
  if (r <= kSafe) {
    UInt x = r * 10;
    *digit = x / d;
    *rem = x % d;
    return;
  }
  // Rare (divisor above ~3.4e37): add r ten times modulo d.
  UInt acc = 0, dig = 0;
  for (int i = 0; i < 10; ++i) {
    if (acc >= d - r) {
      acc -= d - r;
      ++dig;
    } else {
      acc += r;
    }
  }
  *digit = dig;
  *rem = acc;
}

// Appends the decimal digits of m to buf (from the end). Returns the start.
char* FormatUnsigned(UInt m, char* end) {
  char* p = end;
  // Peel 19 digits at a time so most of the work is 64-bit division.
  constexpr uint64_t k1e19 = 10000000000000000000ull;
  while (m > UInt(~uint64_t{0})) {
    uint64_t chunk = static_cast<uint64_t>(m % k1e19);
    m /= k1e19;
    for (int i = 0; i < 19; ++i) {
      *--p = static_cast<char>('0' + chunk % 10);
      chunk /= 10;
    }
  }
  uint64_t s = static_cast<uint64_t>(m);
  do {
    *--p = static_cast<char>('0' + s % 10);
    s /= 10;
  } while (s != 0);
  return p;
}

struct Parsed {
  Int coef = 0;
  int64_t scale = 0;  // may exceed kMaxScale or be negative before normalising
};

Status ParseError(std::string_view text, const char* why) {
  return Status::Invalid("invalid decimal '" + std::string(text) + "': " + why);
}

// Parses the syntax into a coefficient (at most 38 digits) and an unbounded scale.
Status ParseParts(std::string_view text, Parsed* out) {
  if (text.empty()) return ParseError(text, "empty");
  size_t i = 0, n = text.size();
  bool neg = false;
  if (text[i] == '+' || text[i] == '-') {
    neg = text[i] == '-';
    ++i;
  }
  Int coef = 0;
  int digits = 0;  // significant digits (leading zeros excluded)
  int frac = 0;
  bool any_digit = false, dot = false;
  for (; i < n; ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      any_digit = true;
      if (dot) ++frac;
      if (digits == 0 && c == '0') continue;
      if (++digits > Decimal::kMaxDigits) return ParseError(text, "more than 38 digits");
      coef = coef * 10 + (c - '0');
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!any_digit) return ParseError(text, "no digits");
  int64_t exp = 0;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) {
      eneg = text[i] == '-';
      ++i;
    }
    if (i == n) return ParseError(text, "exponent has no digits");
    for (; i < n && text[i] >= '0' && text[i] <= '9'; ++i) {
      // Clamp: beyond this the value is out of range (or zero) anyway.
      if (exp < 100000) exp = exp * 10 + (text[i] - '0');
    }
    if (eneg) exp = -exp;
  }
  if (i != n) return ParseError(text, "unexpected character");
  out->coef = neg ? -coef : coef;
  out->scale = int64_t{frac} - exp;
  return Status::Ok();
}

// Brings a parsed value into range: negative scales multiply the coefficient;
// scales beyond kMaxScale drop exact trailing zeros, then (only if `round`)
// round half-even.
Result<Decimal> Normalize(std::string_view text, Parsed p, bool round) {
  if (p.coef == 0)
    return Decimal(0, static_cast<int32_t>(std::clamp<int64_t>(p.scale, 0, Decimal::kMaxScale)));
  if (p.scale < 0) {
    Int c;
    if (p.scale < -38 || !ScaleUp(p.coef, static_cast<int>(-p.scale), &c))
      return ParseError(text, "more than 38 digits");
    return Decimal(c, 0);
  }
  while (p.scale > Decimal::kMaxScale && p.coef % 10 == 0) {
    p.coef /= 10;
    --p.scale;
  }
  if (p.scale > Decimal::kMaxScale) {
    if (!round) return ParseError(text, "more than 36 fraction digits");
    int64_t drop = p.scale - Decimal::kMaxScale;
    p.coef = DivPow10(p.coef, drop > 39 ? 39 : static_cast<int>(drop), RoundingMode::kHalfEven);
    p.scale = Decimal::kMaxScale;
  }
  return Decimal(p.coef, static_cast<int32_t>(p.scale));
}

// Both coefficients at the larger scale; false when one does not fit.
bool Align(const Decimal& a, const Decimal& b, Int* ca, Int* cb, int32_t* scale) {
  *scale = std::max(a.scale(), b.scale());
  return ScaleUp(a.coefficient(), *scale - a.scale(), ca) && ScaleUp(b.coefficient(), *scale - b.scale(), cb);
}

int Sign(Int v) { return v < 0 ? -1 : (v > 0 ? 1 : 0); }

}  // namespace

Result<RoundingMode> ParseRoundingMode(std::string_view name) {
  if (name == "half_even") return RoundingMode::kHalfEven;
  if (name == "half_up") return RoundingMode::kHalfUp;
  if (name == "half_down") return RoundingMode::kHalfDown;
  if (name == "up") return RoundingMode::kUp;
  if (name == "down") return RoundingMode::kDown;
  if (name == "ceiling") return RoundingMode::kCeiling;
  if (name == "floor") return RoundingMode::kFloor;
  return Status::Invalid("unknown rounding mode '" + std::string(name) +
                         "' (expected half_even, half_up, half_down, up, down, ceiling or floor)");
}

Result<Decimal> Decimal::Parse(std::string_view text) {
  Parsed p;
  RETURN_IF_ERROR(ParseParts(text, &p));
  return Normalize(text, p, /*round=*/false);
}

namespace {

// A double's shortest round-trip digits (text.h's FormatDouble: never the
// extra binary digits of a large integral double) as a decimal; `round`: as
// Normalize, else more than 36 fraction digits is an error.
Result<Decimal> DecimalOfDouble(double d, bool round, const char* out_of_range) {
  if (!std::isfinite(d)) return Status::Invalid("cannot convert a non-finite double to decimal");
  char buf[kMaxDoubleText];
  std::string_view text(buf, static_cast<size_t>(FormatDouble(d, buf) - buf));
  Parsed p;
  RETURN_IF_ERROR(ParseParts(text, &p));
  auto res = Normalize(text, p, round);
  if (!res.ok()) return Status::OutOfRange("double " + std::string(text) + out_of_range);
  return res;
}

}  // namespace

// Tiny doubles (e.g. 1e-300) round to 36 fraction digits rather than fail: far
// below any money precision, and comparisons against them stay ordered.
Result<Decimal> Decimal::FromDouble(double d) {
  return DecimalOfDouble(d, /*round=*/true, " is outside the decimal range");
}

Result<Decimal> Decimal::FromDoubleExact(double d) {
  return DecimalOfDouble(d, /*round=*/false,
                         " has no exact decimal (decimals hold 38 digits, at most 36 after the point)");
}

void Decimal::AppendTo(std::string& out) const {
  char buf[96];
  char* end = buf + sizeof buf;
  char* p = FormatUnsigned(Magnitude(coef_), end);
  int scale = scale_ < 0 ? 0 : scale_;
  if (scale > 0) {
    // At least one integer digit: 0.05 needs "005" before the point goes in.
    while (end - p <= scale) *--p = '0';
    char* point = end - scale;
    // Shift the integer part left by one to make room for '.'.
    for (char* q = p; q < point; ++q) q[-1] = q[0];
    --p;
    point[-1] = '.';
  }
  if (coef_ < 0) *--p = '-';
  out.append(p, static_cast<size_t>(end - p));
}

std::string Decimal::ToString() const {
  std::string s;
  AppendTo(s);
  return s;
}

double Decimal::ToDouble() const {
  // Through text so the result is the correctly rounded nearest double.
  char buf[96];
  char* end = buf + sizeof buf;
  char* p = FormatUnsigned(Magnitude(coef_), end - 8);
  char* e = end - 8;
  *e++ = 'e';
  *e++ = '-';
  auto r = std::to_chars(e, end, scale_);
  if (coef_ < 0) *--p = '-';
  double d = 0;
  std::from_chars(p, r.ptr, d);
  return d;
}

Result<int64_t> Decimal::ToInt64() const {
  Int q = scale_ == 0 ? coef_ : DivPow10(coef_, scale_, RoundingMode::kDown);
  if (q > std::numeric_limits<int64_t>::max() || q < std::numeric_limits<int64_t>::min())
    return Status::OutOfRange("decimal " + ToString() + " is outside the int64 range");
  return static_cast<int64_t>(q);
}

Result<Decimal> Decimal::Add(const Decimal& o) const {
  Int a, b, r;
  int32_t s;
  if (!Align(*this, o, &a, &b, &s) || __builtin_add_overflow(a, b, &r) || !FitsDigits(r))
    return Overflow("addition");
  return Decimal(r, s);
}

Result<Decimal> Decimal::Sub(const Decimal& o) const {
  Int a, b, r;
  int32_t s;
  if (!Align(*this, o, &a, &b, &s) || __builtin_sub_overflow(a, b, &r) || !FitsDigits(r))
    return Overflow("subtraction");
  return Decimal(r, s);
}

Result<Decimal> Decimal::Mul(const Decimal& o) const {
  // Trailing zeros carry no information for a product; dropping them first lets
  // more products fit (2.50 * 4.0000 needs only 25 * 4).
  Decimal a = *this, b = o;
  Int r;
  bool overflow = __builtin_mul_overflow(a.coef_, b.coef_, &r) || !FitsDigits(r);
  if (overflow || a.scale_ + b.scale_ > kMaxScale) {
    a = a.Normalized();
    b = b.Normalized();
    overflow = __builtin_mul_overflow(a.coef_, b.coef_, &r) || !FitsDigits(r);
  }
  if (overflow) return Overflow("multiplication");
  int32_t s = a.scale_ + b.scale_;
  if (s > kMaxScale) {
    // Beyond 36 fraction digits: round half-even, as division does.
    r = DivPow10(r, s - kMaxScale, RoundingMode::kHalfEven);
    s = kMaxScale;
  }
  return Decimal(r, s);
}

int32_t Decimal::DivisionScale(const Decimal& a, const Decimal& b) {
  return std::min(std::max(a.scale_, b.scale_) + 10, kMaxScale);
}

Result<Decimal> Decimal::Div(const Decimal& o) const {
  if (o.coef_ == 0) return Status::Invalid("division by zero");
  const int32_t s = DivisionScale(*this, o);
  // q * 10^-s = (a * 10^-sa) / (b * 10^-sb)  =>  q = a * 10^(s - sa + sb) / b,
  // and s >= sa, so the exponent is never negative. Long division one digit at
  // a time avoids forming a * 10^e, which may not fit 128 bits.
  const int e = s - scale_ + o.scale_;
  const bool neg = (coef_ < 0) != (o.coef_ < 0);
  const UInt d = Magnitude(o.coef_);
  const UInt m = Magnitude(coef_);
  UInt q = m / d, r = m % d;
  const UInt kLimit = UInt(kMaxCoef);
  if (q > kLimit) return Overflow("division");
  for (int i = 0; i < e; ++i) {
    UInt digit, rem;
    Times10DivMod(r, d, &digit, &rem);
    if (q > (kLimit - digit) / 10) return Overflow("division");
    q = q * 10 + digit;
    r = rem;
  }
  if (RoundAway(RoundingMode::kHalfEven, neg, r != 0, r == 0 ? -1 : CompareHalf(r, d), (q & 1) != 0)) {
    if (q == kLimit) return Overflow("division");
    ++q;
  }
  Int res = Int(q);
  return Decimal(neg ? -res : res, s);
}

Result<Decimal> Decimal::Mod(const Decimal& o) const {
  if (o.coef_ == 0) return Status::Invalid("division by zero");
  const int32_t s = std::max(scale_, o.scale_);
  Int b;
  if (!ScaleUpRaw(o.coef_, s - o.scale_, &b)) {
    // |o| at scale s exceeds 128 bits, so it exceeds |*this|: the remainder is *this.
    return *this;
  }
  // (a * 10^k) mod b, computed as ((a mod b) * 10 mod b) k times so a * 10^k
  // never has to fit.
  const UInt d = Magnitude(b);
  UInt r = Magnitude(coef_) % d;
  for (int i = scale_; i < s; ++i) {
    UInt digit;
    Times10DivMod(r, d, &digit, &r);
  }
  Int res = Int(r);
  return Decimal(coef_ < 0 ? -res : res, s);
}

Result<Decimal> Decimal::Round(int32_t scale, RoundingMode mode) const {
  if (scale < 0 || scale > kMaxScale)
    return Status::Invalid("rounding scale " + std::to_string(scale) + " is outside 0.." +
                           std::to_string(kMaxScale));
  if (scale >= scale_) {
    Int c;
    if (!ScaleUp(coef_, scale - scale_, &c)) return Overflow("rounding");
    return Decimal(c, scale);
  }
  return Decimal(DivPow10(coef_, scale_ - scale, mode), scale);
}

Decimal Decimal::Normalized() const {
  if (coef_ == 0) return Decimal(0, 0);
  Int c = coef_;
  int32_t s = scale_;
  while (s > 0 && c % 10 == 0) {
    c /= 10;
    --s;
  }
  return Decimal(c, s);
}

int Decimal::Compare(const Decimal& o) const {
  if (scale_ == o.scale_) return coef_ < o.coef_ ? -1 : (coef_ > o.coef_ ? 1 : 0);
  int sa = Sign(coef_), sb = Sign(o.coef_);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  // Same sign: scale the one with fewer fraction digits up. If that overflows
  // 128 bits, its magnitude exceeds the other's.
  if (scale_ < o.scale_) {
    Int a;
    if (!ScaleUpRaw(coef_, o.scale_ - scale_, &a)) return sa;
    return a < o.coef_ ? -1 : (a > o.coef_ ? 1 : 0);
  }
  Int b;
  if (!ScaleUpRaw(o.coef_, scale_ - o.scale_, &b)) return -sa;
  return coef_ < b ? -1 : (coef_ > b ? 1 : 0);
}

}  // namespace topo
