// The runtime in-process on the embedded log: timestamp-ordered multi-partition
// tasks, back-pressure, fencing and rejoin, retention maintenance.
#include "engine/runtime/application.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "engine/log/embedded_log.h"
#include "tests/testing/topology_util.h"

namespace topo::runtime {
namespace {

using log::TopicPartition;

class ApplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("topo_app_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    log::EmbeddedLogOptions o;
    o.dir = dir_.string();
    o.write_buffer_bytes = 4 << 20;
    auto opened = log::EmbeddedLog::Open(o);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    log_ = std::move(opened).value();
  }
  void TearDown() override {
    app_.reset();
    wrapped_log_.reset();
    producer_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs on the embedded log, or on `log` (a wrapper of it that the fixture
  // keeps until the application is gone).
  void Start(const std::string& jsonnet, RunOptions options, std::unique_ptr<log::Log> log = nullptr) {
    auto topology = testing::Compile(jsonnet);
    ASSERT_NE(topology, nullptr);
    options.on_event = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(events_mu_);
      events_.push_back(line);
    };
    wrapped_log_ = std::move(log);
    auto app =
        Application::Create(topology, wrapped_log_ ? wrapped_log_.get() : log_.get(), std::move(options));
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    app_ = std::move(app).value();
    std::vector<std::string> report;
    Status s = app_->EnsureTopics(&report);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Run() {
    Status s = app_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void Produce(const std::string& topic, int32_t partition, const std::string& value, int64_t ts) {
    if (!producer_) producer_ = std::move(log_->NewProducer("")).value();
    RawRecord r;
    r.topic = topic;
    r.partition = Partition(partition);
    r.key = "k";
    r.value = value;
    r.timestamp = TimestampMs(ts);
    ASSERT_TRUE(producer_->Send(std::move(r)).ok());
    ASSERT_TRUE(producer_->Flush().ok());
  }

  int64_t End(const std::string& topic, int32_t p = 0) {
    return log_->EndOffset(TopicPartition{topic, Partition(p)}).value().value();
  }

  // Waits (at most a minute, so a hang fails instead of blocking the suite)
  // until `done` holds or the application stopped.
  bool Await(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (!done()) {
      if (!app_->Snapshot().running || std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  // Every committed record of topic[p], in offset order.
  std::vector<RawRecord> ReadAll(const std::string& topic, int32_t partitions = 1) {
    auto c = std::move(log_->NewConsumer("reader-" + std::to_string(++readers_), "reader")).value();
    EXPECT_TRUE(c->Subscribe({topic}, nullptr).ok());
    int64_t want = 0;
    for (int32_t p = 0; p < partitions; ++p) want += End(topic, p);
    std::vector<RawRecord> out;
    for (int i = 0; i < 1000 && static_cast<int64_t>(out.size()) < want; ++i)
      EXPECT_TRUE(c->Poll(10, 100000, &out).ok());
    return out;
  }

  // Why an Await failed: the run's error when it stopped, else its events
  // (Wait would block on a run that is still going).
  std::string Why() {
    if (!app_->Snapshot().running) return app_->Wait().ToString() + "\n" + Events();
    return "still running after a minute; events:\n" + Events();
  }

  std::string Events() {
    std::lock_guard<std::mutex> lock(events_mu_);
    std::string all;
    for (const auto& e : events_) all += e + "\n";
    return all;
  }

  std::filesystem::path dir_;
  std::unique_ptr<log::EmbeddedLog> log_;
  std::unique_ptr<log::Producer> producer_;
  std::unique_ptr<Application> app_;
  std::unique_ptr<log::Log> wrapped_log_;
  // For tests that drive time (RunOptions::clock); outlives the application.
  ManualClock clock_{1'000'000};
  std::mutex events_mu_;
  std::vector<std::string> events_;
  int readers_ = 0;
};

constexpr const char* kMerge = R"(
local topo = import 'topo.libsonnet';
topo.topology('merge', {
  topics: { a: topo.topic(), b: topo.topic(), out: topo.topic() },
  nodes: {
    a: topo.source('a'),
    b: topo.source('b'),
    both: topo.merge(['a', 'b']),
    out: topo.sink('both', 'out'),
  },
}))";

TEST_F(ApplicationTest, TaskReadingTwoTopicsProcessesInTimestampOrderUnderBackPressure) {
  // `a` is sparse in time (one record per 20 ms), `b` dense (one per 2 ms), and
  // polls take as many records from each: processed in arrival order, `a`
  // would run far ahead of `b`. Odd timestamps for `a`, even for `b`: no ties.
  constexpr int kA = 50, kB = 500;
  RunOptions o;
  o.max_poll_records = 8;
  o.max_buffered_records = 5;
  Start(kMerge, o);
  for (int i = 0; i < kA; ++i) Produce("a", 0, "\"a\"", 1001 + 20 * i);
  for (int i = 0; i < kB; ++i) Produce("b", 0, "\"b\"", 1000 + 2 * i);
  Run();
  ASSERT_TRUE(Await([&] { return End("out") == kA + kB; }));
  auto out = ReadAll("out");
  ASSERT_EQ(out.size(), static_cast<size_t>(kA + kB));
  for (size_t i = 1; i < out.size(); ++i) {
    ASSERT_LT(out[i - 1].timestamp.value(), out[i].timestamp.value())
        << "output " << i << " (" << *out[i].value << ") out of timestamp order";
  }
  // Buffers of 5 against polls of 4 per partition: `a` fills up while it waits
  // for `b`, so it was paused and resumed.
  AppSnapshot snap = app_->Snapshot();
  EXPECT_GT(snap.pauses, 0u);
  EXPECT_EQ(snap.topic_in["a"], static_cast<uint64_t>(kA));
  EXPECT_EQ(snap.topic_in["b"], static_cast<uint64_t>(kB));
  EXPECT_EQ(snap.topic_out["out"], static_cast<uint64_t>(kA + kB));
  // Consumer lag (refreshed 4 times a second): both inputs known, nothing left.
  const TopicPartition a0{"a", Partition(0)}, b0{"b", Partition(0)};
  EXPECT_TRUE(Await([&] {
    AppSnapshot s = app_->Snapshot();
    return s.lag.size() == 2 && s.lag.count(a0) && s.lag[a0] == 0 && s.lag.count(b0) && s.lag[b0] == 0;
  }));
  app_->RequestStop();
  EXPECT_TRUE(app_->Wait().ok());
}

TEST_F(ApplicationTest, OneTaskPerPartitionEvenWhenTwoSourcesReadTheTopic) {
  // Two sources of one topic form one sub-topology: one task gets the record
  // and both branches write it.
  Start(R"(
local topo = import 'topo.libsonnet';
topo.topology('two', {
  topics: { 'in': topo.topic(partitions=2), x: topo.topic(), y: topo.topic() },
  nodes: {
    s1: topo.source('in'),
    s2: topo.source('in'),
    x: topo.sink('s1', 'x'),
    y: topo.sink('s2', 'y'),
  },
}))",
        RunOptions{});
  Produce("in", 0, "1", 1);
  Produce("in", 1, "2", 2);
  Run();
  ASSERT_TRUE(Await([&] { return End("x") == 2 && End("y") == 2; }));
  AppSnapshot snap = app_->Snapshot();
  EXPECT_EQ(snap.tasks, 2);
  EXPECT_EQ(snap.records_in, 2u);
  app_->RequestStop();
  EXPECT_TRUE(app_->Wait().ok());
}

// Per source topic, a record that fails counts once (here at two nodes, one
// skipping and one dead-lettering it); per topic written, the end-to-end
// latency lands in the bucket of its age.
TEST_F(ApplicationTest, FailedRecordsPerTopicAndEndToEndLatency) {
  Start(R"(
local topo = import 'topo.libsonnet';
topo.topology('errs', {
  topics: { a: topo.topic(), b: topo.topic(), out: topo.topic(), dead: topo.topic() },
  nodes: {
    a: topo.source('a'),
    b: topo.source('b'),
    q: topo.map('a', value='{q: value.n / value.d}', onError='skip'),
    r: topo.map('a', value='{r: value.d / value.n}', onError=topo.dlq('dead')),
    oq: topo.sink('q', 'out'),
    or: topo.sink('r', 'out'),
    ob: topo.sink('b', 'out'),
  },
}))",
        RunOptions{});
  const int64_t now = SystemClock().NowMs();
  Produce("a", 0, R"({"n": 1, "d": 2})", now - 2000);
  Produce("a", 0, R"({"n": 0, "d": 0})", now - 2000);  // fails at q and at r
  // Fails at r only: dead-lettered whole, so q's output for it is withdrawn
  // (a replay of the dead letter writes it once).
  Produce("a", 0, R"({"n": 0, "d": 3})", now - 2000);
  Produce("b", 0, R"({})", now - 2000);
  Run();
  ASSERT_TRUE(Await([&] { return End("out") == 3 && End("dead") == 2; }));
  AppSnapshot snap = app_->Snapshot();
  EXPECT_EQ(snap.topic_in["a"], 3u);
  EXPECT_EQ(snap.topic_errors["a"], 2u);
  EXPECT_EQ(snap.topic_errors["b"], 0u);
  EXPECT_EQ(snap.errors, 3u);  // per node: q once, r twice
  const HistogramData& out = snap.topic_e2e_latency["out"];
  EXPECT_EQ(out.count(), 3u);
  // Written at least 2 s after their timestamps (and, on any machine, within
  // 10 s): none in a bucket up to 1 s, all in those up to 10 s.
  uint64_t upto_1s = 0, upto_10s = 0;
  for (size_t i = 0; i < kHistogramBoundsUs.size(); ++i) {
    if (kHistogramBoundsUs[i] <= 1'000'000) upto_1s += out.buckets[i];
    if (kHistogramBoundsUs[i] <= 10'000'000) upto_10s += out.buckets[i];
  }
  EXPECT_EQ(upto_1s, 0u);
  EXPECT_EQ(upto_10s, 3u);
  EXPECT_GE(out.sum_us, 3 * 2e6) << "each at least 2 s old";
  EXPECT_EQ(snap.topic_e2e_latency["dead"].count(), 2u);
  app_->RequestStop();
  EXPECT_TRUE(app_->Wait().ok());
  EXPECT_GE(app_->Snapshot().commit_latency.count(), 1u);
}

// A record that stops the run (`fail` policy) is a failed record of its topic too.
TEST_F(ApplicationTest, RecordThatStopsTheRunCountsAsFailed) {
  Start(R"(
local topo = import 'topo.libsonnet';
topo.topology('stops', {
  topics: { a: topo.topic(), out: topo.topic() },
  nodes: { a: topo.source('a'), q: topo.map('a', value='{q: value.n / value.d}'), out: topo.sink('q', 'out') },
}))",
        RunOptions{});
  Produce("a", 0, R"({"n": 1, "d": 0})", 1);
  Run();
  Status st = app_->Wait();
  EXPECT_NE(st.message().find("node 'q'"), std::string::npos) << st.ToString();
  AppSnapshot snap = app_->Snapshot();
  EXPECT_EQ(snap.topic_errors["a"], 1u);
  EXPECT_EQ(snap.errors, 1u);
}

constexpr const char* kRoute = R"(
local topo = import 'topo.libsonnet';
topo.topology('route', {
  config: { application_id: 'app' },
  topics: { 'in': topo.topic(partitions=2), out: topo.topic(partitions=2) },
  nodes: {
    src: topo.source('in'),
    out: topo.sink('src', 'out'),
  },
}))";

TEST_F(ApplicationTest, FencedThreadClosesItsTasksRejoinsAndLosesNothing) {
  RunOptions o;
  o.instance_id = "fixed";
  Start(kRoute, o);
  for (int i = 0; i < 200; ++i) Produce("in", i % 2, std::to_string(i), i);
  Run();
  ASSERT_TRUE(Await([&] { return End("out", 0) + End("out", 1) == 200; }));
  // A newer producer with the thread's transactional id takes over: the
  // thread's next commit is fenced.
  auto usurper = log_->NewProducer("app-fixed-thread-0");
  ASSERT_TRUE(usurper.ok());
  for (int i = 200; i < 400; ++i) Produce("in", i % 2, std::to_string(i), i);
  ASSERT_TRUE(Await([&] { return End("out", 0) + End("out", 1) == 400 && app_->Snapshot().rejoins > 0; }))
      << Why();
  app_->RequestStop();
  ASSERT_TRUE(app_->Wait().ok());
  // Exactly once: every input once, nothing from the fenced transaction.
  std::multiset<std::string> values;
  for (const auto& r : ReadAll("out", 2)) values.insert(*r.value);
  ASSERT_EQ(values.size(), 400u);
  for (int i = 0; i < 400; ++i) EXPECT_EQ(values.count(std::to_string(i)), 1u) << i;
  std::lock_guard<std::mutex> lock(events_mu_);
  bool said = false;
  for (const auto& e : events_) said = said || e.find("rejoining the group") != std::string::npos;
  EXPECT_TRUE(said) << "no event line about the rejoin";
}

TEST_F(ApplicationTest, MaintenanceThreadAppliesTopicRetention) {
  RunOptions o;
  o.maintenance_interval_ms = 10;
  Start(R"(
local topo = import 'topo.libsonnet';
topo.topology('retained', {
  topics: {
    'in': topo.topic(),
    out: topo.topic(retention='1h'),
    out2: topo.topic(config={ 'retention.ms': '3600000' }),  // Kafka's spelling of the same
  },
  nodes: { src: topo.source('in'), out: topo.sink('src', 'out'), out2: topo.sink('src', 'out2') },
}))",
        o);
  // Outputs keep the inputs' timestamps: from 2020, far past the hour kept.
  for (int i = 0; i < 10; ++i) Produce("in", 0, std::to_string(i), 1577836800000 + i);
  Run();
  TopicPartition out{"out", Partition(0)}, out2{"out2", Partition(0)};
  ASSERT_TRUE(Await([&] { return End("out") == 10 && log_->BeginOffset(out).value().value() == 10; }));
  ASSERT_TRUE(Await([&] { return End("out2") == 10 && log_->BeginOffset(out2).value().value() == 10; }));
  app_->RequestStop();
  EXPECT_TRUE(app_->Wait().ok());
}

// A topic whose log accepts smaller records than the topology declares (its
// config changed behind the application's back, or on Kafka a broker-side
// config): sinks check records against the log's limit, learned at start, so
// the node's policy decides (here: dead-letter) — the log's refusal after the
// record left its task would stop the run instead.
TEST_F(ApplicationTest, ARecordTooLargeForTheLogsOwnLimitMeetsTheSinksPolicy) {
  Start(R"(
local topo = import 'topo.libsonnet';
topo.topology('limits', {
  topics: { 'in': topo.topic(), out: topo.topic(), dead: topo.topic() },
  nodes: { src: topo.source('in'), out: topo.sink('src', 'out', onError=topo.dlq('dead')) },
}))",
        RunOptions{});
  log::TopicConfig smaller{"out", 1, false, -1, {{"max.message.bytes", "1000"}}};
  ASSERT_TRUE(log_->EnsureTopics({smaller}, nullptr).ok());
  Run();
  Produce("in", 0, "\"" + std::string(2000, 'x') + "\"", 1);
  Produce("in", 0, "\"small\"", 2);
  ASSERT_TRUE(Await([&] { return End("out") == 1 && End("dead") == 1; })) << Why();
  AppSnapshot snap = app_->Snapshot();
  EXPECT_EQ(snap.dead_lettered, 1u);
  EXPECT_EQ(snap.rejoins, 0u);
  app_->RequestStop();
  EXPECT_TRUE(app_->Wait().ok());
}

