#include "engine/value/text.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "engine/value/value.h"

namespace topo {
namespace {

std::string Double(double d) {
  std::string s;
  AppendDouble(s, d);
  return s;
}

TEST(TextTest, DoublesInShortestRoundTripForm) {
  EXPECT_EQ(Double(16.49), "16.49");
  EXPECT_EQ(Double(0.1), "0.1");
  EXPECT_EQ(Double(3.0), "3");
  EXPECT_EQ(Double(1e21), "1e+21");
  EXPECT_EQ(Double(-0.0), "-0");
  EXPECT_EQ(Double(-1.2345678901234567e-308), "-1.2345678901234567e-308");
  EXPECT_EQ(Double(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(Double(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(Double(-std::numeric_limits<double>::infinity()), "-Infinity");
}

TEST(TextTest, JsonStringEscapes) {
  std::string s = "x=";
  AppendJsonQuoted(s, std::string("q\"b\\n\n\t\r\b\f\x01\x1f\x7f \xc3\xa9", 16));
  EXPECT_EQ(s, "x=\"q\\\"b\\\\n\\n\\t\\r\\b\\f\\u0001\\u001f\x7f \xc3\xa9\"");
}

TEST(TextTest, DebugStringSharesTheText) {
  Value v(
      Array{Value(2.0), Value(std::numeric_limits<double>::quiet_NaN()), Value("a\nb"), Value(Bytes{"ab"})});
  EXPECT_EQ(v.DebugString(), R"([2,NaN,"a\nb",b64"YWI="])");
}

}  // namespace
}  // namespace topo
