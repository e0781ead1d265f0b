#include "engine/plan/nesting.h"

#include <gtest/gtest.h>

#include <string>

namespace topo::plan {
namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(NestingTest, CountsBracketsOfEveryKind) {
  EXPECT_EQ(MeasureNesting("1").depth, 1);  // the file itself is a level
  EXPECT_EQ(MeasureNesting("[[[]]]").depth, 4);
  EXPECT_EQ(MeasureNesting("{a: ({b: [1]})}").depth, 5);
}

TEST(NestingTest, FlatArraysObjectsAndBindingsStayShallow) {
  EXPECT_LE(MeasureNesting("[" + Repeat("1 + 2, ", 100000) + "]").depth, 4);
  EXPECT_LE(MeasureNesting("{" + Repeat("a: x.y + z, ", 10000) + "}").depth, 5);
  // A binding's value does not nest into the next binding; the bodies do (one level each).
  EXPECT_EQ(MeasureNesting(Repeat("local a = b.c + d.e;\n", 100) + "a").depth, 1 + 100 + 4);
}

TEST(NestingTest, StringsAndCommentsDoNotCount) {
  const std::string text = R"(
    // [[[[ {{{{
    # ((((
    /* [[[[
       {{{{ */
    local s = '[[[[\' [[[[', t = "{{{{\" {{{{", u = @'((('' ((((', v = @"[[["" [[[[";
    local block = |||
      [[[[ {{{{
    |||;
    [s, t, u, v, block]
  )";
  EXPECT_LE(MeasureNesting(text).depth, 4);
}

TEST(NestingTest, ChainsThatNestWithoutBracketsCount) {
  EXPECT_GT(MeasureNesting("1" + Repeat(" + 1", 2000), 1000000).depth, 2000);
  EXPECT_GT(MeasureNesting(Repeat("-", 2000) + "1", 1000000).depth, 2000);
  EXPECT_GT(MeasureNesting(Repeat("local a = 1; ", 2000) + "a", 1000000).depth, 2000);
  EXPECT_GT(MeasureNesting(Repeat("if x then 1 else ", 2000) + "1", 1000000).depth, 2000);
  EXPECT_GT(MeasureNesting("o" + Repeat(".a", 2000), 1000000).depth, 2000);
  EXPECT_GT(MeasureNesting(Repeat("function(x) ", 2000) + "1", 1000000).depth, 2000);
}

TEST(NestingTest, ReportsTheLineWhereTheLimitIsPassed) {
  const std::string text = "{\n  a: " + Repeat("[", 10) + "\n" + Repeat("[", 100000) + "\n";
  NestingReport r = MeasureNesting(text, 50);
  EXPECT_EQ(r.line, 3);
  EXPECT_EQ(r.depth, 51);  // stops counting at the first level past the limit
  EXPECT_EQ(MeasureNesting(Repeat("[", 50) + Repeat("]", 50), 51).line, 0);
}

}  // namespace
}  // namespace topo::plan
