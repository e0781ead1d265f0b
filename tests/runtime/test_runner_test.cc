#include "engine/runtime/test_runner.h"

#include "tests/testing/topology_util.h"

namespace topo::runtime {
namespace {

TEST(TestRunnerTest, ComparesPerTopicAndPartitionIgnoringCrossTopicOrder) {
  auto t = testing::Compile(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(partitions=3), a: topo.topic(partitions=3), b: topo.topic(partitions=3) },
  nodes: {
    src: topo.source('in'),
    to_a: topo.sink('src', 'a'),
    up: topo.map('src', value='{n: value.n * 2, d: decimal(value.n)}'),
    to_b: topo.sink('up', 'b'),
  },
  tests: [
    topo.test('b listed before a; object key order and number types differ',
      inputs=[topo.record('in', key='x', value={ n: 1 }), topo.record('in', key='y', value={ n: 2 })],
      expect=[
        topo.record('b', key='x', value={ d: 1.0, n: 2 }),
        topo.record('b', key='y', value={ d: 2, n: 4 }),
        topo.record('a', key='x', value={ n: 1 }),
        topo.record('a', key='y', value={ n: 2 }),
      ]),
    topo.test('a missing record fails',
      inputs=[topo.record('in', key='x', value={ n: 1 })],
      expect=[topo.record('a', key='x', value={ n: 1 })]),
    topo.test('wrong partition fails',
      inputs=[topo.record('in', key='x', value={ n: 1 })],
      expect=[topo.record('a', key='x', value={ n: 1 }, partition=99), topo.record('b', key='x', value={ n: 2, d: 1 })]),
  ],
}))");
  ASSERT_TRUE(t);
  auto results = RunDeclaredTests(t);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].passed) << results[0].report;
  EXPECT_FALSE(results[1].passed);
  EXPECT_NE(results[1].report.find("unexpected"), std::string::npos) << results[1].report;
  EXPECT_NE(results[1].report.find("b partition"), std::string::npos) << results[1].report;
  EXPECT_FALSE(results[2].passed);
  EXPECT_NE(results[2].report.find("missing"), std::string::npos) << results[2].report;
}

TEST(TestRunnerTest, RecordsFlowThroughIntermediateTopics) {
  auto t = testing::Compile(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(partitions=2), mid: topo.topic(partitions=5), out: topo.topic() },
  nodes: {
    s1: topo.source('in'), k1: topo.sink('s1', 'mid', key='value.user'),
    s2: topo.source('mid'), m: topo.map('s2', value='{user: key}'), k2: topo.sink('m', 'out'),
  },
  tests: [
    topo.test('through mid', inputs=[topo.record('in', key='o1', value={ user: 'u1' })],
      expect=[topo.record('mid', key='u1', value={ user: 'u1' }), topo.record('out', key='u1', value={ user: 'u1' })]),
  ],
}))");
  ASSERT_TRUE(t);
  auto results = RunDeclaredTests(t);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].passed) << results[0].report;
}

TEST(TestRunnerTest, ATaskFailureFailsTheCaseWithTheError) {
  auto t = testing::Compile(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(), out: topo.topic() },
  nodes: { src: topo.source('in'), m: topo.map('src', value='value.a / value.b'), k: topo.sink('m', 'out') },
  tests: [ topo.test('div by zero', inputs=[topo.record('in', key='x', value={ a: 1, b: 0 })], expect=[]) ],
}))");
  ASSERT_TRUE(t);
  auto results = RunDeclaredTests(t);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].passed);
  EXPECT_NE(results[0].report.find("node 'm'"), std::string::npos) << results[0].report;
}

}  // namespace
}  // namespace topo::runtime
