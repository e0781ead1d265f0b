// validate's checks of a topology's declared tests (engine/runtime/test_checks.h).
#include "engine/runtime/test_checks.h"

#include <gtest/gtest.h>

#include "engine/plan/loader.h"
#include "engine/runtime/compiled_topology.h"

namespace topo {
namespace {

constexpr const char* kTopics = R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: {
    ids: topo.topic(partitions=4, key='int64'),
    texts: topo.topic(value='string'),
    pb: topo.topic(value=topo.proto('checkout.PaymentEvent')),
    out: topo.topic(partitions=2),
  },
  nodes: { s: topo.source('ids'), k: topo.sink('s', 'out') },
)";

// The test problems of kTopics with `tests`, as validate prints them.
std::vector<std::string> Messages(const std::string& tests) {
  auto lt = plan::LoadTopologyFromString("test.jsonnet",
                                         std::string(kTopics) + "  tests: [" + tests + "],\n})", {});
  if (!lt.ok()) return {lt.status().message()};
  plan::Diagnostics diags;
  runtime::CheckDeclaredTests(*lt, runtime::EmbeddedProtos(), &diags);
  std::vector<std::string> out;
  for (const auto& d : diags) out.push_back(d.ToString());
  return out;
}

TEST(TestChecksTest, WellFormedTestsPass) {
  EXPECT_EQ(Messages(R"(
    topo.test('ok',
      inputs=[topo.record('ids', key=7, value={ n: 1 }, timestamp=1700000000000, headers={ h: 'v' }),
              topo.record('texts', key='k', value='plain'),
              topo.record('pb', value={ amount: '1.5' }),
              topo.record('ids', value=null)],
      expect=[topo.record('out', key='7', value={ n: 1 }, partition=1)]),
  )"),
            std::vector<std::string>{});
}

TEST(TestChecksTest, EachProblemIsReportedAtItsRecord) {
  EXPECT_EQ(
      Messages(R"(
    topo.test('one', inputs=[topo.record('idz', key=1)]),
    topo.test('two', inputs=[topo.record('ids', key=1.5), topo.record('ids', key=1, partition=4)],
                     expect=[topo.record('pb', value={ amout: '1' }), topo.record('texts', value=[1])]),
    topo.test('one'),
  )"),
      (std::vector<std::string>{
          "test.jsonnet:12: test 'one': input #1: topic 'idz' is not declared in topics (did you mean "
          "'ids'?)",
          "test.jsonnet:13: test 'two': input #1: key 1.5 does not fit topic 'ids' (key codec 'int64'): "
          "the 'int64' codec cannot encode a double value (it takes an int)",
          "test.jsonnet:13: test 'two': input #2: partition 4 is out of range: topic 'ids' has 4 "
          "partition(s), 0 to 3",
          "test.jsonnet:14: test 'two': expected record #1: value {\"amout\":\"1\"} does not fit topic 'pb' "
          "(value codec 'proto:checkout.PaymentEvent'): cannot encode as checkout.PaymentEvent: field "
          "'amout': "
          "no such field in checkout.PaymentEvent",
          "test.jsonnet:14: test 'two': expected record #2: value [1] does not fit topic 'texts' (value "
          "codec "
          "'string'): the 'string' codec cannot encode a array value (it takes a string, number, bool or "
          "bytes)",
          "test.jsonnet:15: test 'one' is declared twice (first at line 12): test names must be unique",
      }));
}

}  // namespace
}  // namespace topo
