// The physical plan: one TopicSpec per topic (the only place topic defaults
// are derived), what EnsureTopics gets, stable sub-topology and task ids, and
// the seam through which a step adds an internal topic with its sink/source pair.
#include "engine/runtime/physical_plan.h"

#include <gtest/gtest.h>

#include "tests/testing/topology_util.h"

namespace topo::runtime {
namespace {

// Compiles `jsonnet` with `passes`; null (and a test failure) on problems.
std::shared_ptr<const CompiledTopology> CompileWith(const std::string& jsonnet,
                                                    const std::vector<PlanPass>& passes,
                                                    plan::Diagnostics* diags) {
  operators::RegisterBuiltinOperators();
  auto loaded = plan::LoadTopologyFromString("test.jsonnet", jsonnet, {});
  if (!loaded.ok()) {
    ADD_FAILURE() << loaded.status().message();
    return nullptr;
  }
  auto compiled = CompiledTopology::Compile(std::move(loaded).value(), diags, passes);
  return compiled.ok() ? *compiled : nullptr;
}

TEST(PhysicalPlanTest, ATopicSpecHoldsEveryDefault) {
  plan::Topic bare;
  bare.set_partitions(1);
  std::vector<std::string> problems;
  TopicSpec s = TopicSpecOf("t", bare, EmbeddedProtos(), &problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(s.name, "t");
  EXPECT_EQ(s.role, TopicRole::kUser);
  EXPECT_FALSE(s.internal());
  EXPECT_EQ(s.node, "");
  EXPECT_EQ(s.partitions, 1);
  EXPECT_EQ(s.key_codec, "string");
  EXPECT_EQ(s.value_codec, "json");
  EXPECT_FALSE(s.compact);
  EXPECT_EQ(s.retention_ms, -1);
  EXPECT_EQ(s.max_record_bytes, 1048588);
  EXPECT_TRUE(s.extra.empty());
  EXPECT_TRUE(s.schema.empty());
}

TEST(PhysicalPlanTest, ATopicSpecTakesTheDeclaration) {
  plan::Topic decl;
  decl.set_partitions(6);
  decl.set_key("int64");
  decl.set_value("proto:checkout.PaymentEvent");
  decl.set_cleanup("compact");
  decl.set_retention("1h30m");
  (*decl.mutable_config())["max.message.bytes"] = "2000";
  (*decl.mutable_config())["min.insync.replicas"] = "2";
  std::vector<std::string> problems;
  TopicSpec s = TopicSpecOf("p", decl, EmbeddedProtos(), &problems);
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(s.partitions, 6);
  EXPECT_EQ(s.key_codec, "int64");
  EXPECT_EQ(s.value_codec, "proto:checkout.PaymentEvent");
  EXPECT_TRUE(s.compact);
  EXPECT_EQ(s.retention_ms, 5400000);
  EXPECT_EQ(s.max_record_bytes, 2000);
  EXPECT_EQ(s.extra, (std::map<std::string, std::string>{{"max.message.bytes", "2000"},
                                                         {"min.insync.replicas", "2"}}));
}

TEST(PhysicalPlanTest, EveryProblemOfADeclarationIsReportedWithTheTopic) {
  plan::Topic decl;
  decl.set_partitions(0);
  decl.set_key("yaml");
  decl.set_cleanup("archive");
  decl.set_retention("7 days");
  (*decl.mutable_config())["retention.ms"] = "1000";
  (*decl.mutable_config())["segment.bytes"] = "1";
  (*decl.mutable_config())["max.message.bytes"] = "big";
  std::vector<std::string> problems;
  TopicSpec s = TopicSpecOf("bad", decl, EmbeddedProtos(), &problems);
  ASSERT_EQ(problems.size(), 7u);
  for (const auto& p : problems) EXPECT_EQ(p.rfind("topic 'bad': ", 0), 0u) << p;
  EXPECT_EQ(s.partitions, 1);
  EXPECT_EQ(s.max_record_bytes, 1048588);
}

// What Log::EnsureTopics gets: the same as Application::TopicConfigs derived
// from the proto before the physical plan existed, field for field.
TEST(PhysicalPlanTest, TopicConfigsAreEveryTopicSortedByName) {
  auto t = testing::Compile(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: {
    'in': topo.topic(partitions=3),
    table: topo.topic(partitions=3, cleanup='compact'),
    kept: topo.topic(retention='30d'),
    forever: topo.topic(retention='-1'),
    kafka_spelling: topo.topic(config={ 'retention.ms': '3600000', 'min.insync.replicas': '2' }),
    both: topo.topic(cleanup='compact', retention='1h', config={ 'max.message.bytes': '2000' }),
  },
  nodes: {
    src: topo.source('in'), a: topo.sink('src', 'table'), b: topo.sink('src', 'kept'),
    c: topo.sink('src', 'forever'), d: topo.sink('src', 'kafka_spelling'), e: topo.sink('src', 'both'),
  },
}))");
  ASSERT_TRUE(t);
  std::vector<log::TopicConfig> got = t->TopicConfigs();
  struct Want {
    std::string name;
    int32_t partitions;
    bool compact;
    int64_t retention_ms;
    std::map<std::string, std::string> extra;
  };
  const std::vector<Want> want = {
      {"both", 1, true, 3600000, {{"max.message.bytes", "2000"}}},
      {"forever", 1, false, -1, {}},
      {"in", 3, false, -1, {}},
      {"kafka_spelling", 1, false, 3600000, {{"min.insync.replicas", "2"}, {"retention.ms", "3600000"}}},
      {"kept", 1, false, 2592000000, {}},
      {"table", 3, true, -1, {}},
  };
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].name, want[i].name);
    EXPECT_EQ(got[i].partitions, want[i].partitions) << want[i].name;
    EXPECT_EQ(got[i].compact, want[i].compact) << want[i].name;
    EXPECT_EQ(got[i].retention_ms, want[i].retention_ms) << want[i].name;
    EXPECT_EQ(got[i].extra, want[i].extra) << want[i].name;
  }
}

