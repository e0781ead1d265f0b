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
  const Projection& p = t->SourceProjection("src");
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
  EXPECT_TRUE(t->SourceProjection("src").whole);
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
  EXPECT_TRUE(t->SourceProjection("src").whole);
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
  const Projection& p = t->SourceProjection("src");
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

}  // namespace
}  // namespace topo
