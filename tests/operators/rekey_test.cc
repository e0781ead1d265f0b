#include "operators/rekey.h"

#include "engine/base/partitioner.h"
#include "tests/testing/topology_util.h"

namespace topo {
namespace {

using testing::Compile;
using testing::Json;
using testing::Outputs;
using testing::SourceToSinkTopology;

TEST(RekeyTest, NewKeyDecidesThePartition) {
  auto t = Compile(SourceToSinkTopology("last: topo.rekey('src', 'value.user'),"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "order-1", Json(R"({"user":"u-1"})")).ok());
  auto out = Outputs(d, "out");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].key.as_string(), "u-1");
  EXPECT_EQ(out[0].partition, PartitionForKey("u-1", 4));
}

}  // namespace
}  // namespace topo
