#include "operators/branch.h"

#include "tests/testing/topology_util.h"

namespace topo {
namespace {

using testing::Compile;
using testing::Outputs;

TEST(BranchTest, RoutesToEveryMatchingCaseAndDefault) {
  auto t = Compile(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(), big: topo.topic(), even: topo.topic(), rest: topo.topic() },
  nodes: {
    src: topo.source('in'),
    b: topo.branch('src', cases={ big: 'value.n > 10', even: 'value.n % 2 == 0' }),
    s1: topo.sink('b.big', 'big'),
    s2: topo.sink('b.even', 'even'),
    s3: topo.sink('b.default', 'rest'),
  },
}))");
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  for (int n : {12, 4, 3}) ASSERT_TRUE(d.Pipe("in", "k", Value(Object{{"n", n}})).ok());
  EXPECT_EQ(Outputs(d, "big").size(), 1u);   // 12
  EXPECT_EQ(Outputs(d, "even").size(), 2u);  // 12, 4
  ASSERT_EQ(Outputs(d, "rest").size(), 1u);  // 3
  EXPECT_EQ(Outputs(d, "rest")[0].value.Get("n")->as_int(), 3);
}

TEST(BranchTest, WithoutDefaultUnmatchedRecordsAreCountedAsDropped) {
  auto t = Compile(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(), big: topo.topic() },
  nodes: {
    src: topo.source('in'),
    b: topo.branch('src', cases={ big: 'value.n > 10' }, default=false),
    s1: topo.sink('b.big', 'big'),
  },
}))");
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "k", Value(Object{{"n", 1}})).ok());
  EXPECT_TRUE(Outputs(d, "big").empty());
  EXPECT_EQ(d.MetricsFor("b").dropped, 1u);
  EXPECT_EQ(d.MetricsFor("b").skipped, 0u);
}

}  // namespace
}  // namespace topo
