// Numbers keep every digit through a topology: passthrough, a map that copies
// a field, decimal() arithmetic, a dead letter, and a schema's 'decimal' field;
// NaN and infinities fail the record at the node that makes them.
#include <map>
#include <string>

#include "operators/sink.h"
#include "operators/source.h"
#include "tests/testing/topology_util.h"

namespace topo {
namespace {

using testing::Compile;

constexpr const char* kTopology = R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: {
    'in': topo.topic(partitions=1),
    typed: topo.topic(partitions=1, schema={ amount: 'decimal', '*': 'any' }),
    same: topo.topic(partitions=1),
    copied: topo.topic(partitions=1),
    fees: topo.topic(partitions=1),
    dlq: topo.topic(partitions=1),
  },
  nodes: {
    src: topo.source('in'),
    same: topo.sink('src', 'same'),
    copy: topo.map('src', value='{a: value.a, n: value.n}'),
    copied: topo.sink('copy', 'copied'),
    typed: topo.source('typed', onError=topo.dlq('dlq')),
    fee: topo.map('typed', value="{fee: round(value.amount * decimal('0.01'), 2), amount: value.amount}"),
    fees: topo.sink('fee', 'fees'),
  },
}))";

std::string PipeOne(runtime::TestDriver& d, const std::string& topic, const std::string& value,
                    const std::string& out) {
  RawRecord raw;
  raw.topic = topic;
  raw.key = "k";
  raw.value = value;
  Status s = d.PipeRaw(raw);
  EXPECT_TRUE(s.ok()) << s.ToString();
  auto it = d.outputs().find(out);
  if (it == d.outputs().end() || it->second.empty()) return "<nothing on " + out + ">";
  return *it->second.back().value;
}

TEST(ExactNumbersTest, PassThroughAndCopiesKeepEveryDigit) {
  auto t = Compile(kTopology);
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  // Beyond a double's 15-17 digits, beyond int64, and 38-digit decimals.
  const std::string doc =
      R"({"a":12345678901234567890.55,"n":123456789012345678901234567890,"c":1234567890123456789012345678.9012345678})";
  EXPECT_EQ(PipeOne(d, "in", doc, "same"), doc);
  EXPECT_EQ(PipeOne(d, "in", doc, "copied"),
            R"({"a":12345678901234567890.55,"n":123456789012345678901234567890})");
}

TEST(ExactNumbersTest, DecimalOfAJsonNumberIsExact) {
  auto t = Compile(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(partitions=1), out: topo.topic(partitions=1) },
  nodes: {
    src: topo.source('in'),
    fee: topo.map('src', value="{fee: round(decimal(value.a) * decimal('0.01'), 2)}"),
    out: topo.sink('fee', 'out'),
  },
}))");
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  EXPECT_EQ(PipeOne(d, "in", R"({"a":12345678901234567890.55})", "out"), R"({"fee":123456789012345678.91})");
  EXPECT_EQ(PipeOne(d, "in", R"({"a":16.49})", "out"), R"({"fee":0.16})");
}

TEST(ExactNumbersTest, SchemaDecimalFieldsDecodeExactFromNumbersAndStrings) {
  auto t = Compile(kTopology);
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  EXPECT_EQ(PipeOne(d, "typed", R"({"amount":12345678901234567890.55})", "fees"),
            R"({"fee":123456789012345678.91,"amount":12345678901234567890.55})");
  EXPECT_EQ(PipeOne(d, "typed", R"({"amount":"16.49"})", "fees"), R"({"fee":0.16,"amount":16.49})");
  EXPECT_EQ(PipeOne(d, "typed", R"({"amount":100})", "fees"), R"({"fee":1.00,"amount":100})");
  // Not a decimal: an error of the record at the source, dead-lettered with its bytes.
  EXPECT_EQ(PipeOne(d, "typed", R"({"amount":"12,5"})", "dlq"), R"({"amount":"12,5"})");
  EXPECT_EQ(PipeOne(d, "typed", R"({"amount":true})", "dlq"), R"({"amount":true})");
  std::map<std::string, std::string> h(d.outputs().at("dlq")[0].headers.begin(),
                                       d.outputs().at("dlq")[0].headers.end());
  EXPECT_NE(h["topo.error"].find("field 'amount' is declared decimal"), std::string::npos) << h["topo.error"];
}

TEST(ExactNumbersTest, DeadLetterKeepsTheNumbersBytes) {
  auto t = Compile(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(partitions=1), out: topo.topic(partitions=1), dlq: topo.topic(partitions=1) },
  nodes: {
    src: topo.source('in'),
    bad: topo.map('src', value="{x: value.a / 0}", onError=topo.dlq('dlq')),
    out: topo.sink('bad', 'out'),
  },
}))");
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  const std::string doc = R"({"a":123456789012345678.91000})";
  EXPECT_EQ(PipeOne(d, "in", doc, "dlq"), doc);
}

TEST(ExactNumbersTest, NanAndInfinityFailTheRecordAtTheMapThatMakesThem) {
  auto t = Compile(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(partitions=1), out: topo.topic(partitions=1), dlq: topo.topic(partitions=1) },
  nodes: {
    src: topo.source('in'),
    calc: topo.map('src', value="{x: value.op == 'mul' ? value.big * 10.0 : double(value.op)}", onError=topo.dlq('dlq')),
    out: topo.sink('calc', 'out'),
  },
}))");
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  // (With constants, validate reports the same: double('NaN') is not a finite double.)
  for (std::string op : {"NaN", "-Infinity", "mul"}) {
    const std::string doc = R"({"op":")" + op + R"(","big":1e308})";
    EXPECT_EQ(PipeOne(d, "in", doc, "dlq"), doc) << op;
    std::map<std::string, std::string> h(d.outputs().at("dlq").back().headers.begin(),
                                         d.outputs().at("dlq").back().headers.end());
    EXPECT_EQ(h["topo.node"], "calc") << op;
    EXPECT_NE(h["topo.error"].find("finite"), std::string::npos) << op << ": " << h["topo.error"];
  }
  EXPECT_EQ(d.outputs().count("out"), 0u);
  EXPECT_EQ(d.MetricsFor("calc").dead_lettered, 3u);
}

}  // namespace
}  // namespace topo
