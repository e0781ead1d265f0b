#include "operators/filter.h"

#include "tests/testing/topology_util.h"

namespace topo {
namespace {

using testing::Compile;
using testing::Json;
using testing::Outputs;
using testing::SourceToSinkTopology;

TEST(FilterTest, KeepsMatchingRecordsOnly) {
  auto t = Compile(
      SourceToSinkTopology("last: topo.filter('src', \"value.status == 'FUNDED' && value.amount > 100\"),"));
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
  auto t = Compile(SourceToSinkTopology("last: topo.filter('src', 'value.status'),"));
  ASSERT_TRUE(t);
  runtime::TestDriver d(t);
  Status s = d.Pipe("in", "a", Json(R"({"status":"FUNDED"})"));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("node 'last'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("in["), std::string::npos) << "names the input position: " << s.message();
}

TEST(FilterCompileTest, MustBeBoolWhenTypeIsKnown) {
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
