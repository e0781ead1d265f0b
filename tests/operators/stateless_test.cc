#include "operators/stateless.h"

#include "engine/base/partitioner.h"
#include "tests/testing/topology_util.h"

namespace topo {
namespace {

using testing::Compile;
using testing::Json;
using testing::Outputs;

// A topology with one source topic `in` (4 partitions) and one sink topic `out`,
// with `nodes` placed between them; the last node must be named `last`.
std::string Topology(const std::string& nodes, const std::string& extra_topics = "") {
  return R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(partitions=4), out: topo.topic(partitions=4), )" +
         extra_topics + R"( },
  nodes: { src: topo.source('in'), )" +
         nodes + R"( sink: topo.sink('last', 'out') },
}))";
}

TEST(FilterTest, KeepsMatchingRecordsOnly) {
  auto t = Compile(Topology("last: topo.filter('src', \"value.status == 'FUNDED' && value.amount > 100\"),"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "a", Json(R"({"status":"FUNDED","amount":150})")).ok());
  ASSERT_TRUE(d.Pipe("in", "b", Json(R"({"status":"FUNDED","amount":50})")).ok());
  ASSERT_TRUE(d.Pipe("in", "c", Json(R"({"status":"DRAFT","amount":500})")).ok());
  ASSERT_TRUE(d.Pipe("in", "d", Json(R"({"amount":500})")).ok());  // missing field -> null -> false
  auto out = Outputs(d, "out");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].key.as_string(), "a");
  EXPECT_EQ(d.MetricsFor("last").in, 4u);
}

TEST(FilterTest, NonBoolResultIsAnErrorOfTheRecord) {
  auto t = Compile(Topology("last: topo.filter('src', 'value.status'),"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  Status s = d.Pipe("in", "a", Json(R"({"status":"FUNDED"})"));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("node 'last'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("in["), std::string::npos) << "names the input position: " << s.message();
}

TEST(MapTest, BothExpressionsSeeTheInputRecord) {
  auto t = Compile(Topology("last: topo.map('src', key='value.id', value='{old_key: key, id: value.id}'),"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "k0", Json(R"({"id":"x1"})")).ok());
  auto out = Outputs(d, "out");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].key.as_string(), "x1");
  EXPECT_TRUE(out[0].value.Equals(Json(R"({"old_key":"k0","id":"x1"})")));
}

TEST(MapTest, DecimalMoneyStaysExact) {
  auto t = Compile(Topology(
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

TEST(FlatMapTest, EmitsOneRecordPerItem) {
  auto t = Compile(Topology(
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
  auto t = Compile(Topology("last: topo.flatMap('src', 'value.lines', onError='skip'),"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "o-1", Json(R"({"lines":"nope"})")).ok());
  EXPECT_TRUE(Outputs(d, "out").empty());
  EXPECT_EQ(d.MetricsFor("last").skipped, 1u);
}

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

TEST(MergeTest, ForwardsBothInputs) {
  auto t =
      Compile(Topology("l: topo.filter('src', 'value.n < 5'), r: topo.filter('src', 'value.n > 5'), last: "
                       "topo.merge(['l', 'r']),"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  for (int n : {1, 5, 9}) ASSERT_TRUE(d.Pipe("in", "k", Value(Object{{"n", n}})).ok());
  EXPECT_EQ(Outputs(d, "out").size(), 2u);
}

TEST(RekeyTest, NewKeyDecidesThePartition) {
  auto t = Compile(Topology("last: topo.rekey('src', 'value.user'),"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "order-1", Json(R"({"user":"u-1"})")).ok());
  auto out = Outputs(d, "out");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].key.as_string(), "u-1");
  EXPECT_EQ(out[0].partition, PartitionForKey("u-1", 4));
}

TEST(StatelessCompileTest, FilterMustBeBoolWhenTypeIsKnown) {
  auto diags = testing::CompileErrors(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(schema={ s: 'string' }) },
  nodes: { src: topo.source('in'), f: topo.filter('src', 'value.s') },
}))");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].node, "f");
  EXPECT_NE(diags[0].message.find("must be bool"), std::string::npos) << diags[0].message;
}

}  // namespace
}  // namespace topo
