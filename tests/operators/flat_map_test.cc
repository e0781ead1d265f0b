#include "operators/flat_map.h"

#include "tests/testing/topology_util.h"

namespace topo {
namespace {

using testing::Compile;
using testing::Json;
using testing::Outputs;
using testing::SourceToSinkTopology;

TEST(FlatMapTest, EmitsOneRecordPerItem) {
  auto t = Compile(SourceToSinkTopology(
      "last: topo.flatMap('src', 'value.lines', key='item.sku', value='{sku: item.sku, order: key}'),"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "o-1", Json(R"({"lines":[{"sku":"A"},{"sku":"B"}]})")).ok());
  ASSERT_TRUE(d.Pipe("in", "o-2", Json(R"({"lines":[]})")).ok());
  ASSERT_TRUE(d.Pipe("in", "o-3", Json(R"({})")).ok());  // null items: nothing
  auto out = Outputs(d, "out");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].key.as_string(), "A");
  EXPECT_EQ(out[1].key.as_string(), "B");
  EXPECT_TRUE(out[1].value.Equals(Json(R"({"sku":"B","order":"o-1"})")));
}

TEST(FlatMapTest, ItemsThatAreNotAnArrayFailTheRecord) {
  auto t = Compile(SourceToSinkTopology("last: topo.flatMap('src', 'value.lines', onError='skip'),"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "o-1", Json(R"({"lines":"nope"})")).ok());
  EXPECT_TRUE(Outputs(d, "out").empty());
  EXPECT_EQ(d.MetricsFor("last").skipped, 1u);
}

}  // namespace
}  // namespace topo
