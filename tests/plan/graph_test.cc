#include "engine/plan/graph.h"

#include <gtest/gtest.h>

namespace topo::plan {
namespace {

Graph GraphOf(const std::string& jsonnet) {
  auto lt = LoadTopologyFromString("t.jsonnet", jsonnet, {});
  EXPECT_TRUE(lt.ok()) << lt.status().message();
  if (!lt.ok()) return {};
  Diagnostics diags;
  Graph g = BuildGraph(*lt, &diags);
  for (const auto& d : diags) ADD_FAILURE() << d.ToString();
  return g;
}

TEST(GraphTest, ASubtopologyIsNamedAfterItsAlphabeticallyFirstSourceTopic) {
  Graph g = GraphOf(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { zeta: topo.topic(), beta: topo.topic(), out: topo.topic() },
  nodes: {
    z: topo.source('zeta'), b: topo.source('beta'),
    both: topo.merge(['z', 'b']), o: topo.sink('both', 'out'),
  },
}))");
  ASSERT_EQ(g.subtopologies.size(), 1u);
  EXPECT_EQ(g.subtopologies[0].name, "beta");
  EXPECT_EQ(g.subtopologies[0].Task(0), (TaskId{"beta", 0}));
}

TEST(GraphTest, EachCycleNamesOnlyItsOwnNodes) {
  auto lt = LoadTopologyFromString("t.jsonnet", R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { a: topo.topic() },
  nodes: {
    src: topo.source('a'),
    both: topo.merge(['src', 'c3']),
    c1: topo.map('both', value='value'),
    c2: topo.map('c1', value='value'),
    c3: topo.map('c2', value='value'),
    downstream: topo.filter('c2', 'true'),
    further: topo.sink('downstream', 'a'),
    d1: topo.map('d2', value='value'), d2: topo.map('d1', value='value'),
    me: topo.map('me', value='value'),
  },
}))",
                                   {});
  ASSERT_TRUE(lt.ok()) << lt.status().message();
  Diagnostics diags;
  Graph g = BuildGraph(*lt, &diags);
  ASSERT_EQ(diags.size(), 3u);
  EXPECT_EQ(diags[0].node, "both");
  EXPECT_EQ(diags[0].message,
            "cycle between nodes: both, c1, c2, c3 (feed a node's output back through a topic instead)");
  EXPECT_EQ(diags[1].message,
            "cycle between nodes: d1, d2 (feed a node's output back through a topic instead)");
  EXPECT_EQ(diags[2].node, "me");
  EXPECT_EQ(diags[2].message,
            "cycle: the node reads its own output (feed a node's output back through a topic instead)");
  EXPECT_EQ(g.order.size(), lt->proto.nodes().size());  // every node kept, for describe
}

TEST(GraphTest, ALongCycleIsOneCycle) {
  const int n = 1000;  // Jsonnet itself slows down quadratically with more nodes
  auto lt = LoadTopologyFromString("t.jsonnet", R"(
local topo = import 'topo.libsonnet';
local n = )" + std::to_string(n) + R"(;
topo.topology('t', {
  nodes: { ['n%05d' % i]: topo.map('n%05d' % ((i + 1) % n), value='value') for i in std.range(0, n - 1) },
}))",
                                   {});
  ASSERT_TRUE(lt.ok()) << lt.status().message();
  Diagnostics diags;
  BuildGraph(*lt, &diags);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].message.rfind("cycle between nodes: n00000, n00001, ", 0), 0u);
  EXPECT_NE(diags[0].message.find("n00999 (feed"), std::string::npos);
}

}  // namespace
}  // namespace topo::plan
