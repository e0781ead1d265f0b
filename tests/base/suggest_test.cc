#include "engine/base/suggest.h"

#include <gtest/gtest.h>

namespace topo {
namespace {

// Moved from tests/plan/loader_test.cc (GraphTest.DidYouMean) with plan's copy.
TEST(SuggestTest, DidYouMean) {
  EXPECT_EQ(Suggest("evnts", {"events", "payments"}), "events");
  EXPECT_EQ(Suggest("zzzzzz", {"events", "payments"}), "");
}

TEST(SuggestTest, TranspositionsAndCaseCountLittle) {
  EXPECT_EQ(Suggest("amout", {"amount", "currency"}), "amount");
  EXPECT_EQ(Suggest("lwoer", {"upper", "lower"}), "lower");
  EXPECT_EQ(Suggest("Value", {"key", "value"}), "value");
}

TEST(SuggestTest, FirstOfEquallyCloseCandidatesWins) {
  EXPECT_EQ(Suggest("src_c", {"src_a", "src_b"}), "src_a");
  EXPECT_EQ(Suggest("src_c", {"src_b", "src_a"}), "src_b");
}

TEST(SuggestTest, DidYouMeanIsReadyToAppend) {
  EXPECT_EQ(DidYouMean("src_c", {"both", "src_a", "src_b"}), " (did you mean 'src_a'?)");
  EXPECT_EQ(DidYouMean("nothing_like_it", {"src_a"}), "");
  EXPECT_EQ(DidYouMean("x", {}), "");
}

}  // namespace
}  // namespace topo
