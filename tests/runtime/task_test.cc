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

class Collect final : public runtime::RecordCollector {
 public:
  Status Send(RawRecord record) override {
    sent.push_back(std::move(record));
    return Status::Ok();
  }
  std::vector<RawRecord> sent;
};

// Issue 9, defect 11: a record whose first branch already wrote to a sink and
// whose second branch is dead-lettered goes to the dead-letter topic whole and
// nothing else of it is written, so replaying the dead letter writes each
// output once.
TEST(TaskTest, ADeadLetteredRecordIsDeadLetteredWholeWithNothingElseOfItWritten) {
  auto t = testing::Compile(R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(), x: topo.topic(), y: topo.topic(), z: topo.topic(), dlq: topo.topic() },
  nodes: {
    src: topo.source('in'),
    a_ok: topo.map('src', value='value'),
    b_bad: topo.map('src', value='{x: 1 / value.d}', onError=topo.dlq('dlq')),
    c_after: topo.map('src', value='value'),
    x: topo.sink('a_ok', 'x'),
    y: topo.sink('b_bad', 'y'),
    z: topo.sink('c_after', 'z'),
  },
}))");
  ASSERT_TRUE(t);
  Collect collector;
  SystemClock clock;
  auto task = runtime::Task::Create(*t, 0, Partition(0), &collector, &clock);
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  RawRecord good, bad;
  good.topic = bad.topic = "in";
  good.value = R"({"d":1})";
  bad.value = R"({"d":0})";
  ASSERT_TRUE((*task)->Process(good).ok());
  ASSERT_EQ(collector.sent.size(), 3u);
  collector.sent.clear();
  ASSERT_TRUE((*task)->Process(bad).ok());
  ASSERT_EQ(collector.sent.size(), 1u) << "before the fix: x's output too, written before b_bad failed";
  EXPECT_EQ(collector.sent[0].topic, "dlq");
  EXPECT_EQ(*collector.sent[0].value, R"({"d":0})");
  for (const auto& n : (*task)->nodes()) {
    if (n->node().id != "c_after") continue;
    EXPECT_EQ(n->metrics().in, 1u) << "c_after did not run for the dead letter";
  }
}

TEST(TaskCollectorTest, OutputWithoutInputMakesTheTaskDirty) {
  Collect out;
  runtime::TaskCollector c(&out);
  EXPECT_FALSE(c.dirty());
  c.BeginRecord();
  ASSERT_TRUE(c.Send(RawRecord{}).ok());
  EXPECT_TRUE(out.sent.empty()) << "held until the record finished";
  ASSERT_TRUE(c.EndRecord(true).ok());
  EXPECT_EQ(out.sent.size(), 1u);
  EXPECT_TRUE(c.dirty());
  c.MarkClean();
  // A punctuation or a cache flush writes outside any input record.
  ASSERT_TRUE(c.Send(RawRecord{}).ok());
  EXPECT_EQ(out.sent.size(), 2u);
  EXPECT_TRUE(c.dirty());
  c.MarkClean();
  c.BeginRecord();
  ASSERT_TRUE(c.Send(RawRecord{}).ok());
  ASSERT_TRUE(c.EndRecord(false).ok());
  EXPECT_EQ(out.sent.size(), 2u) << "a failed record's outputs are dropped";
  EXPECT_FALSE(c.dirty());
}

TEST(TaskStateTest, TheTransitionTable) {
  using runtime::CanTransition;
  using S = runtime::TaskState;
  EXPECT_TRUE(CanTransition(S::kCreated, S::kRestoring));
  EXPECT_TRUE(CanTransition(S::kRestoring, S::kRunning));
  EXPECT_TRUE(CanTransition(S::kRunning, S::kSuspended));
  EXPECT_TRUE(CanTransition(S::kSuspended, S::kRestoring));
  EXPECT_TRUE(CanTransition(S::kSuspended, S::kClosed));
  EXPECT_TRUE(CanTransition(S::kRunning, S::kClosed)) << "lost or fenced: closed without committing";
  EXPECT_FALSE(CanTransition(S::kCreated, S::kRunning)) << "restoring comes first";
  EXPECT_FALSE(CanTransition(S::kSuspended, S::kRunning)) << "resumes through restoring";
  EXPECT_FALSE(CanTransition(S::kClosed, S::kCreated));
  EXPECT_FALSE(CanTransition(S::kRunning, S::kRestoring));
}

}  // namespace
}  // namespace topo
