#include "engine/base/numbers.h"

#include <gtest/gtest.h>

namespace topo {
namespace {

TEST(ParseInt64, WholeTextOrNothing) {
  EXPECT_EQ(ParseInt64("12"), 12);
  EXPECT_EQ(ParseInt64("-1"), -1);
  EXPECT_EQ(ParseInt64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseInt64(""), std::nullopt);
  EXPECT_EQ(ParseInt64("1G"), std::nullopt);
  EXPECT_EQ(ParseInt64(" 12"), std::nullopt);
  EXPECT_EQ(ParseInt64("+12"), std::nullopt);
  EXPECT_EQ(ParseInt64("9223372036854775808"), std::nullopt);
}

}  // namespace
}  // namespace topo
