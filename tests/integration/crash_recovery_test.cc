// Crash recovery on the embedded log: `topo run` as a child process, killed with
// SIGKILL at random points and restarted, must end with every input producing
// exactly one output under exactly-once (and at least one under at-least-once).
//
// Each kill waits for an event (the child's status line reporting a random
// number of records processed), never for a sleep.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "engine/log/embedded_log.h"
#include "engine/serde/codec.h"
#include "tests/integration/topo_process.h"

namespace topo {
namespace {

namespace fs = std::filesystem;

constexpr int kInputs = 200000;
constexpr int kPartitions = 4;

const char* kRouting = R"(
local topo = import 'topo.libsonnet';
topo.topology('crash', {
  config: { guarantee: std.extVar('guarantee'), commit_interval_ms: 50 },
  topics: { 'in': topo.topic(partitions=4), out: topo.topic(partitions=4) },
  nodes: {
    src: topo.source('in'),
    keep: topo.filter('src', 'value.n >= 0'),
    shaped: topo.map('keep', value='{id: value.id, n: value.n, kind: "routed"}'),
    sink: topo.sink('shaped', 'out'),
  },
}))";

const char* kBranchMerge = R"(
local topo = import 'topo.libsonnet';
topo.topology('crash', {
  config: { guarantee: std.extVar('guarantee'), commit_interval_ms: 50 },
  topics: { 'in': topo.topic(partitions=4), out: topo.topic(partitions=4) },
  nodes: {
    src: topo.source('in'),
    split: topo.branch('src', cases={ even: 'value.n % 2 == 0', odd: 'value.n % 2 == 1' }, default=false),
    evens: topo.map('split.even', value='{id: value.id, n: value.n, kind: "even"}'),
    odds: topo.map('split.odd', value='{id: value.id, n: value.n, kind: "odd"}'),
    both: topo.merge(['evens', 'odds']),
    sink: topo.sink('both', 'out'),
  },
}))";

class CrashRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("topo_crash_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (HasFailure()) {
      std::printf("keeping %s for inspection\n", dir_.c_str());
      return;
    }
    fs::remove_all(dir_);
  }

  void WriteTopology(const char* text) { std::ofstream(dir_ / "t.jsonnet") << text; }

  // Fills `in` with kInputs records {id, n} keyed by id, through the log API.
  void ProduceInputs() {
    log::EmbeddedLogOptions o;
    o.dir = (dir_ / "data").string();
    auto lg = log::OpenEmbeddedLog(o);
    ASSERT_TRUE(lg.ok()) << lg.status().message();
    std::vector<std::string> report;
    log::TopicConfig in, out;
    in.name = "in", out.name = "out";
    in.partitions = out.partitions = kPartitions;
    ASSERT_TRUE((*lg)->EnsureTopics({in, out}, &report).ok());
    auto producer = (*lg)->NewProducer("");
    ASSERT_TRUE(producer.ok());
    for (int i = 0; i < kInputs; ++i) {
      RawRecord r;
      r.topic = "in";
      r.partition = Partition(i % kPartitions);
      r.key = "id-" + std::to_string(i);
      r.value = "{\"id\":\"id-" + std::to_string(i) + "\",\"n\":" + std::to_string(i) + "}";
      ASSERT_TRUE((*producer)->Send(std::move(r)).ok());
    }
    ASSERT_TRUE((*producer)->Flush().ok());
  }

  void StartRun(const std::string& guarantee, testing::TopoProcess* p) {
    p->Start({"run", (dir_ / "t.jsonnet").string(), "--data-dir", (dir_ / "data").string(), "--threads", "2",
              "--status-interval", "0.05", "--exit-when-idle", "1500", "--http-port", "-1", "--ext-str",
              "guarantee=" + guarantee});
  }

  // Kills runs `kills` times, each at a random point while it processes (once
  // its status line reports at least a random number of records in), then lets
  // a last run finish.
  void RunWithKills(const std::string& guarantee, int kills) {
    std::mt19937 rng(20261125);
    std::uniform_int_distribution<int64_t> kill_after(1000, kInputs / (2 * kills));
    int killed_mid_run = 0;
    for (int k = 0; k < kills; ++k) {
      testing::TopoProcess run;
      StartRun(guarantee, &run);
      const int64_t threshold = kill_after(rng);
      // Not asserted: a late restart may have fewer than `threshold` records
      // left and end first (exit 0 below); killed_mid_run counts real kills.
      run.AwaitOutput([&](const std::string& out) { return LastRecordsIn(out) >= threshold; });
      run.Signal(SIGKILL);  // the fault injection point
      int st = run.Wait();
      ASSERT_TRUE(WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) == 0)) << run.output();
      // The last status line (every 50 ms) shows the run was processing, not
      // idling after its input ran out, when it died.
      if (WIFSIGNALED(st) && LastInputRate(run.output()) > 0) ++killed_mid_run;
    }
    EXPECT_EQ(killed_mid_run, kills) << "a kill landed after the input ran out";
    testing::TopoProcess last;
    StartRun(guarantee, &last);
    int st = last.Wait();
    ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "final run failed:\n" << last.output();
  }

  // N of the last "records in N" a run printed, or -1.
  static int64_t LastRecordsIn(const std::string& log) {
    auto pos = log.rfind("records in ");
    return pos == std::string::npos ? -1 : std::atoll(log.c_str() + pos + 11);
  }

  // R of the last "records in N (R/s)" a run printed, or -1.
  static int64_t LastInputRate(const std::string& log) {
    auto pos = log.rfind("records in ");
    if (pos == std::string::npos) return -1;
    auto paren = log.find(" (", pos);
    return paren == std::string::npos ? -1 : std::atoll(log.c_str() + paren + 2);
  }

  // id -> number of outputs carrying it.
  std::map<std::string, int> CountOutputs() {
    std::map<std::string, int> counts;
    log::EmbeddedLogOptions o;
    o.dir = (dir_ / "data").string();
    auto lg = log::OpenEmbeddedLog(o);
    EXPECT_TRUE(lg.ok()) << lg.status().message();
    if (!lg.ok()) return counts;
    auto json = MakeCodec("json", nullptr);
    for (int p = 0; p < kPartitions; ++p) {
      auto end = (*lg)->EndOffset({"out", Partition(p)});
      EXPECT_TRUE(end.ok());
      auto consumer = (*lg)->NewConsumer("verify-" + std::to_string(p), "verify");
      EXPECT_TRUE(consumer.ok());
      struct Listener : log::RebalanceListener {
        void OnAssigned(const std::vector<log::TopicPartition>&) override {}
        void OnRevoked(const std::vector<log::TopicPartition>&) override {}
      } listener;
      EXPECT_TRUE((*consumer)->Subscribe({"out"}, &listener).ok());
      std::vector<RawRecord> batch;
      int64_t read = 0, want = 0;
      for (int q = 0; q < kPartitions; ++q) want += (*lg)->EndOffset({"out", Partition(q)}).value().value();
      while (read < want) {
        batch.clear();
        EXPECT_TRUE((*consumer)->Poll(1000, 10000, &batch).ok());
        if (batch.empty()) break;
        for (const auto& r : batch) {
          auto v = (*json)->Decode(*r.value);
          EXPECT_TRUE(v.ok());
          counts[v->Get("id")->as_string()]++;
          ++read;
        }
      }
      (*consumer)->Close().IgnoreError();  // verification only
      break;                               // one consumer in its own group reads every partition
    }
    return counts;
  }

  fs::path dir_;
};

void ExpectExactlyOnce(const std::map<std::string, int>& counts) {
  int missing = 0, duplicated = 0;
  for (int i = 0; i < kInputs; ++i) {
    auto it = counts.find("id-" + std::to_string(i));
    if (it == counts.end())
      ++missing;
    else if (it->second > 1)
      ++duplicated;
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(duplicated, 0);
  EXPECT_EQ(counts.size(), static_cast<size_t>(kInputs));
}

TEST_F(CrashRecoveryTest, ExactlyOnceRoutingSurvivesKills) {
  WriteTopology(kRouting);
  ProduceInputs();
  RunWithKills("exactly_once", 4);
  ExpectExactlyOnce(CountOutputs());
}

TEST_F(CrashRecoveryTest, ExactlyOnceBranchMergeSurvivesKills) {
  WriteTopology(kBranchMerge);
  ProduceInputs();
  RunWithKills("exactly_once", 4);
  ExpectExactlyOnce(CountOutputs());
}

TEST_F(CrashRecoveryTest, AtLeastOnceLosesNothing) {
  WriteTopology(kRouting);
  ProduceInputs();
  RunWithKills("at_least_once", 3);
  auto counts = CountOutputs();
  int missing = 0, duplicates = 0;
  for (int i = 0; i < kInputs; ++i) {
    auto it = counts.find("id-" + std::to_string(i));
    if (it == counts.end())
      ++missing;
    else
      duplicates += it->second - 1;
  }
  EXPECT_EQ(missing, 0);
  std::printf("at-least-once after 3 kills: %d duplicate output(s) of %d inputs\n", duplicates, kInputs);
}

}  // namespace
}  // namespace topo
