#include "operators/merge.h"

#include "tests/testing/topology_util.h"

namespace topo {
namespace {

using testing::Compile;
using testing::Outputs;
using testing::SourceToSinkTopology;

TEST(MergeTest, ForwardsBothInputs) {
  auto t = Compile(SourceToSinkTopology(
      "l: topo.filter('src', 'value.n < 5'), r: topo.filter('src', 'value.n > 5'), last: "
      "topo.merge(['l', 'r']),"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  for (int n : {1, 5, 9}) ASSERT_TRUE(d.Pipe("in", "k", Value(Object{{"n", n}})).ok());
  EXPECT_EQ(Outputs(d, "out").size(), 2u);
}

}  // namespace
}  // namespace topo
