#include "engine/value/projection.h"

#include <gtest/gtest.h>

namespace topo {
namespace {

TEST(ProjectionTest, PathsMergeAndWholeWins) {
  Projection p;
  std::string a[] = {"payload", "amount"};
  std::string b[] = {"payload"};
  p.AddPath(a, 2);
  ASSERT_NE(p.Field("payload"), nullptr);
  EXPECT_FALSE(p.Field("payload")->whole);
  p.AddPath(b, 1);
  EXPECT_TRUE(p.Field("payload")->whole);
  Projection q;
  q.Merge(p);
  EXPECT_TRUE(q.Field("payload")->whole);
  q.Merge(Projection::All());
  EXPECT_TRUE(q.whole);
  EXPECT_TRUE(Projection().reads_nothing());
}

}  // namespace
}  // namespace topo
