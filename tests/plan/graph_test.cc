#include "engine/plan/graph.h"

#include <gtest/gtest.h>

#include <map>

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

// What outlives a run, per sub-topology: its name -> its task ids as text
// (the names of state directories and changelog checkpoints).
std::map<std::string, std::vector<std::string>> PersistentIds(const Graph& g) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& sub : g.subtopologies)
    for (int32_t p = 0; p < sub.partitions; ++p) out[sub.name].push_back(sub.Task(p).ToString());
  return out;
}

TEST(GraphTest, EditsElsewhereKeepEverySubtopologysIdAndTaskIds) {
  const std::string before = R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { orders: topo.topic(partitions=3), payments: topo.topic(partitions=2),
            audit: topo.topic(), out: topo.topic() },
  nodes: {
    orders_src: topo.source('orders'), orders_out: topo.sink('orders_src', 'out'),
    pay_src: topo.source('payments'), pay_out: topo.sink('pay_src', 'out'),
)";
  // One node added inside an existing sub-topology, and a new sub-topology whose
  // source sorts first: position-based numbering (the old rule) made 'orders'
  // sub-topology 0 before and 1 after, orphaning every task's state.
  const std::string after = before + R"(
    pay_big: topo.filter('pay_src', 'value.amount > 100'), pay_big_out: topo.sink('pay_big', 'out'),
    a_audit: topo.source('audit'), audit_out: topo.sink('a_audit', 'out'),
)";
  const std::string end = "  },\n})";
  Graph g1 = GraphOf(before + end);
  Graph g2 = GraphOf(after + end);
  ASSERT_EQ(g1.subtopologies.size(), 2u);
  ASSERT_EQ(g2.subtopologies.size(), 3u);
  // The scenario does shift positions...
  EXPECT_NE(g1.subtopology_of.at("orders_src"), g2.subtopology_of.at("orders_src"));
  // ...but no sub-topology that existed is renamed, nor is any of its tasks.
  auto ids1 = PersistentIds(g1), ids2 = PersistentIds(g2);
  EXPECT_EQ(ids1.at("orders"), (std::vector<std::string>{"orders_0", "orders_1", "orders_2"}));
  EXPECT_EQ(ids1.at("payments"), (std::vector<std::string>{"payments_0", "payments_1"}));
  for (const auto& [name, tasks] : ids1) EXPECT_EQ(ids2.at(name), tasks) << name;
  EXPECT_EQ(ids2.at("audit"), std::vector<std::string>{"audit_0"});
  // Each node stays in the sub-topology of the same name.
  for (const auto& [node, index] : g1.subtopology_of)
    EXPECT_EQ(g2.subtopologies[g2.subtopology_of.at(node)].name, g1.subtopologies[index].name) << node;
  // Ordered by name; ids are the positions in that order.
  std::vector<std::string> names;
  for (const auto& sub : g2.subtopologies) {
    names.push_back(sub.name);
    EXPECT_EQ(&g2.subtopologies[sub.id], &sub);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"audit", "orders", "payments"}));
  ASSERT_NE(g2.SubtopologyNamed("payments"), nullptr);
  EXPECT_EQ(g2.SubtopologyNamed("payments")->id, g2.SubtopologyReading("payments"));
  EXPECT_EQ(g2.SubtopologyNamed("out"), nullptr);  // written, not read
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
