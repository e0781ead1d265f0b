// Exactly-once through the `topo` binary against the real Apache Kafka broker
// (issue 10, "Exactly-once tests on the real broker"): aborted and open
// transactions invisible to read_committed, SIGKILL and restart mid-stream,
// zombie fencing, an instance killed while another shares the work, a broker
// restart, a third instance joining; and topic creation with its cleanup policy.
// Scenarios after librdkafka's transaction tests and Kafka's EosIntegrationTest.
//
// Every wait is bounded and on an event: a run's output (its status line every
// 0.2 s, its assignment and rejoin events), records on the log, or the broker's
// offsets. The scenario helpers and what "exactly once in order" means are in
// eos_support.h.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "tests/integration/topo_process.h"
#include "tests/kafka_real/eos_support.h"
#include "tests/testing/real_kafka.h"

namespace topo {
namespace {

using namespace testing::eos;  // NOLINT: the scenario vocabulary
using testing::TopoProcess;

class RealKafkaEos : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(testing::RealKafkaBootstrap().empty());
    s_ = std::make_unique<Scenario>(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  std::unique_ptr<Scenario> s_;
};

// Scenario 1a: a record that fails with the default policy `fail` stops the run
// and aborts its transaction. What the run wrote in that commit interval before
// the failing record is on the log (read_uncommitted sees it) but never visible
// to read_committed; what earlier runs committed stays visible.
TEST_F(RealKafkaEos, AFailingRecordAbortsItsWholeCommitInterval) {
  Scenario& s = *s_;
  constexpr int64_t kCommitted = 96, kAborted = 200;
  InputProducer input(s.bootstrap(), s.in());
  ASSERT_TRUE(input.ok());
  {
    // A first run commits inputs [0, 96) and stops gracefully.
    TopoProcess first;
    first.Start(s.RunArgs("a"));
    ASSERT_TRUE(first.AwaitOutput("\nrunning;", kWait)) << first.output();  // its topics exist now
    input.SendRange(0, kCommitted);
    ASSERT_TRUE(first.AwaitOutput(RecordsInAtLeast(kCommitted), kWait)) << first.output();
    Scenario::Stop(&first, "first run");
  }
  // The second run, on the same state dir, processes [96, 296) inside one long
  // transaction (commit interval 60 s) ...
  TopoProcess second;
  second.Start(s.RunArgs("a", {"--commit-interval", "60000"}));
  ASSERT_TRUE(second.AwaitOutput(TasksAre(8), kWait)) << second.output();
  input.SendRange(kCommitted, kCommitted + kAborted);
  // ... whose records reach the log (read_uncommitted) ...
  std::vector<OutRecord> uncommitted =
      ReadTopic(s.bootstrap(), s.out(), "read_uncommitted", kCommitted + kAborted);
  ASSERT_EQ(CountIds(uncommitted, kCommitted, kCommitted + kAborted), kAborted) << second.output();
  EXPECT_EQ(LastStatus(second.output()).commits, 0) << second.output();
  // ... and then input 296 fails at node 'shaped' (100 / 0).
  input.Send(kCommitted + kAborted, /*d=*/0);
  input.Flush();
  ASSERT_TRUE(second.AwaitClosed(kWait)) << second.output();
  const int st = second.Wait();
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1) << ExitText(st) << "\n" << second.output();
  EXPECT_NE(second.output().find("node 'shaped'"), std::string::npos) << second.output();
  EXPECT_NE(second.output().find("division by zero"), std::string::npos) << second.output();
  const int32_t poison_partition = PartitionOf(kCommitted + kAborted);
  EXPECT_NE(second.output().find("(input " + s.in() + "[" + std::to_string(poison_partition) + "]@"),
            std::string::npos)
      << second.output();