// What outlives a run, per sub-topology: its name -> its task ids as text
// (the names of state directories and changelog checkpoints).
std::map<std::string, std::vector<std::string>> PersistentIds(const plan::Graph& g) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& sub : g.subtopologies)
    for (int32_t p = 0; p < sub.partitions; ++p) out[sub.name].push_back(sub.Task(p).ToString());
  return out;
}

TEST(PhysicalPlanTest, EditsElsewhereKeepEverySubtopologysIdAndTaskIds) {
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
  auto t1 = testing::Compile(before + end);
  auto t2 = testing::Compile(after + end);
  ASSERT_TRUE(t1 && t2);
  const plan::Graph &g1 = t1->graph(), &g2 = t2->graph();
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

TEST(PhysicalPlanTest, ASubtopologyHasOneTaskPerPartitionOfItsSources) {
  auto t = testing::Compile(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { a: topo.topic(partitions=4), b: topo.topic(partitions=4), mid: topo.topic(partitions=2),
            out: topo.topic() },
  nodes: {
    sa: topo.source('a'), sb: topo.source('b'), m: topo.merge(['sa', 'sb']), k1: topo.sink('m', 'mid'),
    s2: topo.source('mid'), k2: topo.sink('s2', 'out'),
  },
}))");
  ASSERT_TRUE(t);
  const auto* ab = t->graph().SubtopologyNamed("a");
  const auto* mid = t->graph().SubtopologyNamed("mid");
  ASSERT_TRUE(ab && mid);
  EXPECT_EQ(ab->partitions, 4);
  EXPECT_EQ(mid->partitions, 2);
}

TEST(PhysicalPlanTest, SourcesOfOneSubtopologyMustBeCopartitioned) {
  plan::Diagnostics diags = testing::CompileErrors(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { a: topo.topic(partitions=4), b: topo.topic(partitions=6), out: topo.topic() },
  nodes: { sa: topo.source('a'), sb: topo.source('b'), m: topo.merge(['sa', 'sb']), k: topo.sink('m', 'out') },
}))");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].node, "sa");
  EXPECT_EQ(diags[0].message,
            "sources of one sub-topology must be co-partitioned: 'a' has 4 partitions but 'b' has 6");
}

// The seam for repartition, changelog and retry topics: a pass puts an
// internal topic with a sink/source pair in front of `fee`, as the
// repartition step will. The sub-topology splits at the topic, the topic is
// created with the others, and records flow through it.
const char* kFeeTopology = R"(
local topo = import 'topo.libsonnet';
topo.topology('shop', {
  topics: { orders: topo.topic(partitions=4), fees: topo.topic(partitions=4) },
  nodes: {
    events: topo.source('orders'),
    paid: topo.filter('events', "value.paid"),
    fee: topo.map('paid', key='value.customer', value='{customer: value.customer, fee: value.amount / 10}'),
    out: topo.sink('fee', 'fees'),
  },
}))";

