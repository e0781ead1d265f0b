#pragma once
// Decimal: an exact decimal number, coefficient x 10^-scale, for money.
//
// The coefficient is a signed 128-bit integer, so a Decimal holds up to 38
// significant digits; scale is 0..kMaxScale. Arithmetic is exact where the
// result fits (add, subtract, multiply); an overflow is an error, never a
// silent wrap. Division rounds half-even to DivisionScale(a, b) digits (see
// below) because exact quotients may not terminate. Values with different
// scales compare by numeric value: 1.50 == 1.5.
//
// Thread-safety: a value type.

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/base/status.h"

namespace topo {

enum class RoundingMode {
  kHalfEven,  // banker's rounding (default, like Java's HALF_EVEN)
  kHalfUp,    // 0.5 away from zero
  kHalfDown,  // 0.5 toward zero
  kUp,        // away from zero
  kDown,      // toward zero (truncate)
  kCeiling,   // toward +infinity
  kFloor,     // toward -infinity
};

// Parses "half_even", "half_up", "half_down", "up", "down", "ceiling", "floor".
Result<RoundingMode> ParseRoundingMode(std::string_view name);

class Decimal {
 public:
  using Int = __int128;
  static constexpr int kMaxScale = 36;
  static constexpr int kMaxDigits = 38;

  constexpr Decimal() = default;
  // coefficient x 10^-scale. Requires 0 <= scale <= kMaxScale.
  constexpr Decimal(Int coefficient, int32_t scale) : coef_(coefficient), scale_(scale) {}
  static constexpr Decimal FromInt(int64_t v) { return Decimal(v, 0); }

  // Parses plain or exponent notation: "16.49", "-0.001", "1e3", "+2.5E-2".
  // Leading/trailing spaces, empty input, junk or more than 38 digits are errors;
  // so are more than 36 fraction digits, unless the extra ones are zeros.
  static Result<Decimal> Parse(std::string_view text);
  // The shortest decimal that round-trips to `d` (so 16.49 -> 16.49, not
  // 16.489999...). NaN and infinities are errors, so are magnitudes of 1e38 and
  // above; digits beyond 36 fraction digits round half-even (5e-324 -> 0).
  static Result<Decimal> FromDouble(double d);
  // FromDouble that never rounds: a double needing more than 36 fraction
  // digits (1e-40) is an error too. What decimal(x) of a double uses.
  static Result<Decimal> FromDoubleExact(double d);

  Int coefficient() const { return coef_; }
  int32_t scale() const { return scale_; }
  bool IsZero() const { return coef_ == 0; }
  bool IsNegative() const { return coef_ < 0; }

  // Plain notation keeping the scale: Decimal(1650, 2) -> "16.50".
  std::string ToString() const;
  // Appends ToString() to out (no temporary string on hot paths).
  void AppendTo(std::string& out) const;
  double ToDouble() const;
  // Truncates toward zero; error when out of int64 range.
  Result<int64_t> ToInt64() const;

  Result<Decimal> Add(const Decimal& o) const;
  Result<Decimal> Sub(const Decimal& o) const;
  // A product needing more than 36 fraction digits rounds half-even to 36.
  Result<Decimal> Mul(const Decimal& o) const;
  // Division by zero is an error. Result scale: DivisionScale(*this, o).
  Result<Decimal> Div(const Decimal& o) const;
  // Remainder with the sign of the dividend (like Java's BigDecimal.remainder).
  Result<Decimal> Mod(const Decimal& o) const;
  Decimal Negate() const { return Decimal(-coef_, scale_); }
  Decimal Abs() const { return coef_ < 0 ? Negate() : *this; }

  // Rounds (or pads) to exactly `scale` fraction digits. Negative scale is an error.
  Result<Decimal> Round(int32_t scale, RoundingMode mode = RoundingMode::kHalfEven) const;
  // Removes trailing fraction zeros: 16.50 -> 16.5, 2.00 -> 2.
  Decimal Normalized() const;

  // Numeric comparison: -1, 0, 1.
  int Compare(const Decimal& o) const;
  bool operator==(const Decimal& o) const { return Compare(o) == 0; }
  bool operator<(const Decimal& o) const { return Compare(o) < 0; }

  // Quotient scale: max(a.scale, b.scale) + 10, capped at kMaxScale.
  static int32_t DivisionScale(const Decimal& a, const Decimal& b);

 private:
  Int coef_ = 0;
  int32_t scale_ = 0;
};

}  // namespace topo
