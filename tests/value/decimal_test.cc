#include "engine/value/decimal.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace topo {
namespace {

Decimal D(std::string_view s) {
  auto r = Decimal::Parse(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().ToString();
  return r.ok() ? *r : Decimal();
}

std::string S(const Result<Decimal>& r) { return r.ok() ? r->ToString() : "error: " + r.status().message(); }

const std::string k38Nines(38, '9');

TEST(DecimalParse, PlainNotation) {
  EXPECT_EQ(D("16.49").coefficient(), 1649);
  EXPECT_EQ(D("16.49").scale(), 2);
  EXPECT_EQ(D("16.50").ToString(), "16.50");
  EXPECT_EQ(D("-0.05").ToString(), "-0.05");
  EXPECT_EQ(D("0.001").ToString(), "0.001");
  EXPECT_EQ(D("100").ToString(), "100");
  EXPECT_EQ(D("+7").ToString(), "7");
  EXPECT_EQ(D("-0").ToString(), "0");
  EXPECT_EQ(D(".5").ToString(), "0.5");
  EXPECT_EQ(D("5.").ToString(), "5");
  EXPECT_EQ(D("000123.4500").ToString(), "123.4500");
}

TEST(DecimalParse, ExponentNotation) {
  EXPECT_EQ(D("1e3").ToString(), "1000");
  EXPECT_EQ(D("1e3").scale(), 0);
  EXPECT_EQ(D("+2.5E-2").ToString(), "0.025");
  EXPECT_EQ(D("-1.25e1").ToString(), "-12.5");
  EXPECT_EQ(D("1.5e+2").ToString(), "150");
  EXPECT_EQ(D("12e-5").ToString(), "0.00012");
  EXPECT_EQ(D("0e10").ToString(), "0");
}

TEST(DecimalParse, Errors) {
  for (const char* bad : {"", " 1", "1 ", "abc", "1.2.3", "--1", "+", "-", ".", "1e", "1e+", "e5", "1x",
                          "0x10", "1,5", "NaN", "inf"}) {
    auto r = Decimal::Parse(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "'";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(DecimalParse, ThirtyEightDigits) {
  EXPECT_EQ(D(k38Nines).ToString(), k38Nines);
  EXPECT_EQ(D("-" + k38Nines).ToString(), "-" + k38Nines);
  EXPECT_EQ(D("0." + k38Nines.substr(0, 36)).scale(), 36);
  EXPECT_EQ(D("1234567890123456789.0123456789012345678").ToString(),
            "1234567890123456789.0123456789012345678");
  EXPECT_FALSE(Decimal::Parse(k38Nines + "9").ok());
  EXPECT_FALSE(Decimal::Parse("1e38").ok());  // 39 digits
  EXPECT_EQ(D("1e37").ToString(), "1" + std::string(37, '0'));
  EXPECT_EQ(D("0000000000" + k38Nines).ToString(), k38Nines);  // leading zeros are not digits
}

TEST(DecimalParse, ScaleLimit) {
  EXPECT_FALSE(Decimal::Parse("1e-37").ok());
  EXPECT_EQ(D("1e-36").ToString(), "0." + std::string(35, '0') + "1");
  // Exact trailing zeros beyond 36 fraction digits are dropped, not an error.
  EXPECT_EQ(D("0." + std::string(35, '0') + "1000").ToString(), "0." + std::string(35, '0') + "1");
  EXPECT_FALSE(Decimal::Parse("1.0" + std::string(40, '0')).ok());  // 42 digits
  EXPECT_FALSE(Decimal::Parse("1e99999999999999999999").ok());
  EXPECT_EQ(D("0e-99999999999").ToString(), "0." + std::string(36, '0'));
}

TEST(DecimalFromDouble, ShortestRoundTrip) {
  EXPECT_EQ(Decimal::FromDouble(16.49)->ToString(), "16.49");
  EXPECT_EQ(Decimal::FromDouble(0.1)->ToString(), "0.1");
  EXPECT_EQ(Decimal::FromDouble(-2.5)->ToString(), "-2.5");
  EXPECT_EQ(Decimal::FromDouble(100.0)->ToString(), "100");
  EXPECT_EQ(Decimal::FromDouble(1e20)->ToString(), "100000000000000000000");
  EXPECT_EQ(Decimal::FromDouble(1.5e-7)->ToString(), "0.00000015");
  EXPECT_EQ(Decimal::FromDouble(0.1 + 0.2)->ToString(), "0.30000000000000004");
  EXPECT_TRUE(Decimal::FromDouble(5e-324)->IsZero());  // rounds to 36 fraction digits
  EXPECT_FALSE(Decimal::FromDouble(1e300).ok());
  EXPECT_FALSE(Decimal::FromDouble(std::numeric_limits<double>::quiet_NaN()).ok());
  EXPECT_FALSE(Decimal::FromDouble(std::numeric_limits<double>::infinity()).ok());
  EXPECT_FALSE(Decimal::FromDouble(-std::numeric_limits<double>::infinity()).ok());
}

TEST(DecimalConvert, ToStringKeepsScale) {
  EXPECT_EQ(Decimal(1650, 2).ToString(), "16.50");
  EXPECT_EQ(Decimal(-5, 2).ToString(), "-0.05");
  EXPECT_EQ(Decimal(1, 3).ToString(), "0.001");
  EXPECT_EQ(Decimal(100, 0).ToString(), "100");
  EXPECT_EQ(Decimal(0, 2).ToString(), "0.00");
  EXPECT_EQ(Decimal(-123456, 3).ToString(), "-123.456");
  std::string out = "x=";
  Decimal(-1, 1).AppendTo(out);
  EXPECT_EQ(out, "x=-0.1");
}

TEST(DecimalConvert, ToDoubleAndInt) {
  EXPECT_EQ(D("16.49").ToDouble(), 16.49);
  EXPECT_EQ(D("-0.1").ToDouble(), -0.1);
  EXPECT_EQ(D("0").ToDouble(), 0.0);
  EXPECT_EQ(D("1e37").ToDouble(), 1e37);
  EXPECT_EQ(*D("16.99").ToInt64(), 16);
  EXPECT_EQ(*D("-16.99").ToInt64(), -16);
  EXPECT_EQ(*D("9223372036854775807").ToInt64(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(*D("-9223372036854775808.9").ToInt64(), std::numeric_limits<int64_t>::min());
  EXPECT_FALSE(D("9223372036854775808").ToInt64().ok());
  EXPECT_EQ(D("9223372036854775808").ToInt64().status().code(), StatusCode::kOutOfRange);
}

TEST(DecimalArithmetic, AddSubExact) {
  EXPECT_EQ(S(D("0.1").Add(D("0.2"))), "0.3");
  EXPECT_TRUE(*D("0.1").Add(D("0.2")) == D("0.3"));
  EXPECT_EQ(S(D("16.5").Add(D("0.01"))), "16.51");
  EXPECT_EQ(S(D("1").Sub(D("0.001"))), "0.999");
  EXPECT_EQ(S(D("-5.5").Sub(D("-5.5"))), "0.0");
  EXPECT_EQ(S(D("100").Add(D("-250.75"))), "-150.75");
}

TEST(DecimalArithmetic, Overflow) {
  auto r = D(k38Nines).Add(D("1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(r.status().message().find("overflow"), std::string::npos);
  EXPECT_FALSE(D("-" + k38Nines).Sub(D("1")).ok());
  // Rescaling to the common scale overflows.
  EXPECT_FALSE(D("1e37").Add(D("0.1")).ok());
  EXPECT_FALSE(D("1e20").Mul(D("1e20")).ok());
  EXPECT_EQ(D("1e20").Mul(D("1e20")).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(S(D(k38Nines).Sub(D(k38Nines))), "0");
}

TEST(DecimalArithmetic, Mul) {
  EXPECT_EQ(S(D("16.49").Mul(D("3"))), "49.47");
  EXPECT_EQ(S(D("1.5").Mul(D("-0.2"))), "-0.30");
  EXPECT_EQ(S(D("0").Mul(D("123.456"))), "0.000");
  // Trailing zeros are shed when the exact product would not fit otherwise.
  EXPECT_EQ(S(D("1" + std::string(19, '0') + ".0").Mul(D("1" + std::string(17, '0') + ".0"))),
            "1" + std::string(36, '0'));
  // Beyond 36 fraction digits the product rounds half-even.
  EXPECT_EQ(S(D("0." + std::string(19, '0') + "1").Mul(D("0." + std::string(15, '0') + "15"))),
            "0." + std::string(35, '0') + "2");
  EXPECT_EQ(S(D("0." + std::string(19, '0') + "1").Mul(D("0." + std::string(15, '0') + "25"))),
            "0." + std::string(35, '0') + "2");
}

TEST(DecimalArithmetic, Div) {
  EXPECT_EQ(Decimal::DivisionScale(D("1"), D("3")), 10);
  EXPECT_EQ(S(D("1").Div(D("3"))), "0.3333333333");
  EXPECT_EQ(S(D("2").Div(D("3"))), "0.6666666667");
  EXPECT_EQ(S(D("-2").Div(D("3"))), "-0.6666666667");
  EXPECT_EQ(S(D("10.00").Div(D("4"))), "2.500000000000");
  EXPECT_EQ(S(D("1").Div(D("-8"))), "-0.1250000000");
  // Half-even at the last digit: 0.00000000005 -> 0.0000000000 (0 is even).
  EXPECT_EQ(S(D("1").Div(D("20000000000"))), "0.0000000000");
  EXPECT_EQ(S(D("3").Div(D("20000000000"))), "0.0000000002");
  auto z = D("1").Div(D("0.00"));
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(z.status().message(), "division by zero");
  // Dividend whose scaled form would not fit 128 bits: long division copes.
  EXPECT_EQ(S(D("1e30").Div(D("1e29"))), "10.0000000000");
  EXPECT_FALSE(D("1e30").Div(D("0.0000001")).ok());  // 1e37 with 17 fraction digits: too many digits
  EXPECT_EQ(S(D(k38Nines).Div(D(k38Nines))), "1.0000000000");
  // Scale is capped at 36.
  EXPECT_EQ(Decimal::DivisionScale(D("1e-30"), D("1")), 36);
  EXPECT_EQ(S(D("0.000000000000000000000000000001").Div(D("3"))), "0.000000000000000000000000000000333333");
}

TEST(DecimalArithmetic, Mod) {
  EXPECT_EQ(S(D("10").Mod(D("3"))), "1");
  EXPECT_EQ(S(D("-10").Mod(D("3"))), "-1");
  EXPECT_EQ(S(D("10").Mod(D("-3"))), "1");
  EXPECT_EQ(S(D("10.5").Mod(D("3"))), "1.5");
  EXPECT_EQ(S(D("7").Mod(D("0.25"))), "0.00");
  EXPECT_EQ(S(D("1e37").Mod(D("0.3"))), "0.1");  // 10^37 = 3 * 3.33..e36 + 1
  EXPECT_EQ(S(D("0.5").Mod(D("1e37"))), "0.5");
  EXPECT_EQ(D("1").Mod(D("0")).status().message(), "division by zero");
}

TEST(DecimalRound, HalfEvenTies) {
  EXPECT_EQ(S(D("2.5").Round(0)), "2");
  EXPECT_EQ(S(D("3.5").Round(0)), "4");
  EXPECT_EQ(S(D("-2.5").Round(0)), "-2");
  EXPECT_EQ(S(D("-3.5").Round(0)), "-4");
  EXPECT_EQ(S(D("2.51").Round(0)), "3");
  EXPECT_EQ(S(D("16.485").Round(2)), "16.48");
  EXPECT_EQ(S(D("16.495").Round(2)), "16.50");
}

TEST(DecimalRound, EveryMode) {
  struct Case {
    const char* in;
    RoundingMode mode;
    const char* want;
  };
  const Case cases[] = {
      {"2.5", RoundingMode::kHalfUp, "3"},     {"-2.5", RoundingMode::kHalfUp, "-3"},
      {"2.4", RoundingMode::kHalfUp, "2"},     {"2.5", RoundingMode::kHalfDown, "2"},
      {"-2.5", RoundingMode::kHalfDown, "-2"}, {"2.51", RoundingMode::kHalfDown, "3"},
      {"2.1", RoundingMode::kUp, "3"},         {"-2.1", RoundingMode::kUp, "-3"},
      {"2.0", RoundingMode::kUp, "2"},         {"2.9", RoundingMode::kDown, "2"},
      {"-2.9", RoundingMode::kDown, "-2"},     {"2.1", RoundingMode::kCeiling, "3"},
      {"-2.9", RoundingMode::kCeiling, "-2"},  {"2.9", RoundingMode::kFloor, "2"},
      {"-2.1", RoundingMode::kFloor, "-3"},    {"0.4", RoundingMode::kHalfEven, "0"},
      {"-0.6", RoundingMode::kHalfEven, "-1"},
  };
  for (const auto& c : cases) EXPECT_EQ(S(D(c.in).Round(0, c.mode)), c.want) << c.in;
  EXPECT_EQ(S(D("0.0001").Round(2, RoundingMode::kUp)), "0.01");
  EXPECT_EQ(S(D("-0.0001").Round(2, RoundingMode::kFloor)), "-0.01");
}

TEST(DecimalRound, PadAndLimits) {
  EXPECT_EQ(S(D("16.5").Round(2)), "16.50");
  EXPECT_EQ(S(D("7").Round(3)), "7.000");
  EXPECT_EQ(S(D("0.123456").Round(6)), "0.123456");
  EXPECT_FALSE(D("1").Round(-1).ok());
  EXPECT_FALSE(D("1").Round(37).ok());
  EXPECT_FALSE(D(k38Nines).Round(1).ok());
  EXPECT_EQ(S(D("0.000000000000000000000000000000000001").Round(0, RoundingMode::kUp)), "1");
}

TEST(DecimalNormalize, StripsTrailingZeros) {
  EXPECT_EQ(D("16.50").Normalized().ToString(), "16.5");
  EXPECT_EQ(D("2.00").Normalized().ToString(), "2");
  EXPECT_EQ(D("100").Normalized().ToString(), "100");
  EXPECT_EQ(D("0.000").Normalized().ToString(), "0");
  EXPECT_EQ(D("-0.0100").Normalized().ToString(), "-0.01");
}

TEST(DecimalCompare, AcrossScales) {
  EXPECT_EQ(D("1.50").Compare(D("1.5")), 0);
  EXPECT_TRUE(D("1.50") == D("1.5"));
  EXPECT_TRUE(D("0.00") == D("0"));
  EXPECT_TRUE(D("-1") < D("0.001"));
  EXPECT_TRUE(D("1.001") < D("1.01"));
  EXPECT_TRUE(D("-1.01") < D("-1.001"));
  EXPECT_EQ(D("2").Compare(D("10")), -1);
  // Rescaling the left side would overflow 128 bits: still ordered.
  Decimal big = D(k38Nines);
  Decimal tiny = D("0.000000000000000000000000000000000001");
  EXPECT_EQ(big.Compare(tiny), 1);
  EXPECT_EQ(tiny.Compare(big), -1);
  EXPECT_EQ(big.Negate().Compare(tiny.Negate()), -1);
  EXPECT_EQ(tiny.Negate().Compare(big.Negate()), 1);
  EXPECT_EQ(D("1e36").Compare(D("1" + std::string(36, '0') + ".0")), 0);
}

TEST(DecimalRoundingMode, Parse) {
  EXPECT_EQ(*ParseRoundingMode("half_even"), RoundingMode::kHalfEven);
  EXPECT_EQ(*ParseRoundingMode("half_up"), RoundingMode::kHalfUp);
  EXPECT_EQ(*ParseRoundingMode("half_down"), RoundingMode::kHalfDown);
  EXPECT_EQ(*ParseRoundingMode("up"), RoundingMode::kUp);
  EXPECT_EQ(*ParseRoundingMode("down"), RoundingMode::kDown);
  EXPECT_EQ(*ParseRoundingMode("ceiling"), RoundingMode::kCeiling);
  EXPECT_EQ(*ParseRoundingMode("floor"), RoundingMode::kFloor);
  auto bad = ParseRoundingMode("HALF_EVEN");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("HALF_EVEN"), std::string::npos);
}

}  // namespace
}  // namespace topo
