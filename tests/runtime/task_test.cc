// A task's error policies: a status that leaves a node has had that node's
// policy applied, so no node upstream applies its own to it again.
#include "engine/runtime/task.h"

#include <gtest/gtest.h>

#include "engine/base/clock.h"
#include "engine/runtime/record_collector.h"
#include "tests/testing/topology_util.h"

namespace topo {
namespace {

// A collector whose every write to one topic fails with a record-level
// (not task-fatal) status, as a refusing log might.
class RefusingCollector final : public runtime::RecordCollector {
 public:
  explicit RefusingCollector(std::string topic) : topic_(std::move(topic)) {}
  Status Send(RawRecord record) override {
    if (record.topic == topic_) return Status::Invalid("refused by the log");
    sent.push_back(std::move(record));
    return Status::Ok();
  }
  std::vector<RawRecord> sent;

 private:
  std::string topic_;
};

TEST(TaskTest, AFailedDeadLetterWriteStopsTheTaskInsteadOfMeetingAnUpstreamPolicy) {
  auto t = testing::Compile(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(), out: topo.topic(), dlq: topo.topic() },
  nodes: {
    src: topo.source('in'),
    up: topo.map('src', value='value', onError='skip'),
    down: topo.map('up', value='{x: value.a / 0}', onError=topo.dlq('dlq')),
    sink: topo.sink('down', 'out'),
  },
}))");
  ASSERT_TRUE(t);
  RefusingCollector collector("dlq");
  SystemClock clock;
  auto task = runtime::Task::Create(*t, 0, Partition(0), &collector, &clock);
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  RawRecord raw;
  raw.topic = "in";
  raw.partition = Partition(0);
  raw.value = R"({"a":1})";
  Status s = (*task)->Process(raw);
  // The record could be neither processed nor dead-lettered: the task stops,
  // naming the node whose dead letter failed; `up` did not skip it (before:
  // `up`'s skip policy swallowed down's failure and the record vanished).
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(runtime::IsTaskFatal(s)) << s.ToString();
  EXPECT_NE(s.message().find("node 'down'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("refused by the log"), std::string::npos) << s.message();
  for (const auto& n : (*task)->nodes()) EXPECT_EQ(n->metrics().skipped, 0u) << n->node().id;
  EXPECT_TRUE(collector.sent.empty());
}

}  // namespace
}  // namespace topo