// Shape 5: a task's stream time comes from the source's timestamp= and
// survives a restart, through the commit metadata.
TEST_F(ApplicationTest, StreamTimeIsTheEventTimeAndSurvivesARestart) {
  constexpr const char* kTimed = R"(
local topo = import 'topo.libsonnet';
topo.topology('timed', {
  topics: { 'in': topo.topic(partitions=2), out: topo.topic() },
  nodes: { src: topo.source('in', timestamp='value.t'), out: topo.sink('src', 'out') },
}))";
  Start(kTimed, RunOptions{});
  Produce("in", 0, R"({"t": 7000})", 1);  // log timestamps 1, 2: not the event time
  Produce("in", 0, R"({"t": 5000})", 2);
  Run();
  ASSERT_TRUE(Await([&] { return app_->Snapshot().stream_time["in_0"] == 7000; })) << Why();
  EXPECT_FALSE(app_->Snapshot().stream_time.count("in_1")) << "nothing read of partition 1";
  app_->RequestStop();
  ASSERT_TRUE(app_->Wait().ok());
  app_.reset();

  Start(kTimed, RunOptions{});
  Run();
  ASSERT_TRUE(Await([&] { return app_->Snapshot().tasks == 2; })) << Why();
  EXPECT_EQ(app_->Snapshot().stream_time["in_0"], 7000) << "restored from the commit metadata";
  app_->RequestStop();
  EXPECT_TRUE(app_->Wait().ok());
}

