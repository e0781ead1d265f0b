// The TaskManager without a log: a task reading two partitions, driven with a
// manual clock and a scripted consumer lag — enforced processing (issue 9
// defects 1 and 2), event-time order (the source's `timestamp=`), and stream
// time committed as metadata and restored from it.
#include "engine/runtime/task_manager.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "engine/base/clock.h"
#include "tests/testing/topology_util.h"

namespace topo::runtime {
namespace {

using log::TopicPartition;

class Collect final : public RecordCollector {
 public:
  Status Send(RawRecord r) override {
    sent.push_back(std::move(r));
    return Status::Ok();
  }
  std::vector<RawRecord> sent;
};

constexpr const char* kMerge = R"(
local topo = import 'topo.libsonnet';
topo.topology('merge', {
  topics: { a: topo.topic(), b: topo.topic(), out: topo.topic() },
  nodes: {
    a: topo.source('a', timestamp='value.t'),
    b: topo.source('b', timestamp='value.t'),
    both: topo.merge(['a', 'b']),
    out: topo.sink('both', 'out'),
  },
}))";

const TopicPartition kA{"a", Partition(0)}, kB{"b", Partition(0)};

RawRecord Rec(const TopicPartition& tp, int64_t offset, int64_t event_time, int64_t log_time) {
  RawRecord r;
  r.topic = tp.topic;
  r.partition = tp.partition;
  r.offset = Offset(offset);
  r.timestamp = TimestampMs(log_time);
  r.value = R"({"t":)" + std::to_string(event_time) + "}";
  return r;
}

class TaskManagerTest : public ::testing::Test {
 protected:
  void Make(std::map<TopicPartition, std::optional<int64_t>> lag,
            std::map<TopicPartition, std::string> committed = {}) {
    topology_ = testing::Compile(kMerge);
    ASSERT_TRUE(topology_);
    lag_ = std::move(lag);
    committed_ = std::move(committed);
    TaskManager::ConsumerView view;
    view.known_lag = [this](const TopicPartition& tp) { return lag_[tp]; };
    view.committed_metadata = [this](const TopicPartition& tp) -> Result<std::optional<std::string>> {
      auto it = committed_.find(tp);
      if (it == committed_.end()) return std::optional<std::string>();
      return std::optional<std::string>(it->second);
    };
    TaskManagerOptions o;
    o.max_records_per_round = 1000;
    o.max_task_idle_ms = 1000;
    tm_ = std::make_unique<TaskManager>(topology_, o, &clock_, &out_, std::move(view));
    auto created = tm_->Assign({kA, kB});
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    ASSERT_EQ(*created, 1);
  }
  void Buffer(std::vector<RawRecord> records) {
    std::vector<TopicPartition> pause;
    ASSERT_TRUE(tm_->Buffer(&records, &pause).ok());
  }
  void Process() {
    std::vector<TopicPartition> resume;
    bool more = false;
    Status s = tm_->Process(&resume, &more);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::vector<int64_t> OutTimes() {
    std::vector<int64_t> t;
    for (const auto& r : out_.sent) t.push_back(r.timestamp.value());
    return t;
  }

  std::shared_ptr<const CompiledTopology> topology_;
  ManualClock clock_{1'000'000};
  Collect out_;
  std::map<TopicPartition, std::optional<int64_t>> lag_;
  std::map<TopicPartition, std::string> committed_;
  std::unique_ptr<TaskManager> tm_;
};

TEST_F(TaskManagerTest, AfterTheIdleWaitEveryBufferedRecordIsProcessedNotOnePerWait) {
  // `b` is known to hold 5 records that never arrive (a fetch that never comes).
  Make({{kA, 0}, {kB, 5}});
  std::vector<RawRecord> a;
  for (int i = 0; i < 100; ++i) a.push_back(Rec(kA, i, 1000 + i, 1000 + i));
  Buffer(std::move(a));
  Process();
  EXPECT_TRUE(out_.sent.empty()) << "waits for b first";
  clock_.Advance(999);
  Process();
  EXPECT_TRUE(out_.sent.empty()) << "still within max_task_idle_ms";
  clock_.Advance(1);
  Process();
  // Before the fix the deadline restarted after each record: one record per second.
  EXPECT_EQ(out_.sent.size(), 100u);
  EXPECT_EQ(tm_->enforced(), 100u);
  EXPECT_EQ(tm_->records_in(), 100u);
}

TEST_F(TaskManagerTest, UnknownLagWaitsLikeKnownLagAndIsCountedAsEnforced) {
  // On Kafka, before the first fetch, a partition's lag is unknown: its next
  // record may be older than anything buffered, so the task waits for it.
  Make({{kA, 0}, {kB, std::nullopt}});
  Buffer({Rec(kA, 0, 1000, 1000), Rec(kA, 1, 1001, 1001)});
  Process();
  EXPECT_TRUE(out_.sent.empty()) << "before the fix: processed at once, out of order, uncounted";
  EXPECT_EQ(tm_->enforced(), 0u);
  clock_.Advance(1000);
  Process();
  EXPECT_EQ(out_.sent.size(), 2u);
  EXPECT_EQ(tm_->enforced(), 2u);
  // Once b's lag is known to be 0 nothing waits.
  lag_[kB] = 0;
  Buffer({Rec(kA, 2, 1002, 1002)});
  Process();
  EXPECT_EQ(out_.sent.size(), 3u);
  EXPECT_EQ(tm_->enforced(), 2u);
}

TEST_F(TaskManagerTest, PartitionsAreOrderedByTheSourcesTimestampNotTheLogTimestamp) {
  Make({{kA, 0}, {kB, 0}});
  // Log timestamps say a first; event times (value.t) interleave them.
  Buffer({Rec(kA, 0, 10, 1), Rec(kA, 1, 30, 2), Rec(kA, 2, 50, 3)});
  Buffer({Rec(kB, 0, 20, 100), Rec(kB, 1, 40, 101), Rec(kB, 2, 60, 102)});
  Process();
  EXPECT_EQ(OutTimes(), (std::vector<int64_t>{10, 20, 30, 40, 50, 60}));
}

TEST_F(TaskManagerTest, StreamTimeIsCommittedAsMetadataAndRestored) {
  Make({{kA, 0}, {kB, 0}});
  Buffer({Rec(kA, 0, 5000, 1), Rec(kA, 1, 4000, 2)});  // out of order within a: partition time is the max
  lag_[kB] = 0;
  Process();
  EXPECT_TRUE(tm_->CommitNeeded());
  log::OffsetMap offsets;
  log::CommitMetadata metadata;
  ASSERT_TRUE(tm_->PrepareCommit(&offsets, &metadata).ok());
  EXPECT_EQ(offsets.at(kA).value(), 2);
  EXPECT_FALSE(offsets.count(kB)) << "nothing processed of b";
  ASSERT_TRUE(metadata.count(kA));
  EXPECT_EQ(DecodeCommitMetadata(metadata.at(kA)), std::optional<TimestampMs>(TimestampMs(5000)));
  tm_->CommitSucceeded();
  EXPECT_FALSE(tm_->CommitNeeded()) << "clean after the commit";

  // A new owner of the task restores its stream time from the metadata; a
  // partition whose metadata is not topo's is ignored.
  Make({{kA, 0}, {kB, 0}}, {{kA, metadata.at(kA)}, {kB, "written by another client"}});
  EXPECT_EQ(tm_->StreamTimeOf(kA), std::optional<TimestampMs>(TimestampMs(5000)));
  log::OffsetMap o2;
  log::CommitMetadata m2;
  Buffer({Rec(kB, 0, 100, 1)});
  Process();
  EXPECT_EQ(tm_->StreamTimeOf(kB), std::optional<TimestampMs>(TimestampMs(5000))) << "a task's, not b's";
  ASSERT_TRUE(tm_->PrepareCommit(&o2, &m2).ok());
  EXPECT_FALSE(m2.count(kA)) << "nothing of a processed: its committed offset and metadata stay";
  EXPECT_EQ(DecodeCommitMetadata(m2.at(kB)), std::optional<TimestampMs>(TimestampMs(100)));
}

TEST(EventTime, SourcesOfOneTopicMustAgreeOnTheirTimestamp) {
  plan::Diagnostics diags = testing::CompileErrors(R"(
local topo = import 'topo.libsonnet';
topo.topology('two', {
  topics: { a: topo.topic(), x: topo.topic(), y: topo.topic() },
  nodes: {
    first: topo.source('a', timestamp='value.t'),
    second: topo.source('a'),
    x: topo.sink('first', 'x'),
    y: topo.sink('second', 'y'),
  },
}))");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].node, "second");
  EXPECT_NE(diags[0].message.find("sources 'first' and 'second' read topic 'a' with different timestamp= "
                                  "('value.t' and none)"),
            std::string::npos)
      << diags[0].message;
}

TEST(CommitMetadata, RoundTripsAndRejectsForeignText) {
  EXPECT_EQ(DecodeCommitMetadata(EncodeCommitMetadata(TimestampMs(-5))),
            std::optional<TimestampMs>(TimestampMs(-5)));
  EXPECT_EQ(DecodeCommitMetadata(""), std::nullopt);
  EXPECT_EQ(DecodeCommitMetadata("topo1 pt="), std::nullopt);
  EXPECT_EQ(DecodeCommitMetadata("topo1 pt=12x"), std::nullopt);
  EXPECT_EQ(DecodeCommitMetadata("topo2 pt=12"), std::nullopt);
}

}  // namespace
}  // namespace topo::runtime
