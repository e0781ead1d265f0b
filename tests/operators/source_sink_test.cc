#include "engine/base/partitioner.h"
#include "engine/log/record_size.h"
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

TEST(SourceTest, DeadLetterAfterARetryPolicyCountsTheAttemptsMadeNotTheDelays) {
  auto t = Compile(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(), out: topo.topic(), dlq: topo.topic() },
  nodes: {
    src: topo.source('in', onError=topo.retry(['1s', '2s', '4s'], andThen=topo.dlq('dlq'))),
    sink: topo.sink('src', 'out'),
  },
}))");
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  RawRecord raw;
  raw.topic = "in";
  raw.value = "{not json";
  ASSERT_TRUE(d.PipeRaw(raw).ok());
  const auto& dead = d.outputs().at("dlq");
  ASSERT_EQ(dead.size(), 1u);
  std::map<std::string, std::string> h(dead[0].headers.begin(), dead[0].headers.end());
  // Retry delays are not applied yet, so the record was tried once (before: "4").
  EXPECT_EQ(h["topo.attempt"], "1");
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
  for (const auto& o : Outputs(d, "out")) EXPECT_EQ(o.partition, PartitionForKey(o.key.as_string(), 6));
}

TEST(SinkTest, RecordsWithoutAKeyGoRoundRobinFromTheTasksOwnPartition) {
  auto t = Compile(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(partitions=4), out: topo.topic(partitions=4) },
  nodes: { src: topo.source('in'), sink: topo.sink('src', 'out') },
}))");
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  // Three key-less records into input partition 2, then three into 3: each
  // task's round robin starts at its own partition (before: every task at 0).
  for (int32_t in : {2, 2, 2, 3, 3, 3}) {
    RawRecord raw;
    raw.topic = "in";
    raw.partition = Partition(in);
    raw.value = R"({"n":1})";
    ASSERT_TRUE(d.PipeRaw(raw, /*assign_partition=*/false).ok());
  }
  std::vector<int32_t> partitions;
  for (const auto& r : d.outputs().at("out")) partitions.push_back(r.partition.value());
  EXPECT_EQ(partitions, (std::vector<int32_t>{2, 3, 0, 3, 0, 1}));
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

// A record the log would refuse (larger than the topic's max.message.bytes) is
// the sink's record error: its policy dead-letters the input, which fits.
constexpr const char* kTripler = R"jsonnet(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: {
    'in': topo.topic(),
    out: topo.topic(config={ 'max.message.bytes': '1000' }),
    dlq: topo.topic(config={ 'max.message.bytes': '%DLQ_LIMIT%' }),
  },
  nodes: {
    src: topo.source('in'),
    big: topo.map('src', value='{s: concat(value.s, value.s, value.s)}'),
    sink: topo.sink('big', 'out', onError=%POLICY%),
  },
}))jsonnet";

std::string Tripler(const std::string& policy, const std::string& dlq_limit = "1048588") {
  std::string s = kTripler;
  s.replace(s.find("%DLQ_LIMIT%"), 11, dlq_limit);
  s.replace(s.find("%POLICY%"), 8, policy);
  return s;
}

Value Blob(size_t n) { return Value(Object{{"s", Value(std::string(n, 'x'))}}); }

TEST(SinkTest, RecordLargerThanMaxMessageBytesIsDeadLetteredWithTheInput) {
  auto t = Compile(Tripler("topo.dlq('dlq')"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "small", Blob(100)).ok());  // 300 bytes out: fits
  ASSERT_TRUE(d.Pipe("in", "big", Blob(400)).ok());    // 1281 bytes out: too large
  auto out = Outputs(d, "out");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].key, Value("small"));
  const auto& dead = d.outputs().at("dlq");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(*dead[0].key, "big");
  EXPECT_EQ(*dead[0].value, R"({"s":")" + std::string(400, 'x') + R"("})");
  std::map<std::string, std::string> h(dead[0].headers.begin(), dead[0].headers.end());
  EXPECT_EQ(h["topo.node"], "sink");
  EXPECT_NE(h["topo.error"].find("record of 1281 bytes exceeds the max.message.bytes of topic 'out' (1000)"),
            std::string::npos)
      << h["topo.error"];
  EXPECT_EQ(h.count("topo.omitted"), 0u);
  EXPECT_EQ(d.MetricsFor("sink").errors, 1u);
  EXPECT_EQ(d.MetricsFor("sink").dead_lettered, 1u);
}

TEST(SinkTest, RecordLargerThanMaxMessageBytesIsSkippedOrFailsByPolicy) {
  {
    auto t = Compile(Tripler("'skip'"));
    ASSERT_TRUE(t);
    runtime::TestDriver d(t);
    ASSERT_TRUE(d.Pipe("in", "big", Blob(400)).ok());
    EXPECT_EQ(d.outputs().count("out"), 0u);
    EXPECT_EQ(d.MetricsFor("sink").skipped, 1u);
  }
  auto t = Compile(Tripler("'fail'"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  Status s = d.Pipe("in", "big", Blob(400));
  ASSERT_EQ(s.code(), StatusCode::kAborted) << s.ToString();
  EXPECT_NE(s.message().find("node 'sink'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("exceeds the max.message.bytes of topic 'out' (1000)"), std::string::npos)
      << s.message();
}

TEST(SinkTest, DefaultMaxMessageBytesIsKafkasOneMebibytePlusTwelve) {
  auto t = Compile(R"jsonnet(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(), out: topo.topic() },
  nodes: {
    src: topo.source('in'),
    sink: topo.sink('src', 'out', value='concat(value.s, value.s)', onError='skip'),
  },
}))jsonnet");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->topic("out")->max_record_bytes, 1048588);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "k", Blob(524200)).ok());  // 1048400 value bytes: fits
  ASSERT_TRUE(d.Pipe("in", "k", Blob(524300)).ok());  // 1048600: does not
  EXPECT_EQ(d.outputs().at("out").size(), 1u);
  EXPECT_EQ(d.MetricsFor("sink").skipped, 1u);
}

// The dead-letter topic has a limit too: a dead letter that would exceed it
// goes without its value, and says so.
TEST(SinkTest, DeadLetterLargerThanItsTopicsLimitLosesItsValueAndSaysSo) {
  auto t = Compile(Tripler("topo.dlq('dlq')", "800"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "big", Blob(900)).ok());
  const auto& dead = d.outputs().at("dlq");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(*dead[0].key, "big");
  EXPECT_FALSE(dead[0].value.has_value());
  std::map<std::string, std::string> h(dead[0].headers.begin(), dead[0].headers.end());
  EXPECT_EQ(h["topo.node"], "sink");
  EXPECT_EQ(h["topo.omitted"],
            "value (908 bytes): record of 1162 bytes exceeds the max.message.bytes of topic 'dlq' (800)")
      << h["topo.omitted"];
  EXPECT_LE(log::RecordBatchBytes(dead[0]), 800);
}

TEST(SinkTest, MaxMessageBytesMustBeAWholeNumber) {
  auto diags = testing::CompileErrors(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(), out: topo.topic(config={ 'max.message.bytes': '1MB' }) },
  nodes: { src: topo.source('in'), sink: topo.sink('src', 'out') },
}))");
  std::string all;
  for (const auto& d : diags) all += d.ToString() + "\n";
  EXPECT_NE(all.find("topic 'out': config max.message.bytes must be a whole number >= 0 (bytes), not '1MB'"),
            std::string::npos)
      << all;
}

}  // namespace
}  // namespace topo