// A log whose consumers fail one Poll with a transient I/O error when asked
// (a broker hiccup), or lose their partitions in one (the membership expired),
// and count their polls.
class FaultyLog final : public log::Log {
 public:
  explicit FaultyLog(log::Log* inner) : inner_(inner) {}
  std::atomic<bool> fail_next_poll{false};
  std::atomic<bool> lose_next_poll{false};
  std::atomic<uint64_t> polls{0};

  std::string Describe() const override { return inner_->Describe(); }
  Status EnsureTopics(const std::vector<log::TopicConfig>& t, std::vector<std::string>* r) override {
    return inner_->EnsureTopics(t, r);
  }
  Result<int32_t> PartitionCount(const std::string& topic) override { return inner_->PartitionCount(topic); }
  Result<std::map<std::string, log::TopicDescription>> DescribeTopics(
      const std::vector<std::string>& n) override {
    return inner_->DescribeTopics(n);
  }
  Result<Offset> EndOffset(const TopicPartition& tp) override { return inner_->EndOffset(tp); }
  Result<std::unique_ptr<log::Consumer>> NewConsumer(const std::string& group, const std::string& client,
                                                     int member) override {
    ASSIGN_OR_RETURN(auto c, inner_->NewConsumer(group, client, member));
    return std::unique_ptr<log::Consumer>(new Consumer(this, std::move(c)));
  }
  Result<std::unique_ptr<log::Producer>> NewProducer(const std::string& id) override {
    return inner_->NewProducer(id);
  }

