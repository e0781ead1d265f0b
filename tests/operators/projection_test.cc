// Projection pushdown: a source decodes only what its sub-topology reads of the
// value — and never less than that.
#include "tests/testing/topology_util.h"

namespace topo {
namespace {

using testing::Compile;
using testing::Json;
using testing::Outputs;

std::string Topology(const std::string& nodes) {
  return R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(), out: topo.topic(), other: topo.topic() },
  nodes: { src: topo.source('in'), )" +
         nodes + R"( },
}))";
}

const char* kEvent =
    R"({"id":"d-1","status":"FUNDED","payload":{"amount":"150","currency":"TON"},"extra":[1,2]})";

TEST(ProjectionTest, FilterThenMapDecodesOnlyTheFieldsRead) {
  auto t = Compile(Topology(
      "f: topo.filter('src', \"value.status == 'FUNDED'\"), "
      "m: topo.map('f', value='{id: value.id, amount: value.payload.amount}'), k: topo.sink('m', 'out')"));
  ASSERT_TRUE(t);
  const Projection& p = t->SourceProjection("src", runtime::kSlotValue);
  EXPECT_FALSE(p.whole);
  ASSERT_EQ(p.fields.size(), 3u);
  ASSERT_NE(p.Field("payload"), nullptr);
  EXPECT_NE(p.Field("payload")->Field("amount"), nullptr);
  EXPECT_EQ(p.Field("payload")->Field("currency"), nullptr);
  EXPECT_EQ(p.Field("extra"), nullptr);

  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "k", Json(kEvent)).ok());
  auto out = Outputs(d, "out");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].value.Equals(Json(R"({"id":"d-1","amount":"150"})")));
}

TEST(ProjectionTest, AValueWrittenAsIsIsDecodedWhole) {
  auto t = Compile(Topology("f: topo.filter('src', \"value.status == 'FUNDED'\"), k: topo.sink('f', 'out')"));
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->SourceProjection("src", runtime::kSlotValue).whole);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "k", Json(kEvent)).ok());
  auto out = Outputs(d, "out");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].value.Equals(Json(kEvent)));
}

TEST(ProjectionTest, EveryBranchOfTheGraphCounts) {
  // One reader projects, another passes the value through a branch to a sink.
  auto t =
      Compile(Topology("m: topo.map('src', value='{id: value.id}'), k1: topo.sink('m', 'out'), "
                       "b: topo.branch('src', cases={ funded: \"value.status == 'FUNDED'\" }), k2: "
                       "topo.sink('b.funded', 'other')"));
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->SourceProjection("src", runtime::kSlotValue).whole);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "k", Json(kEvent)).ok());
  ASSERT_EQ(Outputs(d, "other").size(), 1u);
  EXPECT_TRUE(Outputs(d, "other")[0].value.Equals(Json(kEvent)));
}

TEST(ProjectionTest, FunctionArgumentsAndIndexingReadTheWholeField) {
  auto t = Compile(Topology(
      "m: topo.map('src', value='{n: len(value.extra), first: value.extra[0], p: json(value.payload)}'), "
      "k: topo.sink('m', 'out')"));
  ASSERT_TRUE(t);
  const Projection& p = t->SourceProjection("src", runtime::kSlotValue);
  ASSERT_NE(p.Field("extra"), nullptr);
  EXPECT_TRUE(p.Field("extra")->whole);
  ASSERT_NE(p.Field("payload"), nullptr);
  EXPECT_TRUE(p.Field("payload")->whole);
  runtime::TestDriver d(t);
  ASSERT_TRUE(d.Pipe("in", "k", Json(kEvent)).ok());
  auto out = Outputs(d, "out");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].value.Get("n")->as_int(), 2);
  EXPECT_EQ(out[0].value.Get("first")->as_int(), 1);
}

TEST(ProjectionTest, MalformedPayloadIsStillAnError) {
  auto t = Compile(
      Topology("m: topo.map('src', value='{id: value.id}', onError='skip'), k: topo.sink('m', 'out')"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  RawRecord raw;
  raw.topic = "in";
  raw.value = R"({"id":"x", "junk": [1,})";
  Status s = d.PipeRaw(raw);
  EXPECT_FALSE(s.ok()) << "the source's default policy is fail";
}

TEST(ProjectionTest, AKeyNobodyReadsIsNotDecoded) {
  // int64 keys must be 8 bytes: a 3-byte key fails only where the key is read.
  auto topology = [](const std::string& sink) {
    return R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(key='int64'), out: topo.topic() },
  nodes: { src: topo.source('in'), f: topo.filter('src', 'value.ok'), )" +
           sink + R"( },
}))";
  };
  RawRecord raw;
  raw.topic = "in";
  raw.key = "abc";
  raw.value = R"({"ok":true,"id":"x"})";

  auto rekeyed = Compile(topology("sink: topo.sink('f', 'out', key='value.id')"));
  ASSERT_TRUE(rekeyed);
  EXPECT_TRUE(rekeyed->SourceProjection("src", runtime::kSlotKey).reads_nothing());
  runtime::TestDriver d1(rekeyed);
  EXPECT_TRUE(d1.PipeRaw(raw).ok());
  ASSERT_EQ(Outputs(d1, "out").size(), 1u);
  EXPECT_EQ(Outputs(d1, "out")[0].key.as_string(), "x");

  auto keeps_key = Compile(topology("sink: topo.sink('f', 'out')"));
  ASSERT_TRUE(keeps_key);
  EXPECT_TRUE(keeps_key->SourceProjection("src", runtime::kSlotKey).whole);
  runtime::TestDriver d2(keeps_key);
  Status s = d2.PipeRaw(raw);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("key does not decode"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace topo