  // The transaction was aborted, not left open: no partition's last stable offset
  // lags (an abort marker ends it), and read_committed sees the first run's
  // outputs only, exactly once and in order.
  std::vector<OutRecord> committed = s.ExpectOutputsExactlyOnce(kCommitted);
  EXPECT_EQ(CountIds(committed, kCommitted, kCommitted + kAborted + 1), 0);
  // The aborted records are still in the log, for read_uncommitted.
  uncommitted = ReadTopic(s.bootstrap(), s.out(), "read_uncommitted", kCommitted + kAborted);
  EXPECT_EQ(CountIds(uncommitted, 0, kCommitted), kCommitted);
  EXPECT_EQ(CountIds(uncommitted, kCommitted, kCommitted + kAborted), kAborted);
}

// Scenario 1b: a frozen run's open transaction is on the log but invisible to
// read_committed; its SIGKILLed process's successor on the same state dir has
// the same transactional ids, so starting it aborts that transaction at once —
// well before transaction.timeout.ms (10 min here, so a pass cannot come from
// the broker expiring it) — and every input then comes out exactly once.
TEST_F(RealKafkaEos, AnOpenTransactionIsInvisibleAndTheRestartedInstanceFencesIt) {
  Scenario& s = *s_;
  constexpr int64_t kOpen = 240, kMore = 160;
  const std::vector<std::string> long_txn = {"-X", "transaction.timeout.ms=600000"};
  InputProducer input(s.bootstrap(), s.in());
  ASSERT_TRUE(input.ok());
  TopoProcess frozen;
  std::vector<std::string> args = long_txn;
  args.insert(args.end(), {"--commit-interval", "60000"});
  frozen.Start(s.RunArgs("a", args));
  ASSERT_TRUE(frozen.AwaitOutput(TasksAre(8), kWait)) << frozen.output();
  input.SendRange(0, kOpen);
  ASSERT_TRUE(frozen.AwaitOutput([&](const std::string& out) { return LastStatus(out).out >= kOpen; }, kWait))
      << frozen.output();
  // Every output of the open transaction is on the log before the freeze.
  std::vector<OutRecord> uncommitted = ReadTopic(s.bootstrap(), s.out(), "read_uncommitted", kOpen);
  ASSERT_EQ(CountIds(uncommitted, 0, kOpen), kOpen);
  frozen.Signal(SIGSTOP);
  EXPECT_EQ(LastStatus(frozen.output()).commits, 0) << frozen.output();
  // Open: every partition's last stable offset is behind its end, and
  // read_committed reads nothing.
  EXPECT_EQ(OpenPartitions(s.bootstrap(), s.out()).size(), static_cast<size_t>(kPartitions));
  EXPECT_TRUE(ReadTopic(s.bootstrap(), s.out(), "read_committed", 0).empty());

  frozen.Signal(SIGKILL);
  frozen.Wait();
  EXPECT_EQ(OpenPartitions(s.bootstrap(), s.out()).size(), static_cast<size_t>(kPartitions))
      << "the killed run's transaction must stay open until its successor starts";
  const auto restart = std::chrono::steady_clock::now();
  TopoProcess successor;
  successor.Start(s.RunArgs("a", long_txn));
  // Its stream thread's producer initialized (InitProducerId with the same
  // transactional id) before it says "running".
  ASSERT_TRUE(successor.AwaitOutput("\nrunning;", kWait)) << successor.output();
  ASSERT_TRUE(AwaitSettled(s.bootstrap(), s.out(), kWait)) << successor.output();
  const double settled_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - restart).count();
  std::printf("the killed run's open transaction was aborted %.1f s after its successor started\n",
              settled_s);
  EXPECT_LT(settled_s, 60.0) << "transaction.timeout.ms is 600 s: only fencing ends it this soon";

  ASSERT_TRUE(successor.AwaitOutput(RecordsInAtLeast(kOpen), kWait)) << successor.output();
  input.SendRange(kOpen, kOpen + kMore);
  ASSERT_TRUE(successor.AwaitOutput(RecordsInAtLeast(kOpen + kMore), kWait)) << successor.output();
  Scenario::Stop(&successor, "successor");
  s.ExpectOutputsExactlyOnce(kOpen + kMore);
  // The aborted first attempt is still in the log, beside the committed outputs.
  uncommitted = ReadTopic(s.bootstrap(), s.out(), "read_uncommitted", 2 * kOpen + kMore);
  EXPECT_EQ(CountIds(uncommitted, 0, kOpen), 2 * kOpen);
}

// Topic creation on the real broker: `topo run` creates a topic declared
// cleanup='compact' with cleanup.policy=compact (and 8 partitions), the others
// with delete.
TEST_F(RealKafkaEos, RunCreatesADeclaredCompactedTopicCompacted) {
  Scenario& s = *s_;
  const std::string table = testing::UniqueTopic("eos-table");
  s.WriteTopology(", '" + table + "': topo.topic(partitions=8, cleanup='compact')");
  TopoProcess run;
  run.Start(s.RunArgs("a"));
  ASSERT_TRUE(run.AwaitOutput("\nrunning;", kWait)) << run.output();
  EXPECT_NE(run.output().find("created topic '" + table +
                              "' (8 partitions, replication 1, cleanup.policy=compact)"),
            std::string::npos)
      << run.output();
  Scenario::Stop(&run, "run");
  EXPECT_EQ(testing::DescribeTopicConfigs(s.bootstrap(), table)["cleanup.policy"], "compact");
  EXPECT_EQ(testing::DescribeTopicConfigs(s.bootstrap(), s.out())["cleanup.policy"], "delete");
  EXPECT_EQ(PartitionCount(s.bootstrap(), table), 8);
}

// An existing topic with cleanup.policy=delete where the topology declares
// compact: `topo run` refuses to start (exit 1) naming the topic and both
// values, and leaves the topic as it was.
TEST_F(RealKafkaEos, RunRefusesAnExistingTopicWhoseCleanupPolicyDiffers) {
  Scenario& s = *s_;
  const std::string table = testing::UniqueTopic("eos-table");
  ASSERT_NO_FATAL_FAILURE(testing::CreateTopic(s.bootstrap(), table, 8, {{"cleanup.policy", "delete"}}));
  s.WriteTopology(", '" + table + "': topo.topic(partitions=8, cleanup='compact')");
  TopoProcess run;
  run.Start(s.RunArgs("a"));
  ASSERT_TRUE(run.AwaitClosed(kWait)) << run.output();
  const int st = run.Wait();
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1) << ExitText(st) << "\n" << run.output();
  EXPECT_NE(run.output().find("topic '" + table +
                              "' has cleanup.policy=delete on the cluster but the topology declares compact"),
            std::string::npos)
      << run.output();
  EXPECT_EQ(run.output().find("running;"), std::string::npos) << run.output();
  EXPECT_EQ(testing::DescribeTopicConfigs(s.bootstrap(), table)["cleanup.policy"], "delete");
}

}  // namespace
}  // namespace topo