 private:
  class Consumer final : public log::Consumer, public log::RebalanceListener {
   public:
    Consumer(FaultyLog* log, std::unique_ptr<log::Consumer> inner) : log_(log), inner_(std::move(inner)) {}
    Status SubscribeCopartitioned(const std::vector<std::vector<std::string>>& t,
                                  log::RebalanceListener* l) override {
      listener_ = l;
      return inner_->SubscribeCopartitioned(t, this);
    }
    void OnAssigned(const std::vector<TopicPartition>& added) override {
      assigned_.insert(added.begin(), added.end());
      listener_->OnAssigned(added);
    }
    void OnRevoked(const std::vector<TopicPartition>& removed) override {
      for (const auto& tp : removed) assigned_.erase(tp);
      listener_->OnRevoked(removed);
    }
    Status Poll(int timeout_ms, size_t max, std::vector<RawRecord>* out) override {
      if (log_->fail_next_poll.exchange(false)) return Status::IoError("injected broker hiccup");
      if (log_->lose_next_poll.exchange(false))
        listener_->OnLost(std::vector<TopicPartition>(assigned_.begin(), assigned_.end()));
      Status s = inner_->Poll(timeout_ms, max, out);
      ++log_->polls;
      return s;
    }
    Status Pause(const std::vector<TopicPartition>& tps) override { return inner_->Pause(tps); }
    Status Resume(const std::vector<TopicPartition>& tps) override { return inner_->Resume(tps); }
    std::optional<int64_t> KnownLag(const TopicPartition& tp) override { return inner_->KnownLag(tp); }
    Result<std::optional<log::OffsetAndMetadata>> CommittedWithMetadata(const TopicPartition& tp) override {
      return inner_->CommittedWithMetadata(tp);
    }
    Status Seek(const TopicPartition& tp, Offset o) override { return inner_->Seek(tp, o); }
    Status CommitOffsets(const log::OffsetMap& o, const log::CommitMetadata& m) override {
      return inner_->CommitOffsets(o, m);
    }
    Status Close() override { return inner_->Close(); }

