#include "operators/sink.h"
#include "operators/source.h"
#include "tests/testing/topology_util.h"

namespace topo {
namespace {

using testing::Compile;
using testing::Json;
using testing::Outputs;

constexpr const char* kPassThrough = R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: {
    'in': topo.topic(partitions=6),
    out: topo.topic(partitions=6),
    dlq: topo.topic(partitions=2),
  },
  nodes: {
    src: topo.source('in', timestamp='parse_time(value.at)', onError=topo.dlq('dlq')),
    sink: topo.sink('src', 'out'),
  },
}))";

TEST(SourceTest, TimestampExpressionSetsEventTime) {
  auto t = Compile(kPassThrough);
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "k", Json(R"({"at":"2025-01-15T10:30:00.000Z"})"), 5).ok());
  ASSERT_EQ(d.outputs().at("out").size(), 1u);
  EXPECT_EQ(d.outputs().at("out")[0].timestamp.value(), 1736937000000);
}

TEST(SourceTest, UndecodableValueGoesToDeadLetterWithOriginalBytesAndHeaders) {
  auto t = Compile(kPassThrough);
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  RawRecord raw;
  raw.topic = "in";
  raw.key = "k-1";
  raw.value = "{not json";
  raw.headers = {{"trace", "t-1"}};
  ASSERT_TRUE(d.PipeRaw(raw).ok());
  EXPECT_EQ(d.outputs().count("out"), 0u);
  const auto& dead = d.outputs().at("dlq");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(*dead[0].key, "k-1");
  EXPECT_EQ(*dead[0].value, "{not json");
  std::map<std::string, std::string> h(dead[0].headers.begin(), dead[0].headers.end());
  EXPECT_EQ(h["trace"], "t-1");
  EXPECT_EQ(h["topo.node"], "src");
  EXPECT_EQ(h["topo.source.topic"], "in");
  EXPECT_EQ(h["topo.attempt"], "1");
  EXPECT_NE(h["topo.error"].find("does not decode"), std::string::npos) << h["topo.error"];
  EXPECT_EQ(d.MetricsFor("src").dead_lettered, 1u);
}

TEST(SourceTest, UndecodableValueWithFailPolicyStopsNamingThePosition) {
  auto t = Compile(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(), out: topo.topic() },
  nodes: { src: topo.source('in'), sink: topo.sink('src', 'out') },
}))");
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  RawRecord raw;
  raw.topic = "in";
  raw.value = "[1,";
  Status s = d.PipeRaw(raw);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  EXPECT_NE(s.message().find("node 'src'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("in[0]@0"), std::string::npos) << s.message();
}

TEST(SinkTest, DefaultPartitionerIsKafkaMurmur2) {
  auto t = Compile(kPassThrough);
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  for (const char* k : {"d-1", "d-2", "d-3", "d-42", "inv_1"}) {
    ASSERT_TRUE(d.Pipe("in", k, Json(R"({"at":"2025-01-15"})")).ok());
  }
  for (const auto& o : Outputs(d, "out")) EXPECT_EQ(o.partition, expr::PartitionForKey(o.key.as_string(), 6));
}

TEST(SinkTest, ExplicitPartitionExpressionAndRangeCheck) {
  auto t = Compile(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(), out: topo.topic(partitions=3) },
  nodes: { src: topo.source('in'), sink: topo.sink('src', 'out', partition='value.p', onError='skip') },
}))");
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "k", Json(R"({"p":2})")).ok());
  ASSERT_TRUE(d.Pipe("in", "k", Json(R"({"p":3})")).ok());  // out of range: skipped and counted
  auto out = Outputs(d, "out");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].partition, 2);
  EXPECT_EQ(d.MetricsFor("sink").skipped, 1u);
}

TEST(SinkTest, KeyAndValueExpressions) {
  auto t = Compile(R"jsonnet(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(), out: topo.topic(key='string', value='string') },
  nodes: { src: topo.source('in'), sink: topo.sink('src', 'out', key='value.id', value="concat('id=', value.id)") },
}))jsonnet");
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "k", Json(R"({"id":"x"})")).ok());
  const auto& raw = d.outputs().at("out");
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(*raw[0].key, "x");
  EXPECT_EQ(*raw[0].value, "id=x");
}

}  // namespace
}  // namespace topo