Status RepartitionBeforeFee(PhysicalPlan& plan) {
  const std::string topic = "shop-fee-repartition";
  plan::Topic decl;
  decl.set_partitions(4);
  decl.set_key("json");
  RETURN_IF_ERROR(plan.AddInternalTopic(topic, TopicRole::kRepartition, "fee", decl));
  plan::Node sink;
  sink.add_inputs("paid");
  sink.mutable_sink()->set_topic(topic);
  RETURN_IF_ERROR(plan.AddNode("fee-repartition-sink", std::move(sink)));
  plan::Node source;
  source.mutable_source()->add_topics(topic);
  RETURN_IF_ERROR(plan.AddNode("fee-repartition-source", std::move(source)));
  return plan.ReplaceInput("fee", "paid", "fee-repartition-source");
}

TEST(PhysicalPlanTest, APassAddsAnInternalTopicAndSplitsTheSubtopology) {
  plan::Diagnostics diags;
  auto t = CompileWith(kFeeTopology, {RepartitionBeforeFee}, &diags);
  for (const auto& d : diags) ADD_FAILURE() << d.ToString();
  ASSERT_TRUE(t);

  // One spec for the internal topic, beside the user's, with its role and node.
  const TopicSpec* rp = t->topic("shop-fee-repartition");
  ASSERT_NE(rp, nullptr);
  EXPECT_EQ(rp->role, TopicRole::kRepartition);
  EXPECT_STREQ(TopicRoleName(rp->role), "repartition");
  EXPECT_TRUE(rp->internal());
  EXPECT_EQ(rp->node, "fee");
  EXPECT_EQ(rp->partitions, 4);
  EXPECT_EQ(rp->key_codec, "json");
  EXPECT_FALSE(t->topic("orders")->internal());
  std::vector<std::string> created;
  for (const auto& c : t->TopicConfigs()) created.push_back(c.name);
  EXPECT_EQ(created, (std::vector<std::string>{"fees", "orders", "shop-fee-repartition"}));
  EXPECT_EQ(t->proto().topics().count("shop-fee-repartition"), 0u);  // the user's plan stays as written

  // The sub-topology is split at the topic: the upstream part keeps its name.
  const plan::Graph& g = t->graph();
  ASSERT_EQ(g.subtopologies.size(), 2u);
  const auto* up = g.SubtopologyNamed("orders");
  const auto* down = g.SubtopologyNamed("shop-fee-repartition");
  ASSERT_TRUE(up && down);
  EXPECT_EQ(up->nodes, (std::vector<std::string>{"events", "paid", "fee-repartition-sink"}));
  EXPECT_EQ(up->sink_topics, std::vector<std::string>{"shop-fee-repartition"});
  EXPECT_EQ(down->nodes, (std::vector<std::string>{"fee-repartition-source", "fee", "out"}));
  EXPECT_EQ(down->Task(3).ToString(), "shop-fee-repartition_3");
  EXPECT_TRUE(t->physical().IsInternalNode("fee-repartition-sink"));
  EXPECT_FALSE(t->physical().IsInternalNode("fee"));
  ASSERT_NE(t->node("fee-repartition-source"), nullptr);
  EXPECT_EQ(t->node("fee")->subtopology, down->id);

  // Records go through the internal topic and come out as without it.
  TestDriver d(t);
  ASSERT_TRUE(
      d.Pipe("orders", Value("o1"), testing::Json(R"({"paid":true,"customer":"c7","amount":50})")).ok());
  ASSERT_TRUE(
      d.Pipe("orders", Value("o2"), testing::Json(R"({"paid":false,"customer":"c8","amount":9})")).ok());
  EXPECT_EQ(d.Written("shop-fee-repartition").size(), 1u);
  auto out = testing::Outputs(d, "fees");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].key, Value("c7"));
  EXPECT_EQ(out[0].value, testing::Json(R"({"customer":"c7","fee":5})"));
}

TEST(PhysicalPlanTest, APassThatCollidesWithTheUsersNamesIsAProblemOfTheFile) {
  plan::Diagnostics diags;
  auto t = CompileWith(kFeeTopology, {[](PhysicalPlan& plan) {
                         plan::Topic decl;
                         decl.set_partitions(1);
                         return plan.AddInternalTopic("fees", TopicRole::kRetry, "fee", decl);
                       }},
                       &diags);
  EXPECT_EQ(t, nullptr);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].message,
            "topic 'fees' is declared in the topology, but the retry topic of node 'fee' has that name; "
            "rename the declared topic");
}

}  // namespace
}  // namespace topo::runtime