   private:
    FaultyLog* log_;
    std::unique_ptr<log::Consumer> inner_;
    log::RebalanceListener* listener_ = nullptr;
    std::set<TopicPartition> assigned_;
  };
  log::Log* inner_;
};

// Issue 9, defect 8: the rejoin budget (five in a row without a commit point)
// is for incidents in a row, not for every incident of a thread's life: on an
// idle thread (nothing to commit) a commit interval that passes cleanly resets
// it. Before the fix only a commit with input did, so the sixth rare hiccup
// stopped an idle run.
TEST_F(ApplicationTest, RareIncidentsOnAnIdleThreadDoNotAddUpToAStop) {
  auto owned = std::make_unique<FaultyLog>(log_.get());
  FaultyLog& faulty = *owned;
  RunOptions o;
  o.clock = &clock_;
  o.commit_interval_ms = 100;
  Start(R"(
local topo = import 'topo.libsonnet';
topo.topology('idle', {
  config: { guarantee: 'at_least_once' },
  topics: { 'in': topo.topic(), out: topo.topic() },
  nodes: { src: topo.source('in'), out: topo.sink('src', 'out') },
}))",
        o, std::move(owned));
  Run();
  ASSERT_TRUE(Await([&] { return app_->Snapshot().threads_joined == 1; }));
  for (uint64_t incident = 1; incident <= 7; ++incident) {
    faulty.fail_next_poll = true;
    ASSERT_TRUE(Await([&] {
      AppSnapshot s = app_->Snapshot();
      return s.rejoins == incident && s.threads_joined == 1;
    })) << "incident "
        << incident << ": " << Why();
    // A commit interval passes with nothing to commit; a poll that returns
    // after it is followed by the thread's commit check.
    clock_.Advance(100);
    const uint64_t polls = faulty.polls.load();
    ASSERT_TRUE(Await([&] { return faulty.polls.load() > polls; }));
  }
  Produce("in", 0, "\"still running\"", 1);
  ASSERT_TRUE(Await([&] { return app_->Snapshot().records_in == 1; })) << Why();
  app_->RequestStop();
  EXPECT_TRUE(app_->Wait().ok());
  EXPECT_EQ(End("out"), 1);
}

