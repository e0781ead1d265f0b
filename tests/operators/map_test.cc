#include "operators/map.h"

#include "tests/testing/topology_util.h"

namespace topo {
namespace {

using testing::Compile;
using testing::Json;
using testing::Outputs;
using testing::SourceToSinkTopology;

TEST(MapTest, BothExpressionsSeeTheInputRecord) {
  auto t = Compile(
      SourceToSinkTopology("last: topo.map('src', key='value.id', value='{old_key: key, id: value.id}'),"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "k0", Json(R"({"id":"x1"})")).ok());
  auto out = Outputs(d, "out");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].key.as_string(), "x1");
  EXPECT_TRUE(out[0].value.Equals(Json(R"({"old_key":"k0","id":"x1"})")));
}

TEST(MapTest, DecimalMoneyStaysExact) {
  auto t = Compile(SourceToSinkTopology(
      "last: topo.map('src', value=\"{gross: decimal(value.amount), fee: round(decimal(value.amount) * "
      "decimal('0.01'), 2)}\"),"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "inv_1", Json(R"({"amount":"16.49"})")).ok());
  auto out = Outputs(d, "out");
  ASSERT_EQ(out.size(), 1u);
  // The JSON sink writes decimals with their exact digits.
  const auto& raw = d.outputs().at("out")[0];
  EXPECT_EQ(*raw.value, R"({"gross":16.49,"fee":0.16})");
}

}  // namespace
}  // namespace topo
