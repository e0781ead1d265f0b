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

// A run SIGKILLed with a transaction open and never restarted: nobody reuses
// its transactional ids, so only the broker ends that transaction, after the
// producers' transaction.timeout.ms; until then read_committed readers of its
// partitions wait. topo run's default is Kafka Streams' 10 s (max(10 s, 2 x
// commit interval)) instead of librdkafka's 60 s, so the broker's abort comes
// within 10 s plus its check interval (10 s) of the last write: well under 60 s.
TEST_F(RealKafkaEos, ADeadInstancesOpenTransactionIsAbortedAfterTopoRunsDefaultTimeout) {
  Scenario& s = *s_;
  TopoProcess dead;
  // Commits every 4 s while inputs arrive every 12.5 ms: a transaction is open
  // at almost any moment.
  ASSERT_NO_FATAL_FAILURE(s.StartAndAwaitTasks(&dead, "a", 8, {"--commit-interval", "4000"}));
  Feeder feeder(s.bootstrap(), s.in());
  ASSERT_TRUE(feeder.producer().ok());
  feeder.StartOpenEnded(0, 2000, 4000);
  ASSERT_TRUE(dead.AwaitOutput(RecordsInAtLeast(1000), kWait)) << dead.output();
  dead.Signal(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  dead.Wait();
  feeder.Finish();
  ASSERT_FALSE(OpenPartitions(s.bootstrap(), s.out()).empty())
      << "no transaction was open at the kill (the test needs one)\n"
      << dead.output();
  ASSERT_TRUE(AwaitSettled(s.bootstrap(), s.out(), kWait));
  const double aborted_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  std::printf("the dead run's open transaction was aborted by the broker %.1f s after the kill\n", aborted_s);
  EXPECT_LT(aborted_s, 50.0) << "librdkafka's 60 s transaction.timeout.ms is in force, not topo run's 10 s";
}

// Scenario 2: `topo run` (2 stream threads) SIGKILLed 5 times at random points
// while a feeder writes inputs (600/s, at least 20,000, across 8 partitions and
// 40 keys), restarted on the same state dir after each kill: read_committed
// sees every input's output exactly once, in per-partition input order. Each
// kill waits for the incarnation's status line to report a random number of
// records processed. After the first kill each incarnation starts with a
// backlog (the killed member holds its partitions until its 6 s session
// expires) of several thousand records, processed at 20,000-120,000 records/s,
// so a kill lands in that burst (often inside the incarnation's first
// transaction) or in the steady stream after it.
TEST_F(RealKafkaEos, SigkillAtRandomPointsAndRestartKeepsExactlyOnceInOrder) {
  Scenario& s = *s_;
  constexpr int64_t kAtLeast = 20000;
  constexpr int kKills = 5;
  const std::vector<std::string> threads = {"--threads", "2"};
  const unsigned seed = std::random_device{}();
  std::printf("kill points from seed %u\n", seed);
  std::mt19937 rng(seed);
  // Up to about the backlog: in an incarnation's first transactions; beyond it:
  // in the steady stream after the catch-up.
  std::uniform_int_distribution<int64_t> kill_after(100, 5500);
  s.set_status_interval("0.05");  // finer kill points within a burst

  Feeder feeder(s.bootstrap(), s.in());
  ASSERT_TRUE(feeder.producer().ok());
  for (int k = 0; k < kKills; ++k) {
    TopoProcess run;
    run.Start(s.RunArgs("a", threads));
    if (k == 0) {
      ASSERT_TRUE(run.AwaitOutput("\nrunning;", kWait)) << run.output();  // the topics exist
      feeder.StartOpenEnded(0, kAtLeast, 600);                            // until the last kill
    }
    const int64_t threshold = kill_after(rng);
    ASSERT_TRUE(run.AwaitOutput(RecordsInAtLeast(threshold), kWait)) << "incarnation " << k << ":\n"
                                                                     << run.output();
    run.Signal(SIGKILL);  // the fault
    const int st = run.Wait();
    ASSERT_TRUE(WIFSIGNALED(st)) << ExitText(st) << "\n" << run.output();
    const RunStatus last = LastStatus(run.output());
    std::printf("kill %d after %lld record(s) in (threshold %lld, %lld/s, lag %lld, %lld commit(s))\n", k + 1,
                static_cast<long long>(last.in), static_cast<long long>(threshold),
                static_cast<long long>(last.in_rate), static_cast<long long>(last.lag),
                static_cast<long long>(last.commits));
    EXPECT_TRUE(feeder.feeding());  // open-ended: a kill lands while inputs arrive
  }
  TopoProcess last;
  last.Start(s.RunArgs("a", {"--threads", "2", "--exit-when-idle", "3000"}));
  const int64_t kInputs = feeder.Finish();
  EXPECT_EQ(feeder.producer().failed(), 0) << feeder.producer().first_error();
  ASSERT_TRUE(last.AwaitClosed(kWait)) << last.output();
  const int st = last.Wait();
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << ExitText(st) << "\n" << last.output();

  std::vector<OutRecord> committed = s.ExpectOutputsExactlyOnce(kInputs);
  // The kills left aborted writes behind, which read_committed skipped.
  std::vector<OutRecord> all = ReadTopic(s.bootstrap(), s.out(), "read_uncommitted", committed.size());
  std::printf("%zu output record(s) on the log, %zu committed\n", all.size(), committed.size());
  EXPECT_GT(all.size(), committed.size()) << "no kill caught a transaction with records on the log";
}

// Scenario 3: zombie fencing. Two instances share the partitions; one is frozen
// (SIGSTOP) holding an open transaction with records on the log (its commit
// interval is 60 s, so everything it processed since its last commit is in
// it). Once its session expires the other instance owns all 8 tasks and
// reprocesses the frozen one's uncommitted inputs; more inputs arrive; then the
// zombie is resumed (SIGCONT). Its membership is gone, so it must not commit:
// it closes its tasks without committing, aborts, rejoins the group and gets
// partitions again. Nothing it wrote as a zombie becomes visible.
TEST_F(RealKafkaEos, AResumedZombieIsFencedAndItsWritesNeverBecomeVisible) {
  Scenario& s = *s_;
  constexpr int64_t kFed = 4000, kWhileFrozen = 1000, kAfter = 1000;
  constexpr int64_t kInputs = kFed + kWhileFrozen + kAfter;
  TopoProcess zombie, other;
  ASSERT_NO_FATAL_FAILURE(s.StartAndAwaitTasks(&zombie, "zombie", 8, {"--commit-interval", "60000"}));
  other.Start(s.RunArgs("other"));
  ASSERT_TRUE(other.AwaitOutput(TasksAre(4), kWait)) << other.output();
  ASSERT_TRUE(zombie.AwaitOutput(TasksAre(4), kWait)) << zombie.output();
  Feeder feeder(s.bootstrap(), s.in());
  ASSERT_TRUE(feeder.producer().ok());
  feeder.Start(0, kFed, 1000);
  ASSERT_TRUE(zombie.AwaitOutput(RecordsInAtLeast(400), kWait)) << zombie.output();
  zombie.Signal(SIGSTOP);
  const RunStatus frozen_at = LastStatus(zombie.output());
  std::printf("zombie frozen after %lld record(s) in, %lld out, %lld commit(s)\n",
              static_cast<long long>(frozen_at.in), static_cast<long long>(frozen_at.out),
              static_cast<long long>(frozen_at.commits));

  // The zombie's session expires; the other instance takes its tasks.
  ASSERT_TRUE(other.AwaitOutput(TasksAre(8), kWait)) << other.output();
  feeder.Finish();
  InputProducer input(s.bootstrap(), s.in());
  ASSERT_TRUE(input.ok());
  input.SendRange(kFed, kFed + kWhileFrozen);
  // The other instance processed everything so far (on the log) ...
  ASSERT_TRUE(AwaitOutputsOf(s.bootstrap(), s.out(), "read_uncommitted", 0, kFed + kWhileFrozen))
      << other.output();
  // ... but the zombie's open transaction still holds some output partitions.
  EXPECT_FALSE(OpenPartitions(s.bootstrap(), s.out()).empty()) << "the zombie left no open transaction";

  zombie.Signal(SIGCONT);
  ASSERT_TRUE(zombie.AwaitOutput("rejoining the group", kWait)) << zombie.output();
  const std::vector<std::string> rejoin = LinesWith(zombie.output(), "rejoining the group");
  const std::string until_rejoin = zombie.output().substr(0, zombie.output().find(rejoin.front()));
  std::printf("the resumed zombie wrote %lld record(s) after SIGCONT before it rejoined: %s\n",
              static_cast<long long>(LastStatus(until_rejoin).out - frozen_at.out), rejoin.front().c_str());
  // It rejoins (rather than stopping), saying why: its membership was lost or
  // its producer or offsets were fenced.
  const std::string& why = rejoin.front();
  EXPECT_TRUE(why.find(" lost ") != std::string::npos || why.find("fenced") != std::string::npos ||
              why.find("FENCED") != std::string::npos || why.find("UNKNOWN_MEMBER_ID") != std::string::npos ||
              why.find("ILLEGAL_GENERATION") != std::string::npos)
      << why;
  EXPECT_NE(why.find("without committing"), std::string::npos) << why;
  ASSERT_TRUE(zombie.AwaitOutput(AfterThe("rejoining the group", ": assigned "), kWait)) << zombie.output();
  EXPECT_EQ(zombie.output().find("stopped:"), std::string::npos) << zombie.output();

  input.SendRange(kFed + kWhileFrozen, kInputs);
  // The zombie stops first (it commits at most every 60 s): what it has left
  // moves to the other instance, which finishes.
  Scenario::Stop(&zombie, "zombie");
  ASSERT_TRUE(AwaitOutputsOf(s.bootstrap(), s.out(), "read_committed", 0, kInputs)) << other.output();
  Scenario::Stop(&other, "other");
  std::vector<OutRecord> committed = s.ExpectOutputsExactlyOnce(kInputs);
  std::vector<OutRecord> all = ReadTopic(s.bootstrap(), s.out(), "read_uncommitted", committed.size());
  std::printf("%zu output record(s) on the log, %zu committed\n", all.size(), committed.size());
  EXPECT_GT(all.size(), committed.size()) << "the zombie's writes should be on the log, aborted";
}

// Scenario 4: two instances share the partitions while inputs flow; one is
// SIGKILLed and never comes back. The other takes its tasks over once its
// session expires, from the committed offsets: no input lost or duplicated.
// The dead instance's open transaction is ended by the broker after
// transaction.timeout.ms (nobody reuses its transactional ids): until then
// read_committed readers of the partitions it wrote wait (topo run's default
// 10 s, as in Kafka Streams).
TEST_F(RealKafkaEos, OneOfTwoInstancesKilledTheOtherTakesOverWithoutLossOrDuplicates) {
  Scenario& s = *s_;
  constexpr int64_t kAtLeast = 8000;
  TopoProcess survivor, victim;
  ASSERT_NO_FATAL_FAILURE(s.StartAndAwaitTasks(&survivor, "survivor", 8));
  victim.Start(s.RunArgs("victim"));
  ASSERT_TRUE(victim.AwaitOutput(TasksAre(4), kWait)) << victim.output();
  ASSERT_TRUE(survivor.AwaitOutput(TasksAre(4), kWait)) << survivor.output();
  Feeder feeder(s.bootstrap(), s.in());
  ASSERT_TRUE(feeder.producer().ok());
  feeder.StartOpenEnded(0, kAtLeast, 800);
  ASSERT_TRUE(victim.AwaitOutput(RecordsInAtLeast(1000), kWait)) << victim.output();
  victim.Signal(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  victim.Wait();
  ASSERT_TRUE(survivor.AwaitOutput(TasksAre(8), kWait)) << survivor.output();
  const double took_over_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  EXPECT_TRUE(feeder.feeding());  // the survivor took over while inputs still arrive
  const int64_t kInputs = feeder.Finish();
  EXPECT_EQ(feeder.producer().failed(), 0) << feeder.producer().first_error();
  ASSERT_TRUE(AwaitOutputsOf(s.bootstrap(), s.out(), "read_committed", 0, kInputs)) << survivor.output();
  const double visible_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  std::printf("after the kill: all 8 tasks on the survivor in %.1f s, every output visible in %.1f s\n",
              took_over_s, visible_s);
  Scenario::Stop(&survivor, "survivor");
  s.ExpectOutputsExactlyOnce(kInputs);
}

// Scenario 6: a third instance joins two that share the partitions while
// inputs flow. Under cooperative rebalancing the two give up only some of their
// partitions (no revocation leaves one with none), the newcomer gets some, and
// every input comes out once, in order.
TEST_F(RealKafkaEos, AThirdInstanceJoiningWhileRecordsFlowKeepsExactlyOnce) {
  Scenario& s = *s_;
  constexpr int64_t kAtLeast = 8000;
  TopoProcess a, b, c;
  ASSERT_NO_FATAL_FAILURE(s.StartAndAwaitTasks(&a, "a", 8));
  b.Start(s.RunArgs("b"));
  ASSERT_TRUE(b.AwaitOutput(TasksAre(4), kWait)) << b.output();
  ASSERT_TRUE(a.AwaitOutput(TasksAre(4), kWait)) << a.output();
  Feeder feeder(s.bootstrap(), s.in());
  ASSERT_TRUE(feeder.producer().ok());
  feeder.StartOpenEnded(0, kAtLeast, 800);
  ASSERT_TRUE(a.AwaitOutput(RecordsInAtLeast(500), kWait)) << a.output();
  const size_t a_before = a.output().size(), b_before = b.output().size();
  c.Start(s.RunArgs("c"));
  ASSERT_TRUE(c.AwaitOutput([](const std::string& out) { return LastStatus(out).tasks >= 2; }, kWait))
      << c.output();
  EXPECT_TRUE(feeder.feeding());  // the third instance joined while inputs still arrive
  const int64_t kInputs = feeder.Finish();
  EXPECT_EQ(feeder.producer().failed(), 0) << feeder.producer().first_error();
  ASSERT_TRUE(AwaitOutputsOf(s.bootstrap(), s.out(), "read_committed", 0, kInputs)) << "a:\n"
                                                                                    << a.output() << "\nb:\n"
                                                                                    << b.output() << "\nc:\n"
                                                                                    << c.output();
  // Until the stops: A and B revoked only part of their partitions, and at least
  // one of them gave some to C.
  const std::string a_out = a.output(), b_out = b.output();
  int revoked_after_join = 0;
  for (const auto& [name, out, before] :
       {std::tuple{"a", a_out, a_before}, std::tuple{"b", b_out, b_before}}) {
    const std::string running = out.substr(0, out.find("stopping:"));
    for (const std::string& line : LinesWith(running, ": revoked ")) {
      EXPECT_EQ(line.find("(0 task(s) left)"), std::string::npos) << name << ": " << line;
    }
    revoked_after_join +=
        static_cast<int>(LinesWith(running.substr(std::min(before, running.size())), ": revoked ").size());
  }
  EXPECT_GT(revoked_after_join, 0) << "a:\n" << a_out << "\nb:\n" << b_out;
  Scenario::Stop(&c, "c");
  Scenario::Stop(&b, "b");
  Scenario::Stop(&a, "a");
  s.ExpectOutputsExactlyOnce(kInputs);
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

// Scenario 5 (suite RealKafkaRestart: ctest runs it alone, RUN_SERIAL): the
// broker is restarted (same port, same data) while inputs flow into a run with
// 2 stream threads. The run waits for it, resumes without stopping, and every
// input comes out exactly once, in order.
TEST(RealKafkaRestart, TheBrokerRestartedMidStreamTheRunResumesExactlyOnce) {
  Scenario s("broker_restart");
  ASSERT_FALSE(s.bootstrap().empty());
  constexpr int64_t kInputs = 9000;
  TopoProcess run;
  ASSERT_NO_FATAL_FAILURE(s.StartAndAwaitTasks(&run, "a", 8, {"--threads", "2"}));
  Feeder feeder(s.bootstrap(), s.in());
  ASSERT_TRUE(feeder.producer().ok());
  feeder.Start(0, kInputs, 600);  // 15 s of input
  ASSERT_TRUE(run.AwaitOutput(RecordsInAtLeast(1500), kWait)) << run.output();
  ASSERT_NO_FATAL_FAILURE(testing::RestartBroker());
  const RunStatus at_restart = LastStatus(run.output());
  std::printf("broker restarted after %lld record(s) in\n", static_cast<long long>(at_restart.in));
  // Still running, and processing again.
  ASSERT_TRUE(run.AwaitOutput(RecordsInAtLeast(at_restart.in + 1000), kWait)) << run.output();
  feeder.Finish();
  EXPECT_EQ(feeder.producer().failed(), 0) << feeder.producer().first_error();
  ASSERT_TRUE(AwaitOutputsOf(s.bootstrap(), s.out(), "read_committed", 0, kInputs)) << run.output();
  for (const std::string& line : LinesWith(run.output(), "rejoining the group"))
    std::printf("during the restart: %s\n", line.c_str());
  EXPECT_EQ(run.output().find("stopped:"), std::string::npos) << run.output();
  Scenario::Stop(&run, "run");
  s.ExpectOutputsExactlyOnce(kInputs);
}

}  // namespace
}  // namespace topo