// Issue 9, defect 4: partitions lost (the member's session expired; another
// member owns them already) are not committed — before, they were handled like
// revoked ones, and the thread committed what it had processed of them. The
// thread closes its tasks without committing and rejoins.
TEST_F(ApplicationTest, LostPartitionsAreNotCommittedAndTheThreadRejoins) {
  auto owned = std::make_unique<FaultyLog>(log_.get());
  FaultyLog& faulty = *owned;
  RunOptions o;
  o.clock = &clock_;  // never advanced: no interval commit
  Start(R"(
local topo = import 'topo.libsonnet';
topo.topology('lost', {
  config: { guarantee: 'at_least_once' },
  topics: { 'in': topo.topic(), out: topo.topic() },
  nodes: { src: topo.source('in'), out: topo.sink('src', 'out') },
}))",
        o, std::move(owned));
  for (int i = 0; i < 10; ++i) Produce("in", 0, std::to_string(i), i);
  Run();
  ASSERT_TRUE(Await([&] { return app_->Snapshot().records_in == 10; }));
  faulty.lose_next_poll = true;
  ASSERT_TRUE(Await([&] {
    AppSnapshot s = app_->Snapshot();
    return s.rejoins == 1 && s.records_in == 20;  // processed again from the last commit: none
  })) << Why();
  auto reader = log_->NewConsumer("lost", "check");
  ASSERT_TRUE(reader.ok());
  auto committed = (*reader)->Committed(TopicPartition{"in", Partition(0)});
  ASSERT_TRUE(committed.ok());
  EXPECT_FALSE(committed->has_value())
      << "lost partitions were committed at offset " << (*committed)->value();
  app_->RequestStop();
  EXPECT_TRUE(app_->Wait().ok());
}

}  // namespace
}  // namespace topo::runtime
