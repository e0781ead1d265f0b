// `topo run --bootstrap-servers` against librdkafka's mock cluster (in this test
// process, reached over loopback): a produce/consume round trip through topo
// run, and two instances in one group sharing partitions, one taking over when
// the other stops. The mock does not enforce read_committed or fencing
// (DESIGN §7), so these tests check delivery, not exactly-once visibility.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "engine/log/kafka_log.h"
#include "engine/serde/codec.h"
#include "tests/integration/health_probe.h"
#include "tests/integration/topo_process.h"
#include "tests/testing/mock_kafka.h"

namespace topo {
namespace {

namespace fs = std::filesystem;

constexpr int kPartitions = 8;

class KafkaRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("topo_krun_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "t.jsonnet") << R"(
local topo = import 'topo.libsonnet';
topo.topology('krun', {
  topics: { 'orders.webhooks': topo.topic(partitions=8), 'orders.routed': topo.topic(partitions=8) },
  nodes: {
    src: topo.source('orders.webhooks'),
    shaped: topo.map('src', key='value.user_id', value='{order: value.id, user: value.user_id}'),
    sink: topo.sink('shaped', 'orders.routed'),
  },
}))";
    ASSERT_TRUE(mock_.CreateTopic("orders.webhooks", kPartitions));
    ASSERT_TRUE(mock_.CreateTopic("orders.routed", kPartitions));
  }
  void TearDown() override { fs::remove_all(dir_); }

  log::KafkaLogOptions Options() {
    log::KafkaLogOptions o;
    o.bootstrap_servers = mock_.bootstraps();
    o.check_topic_configs = false;  // the mock does not answer DescribeConfigs
    o.properties = {{"session.timeout.ms", "3000"}, {"heartbeat.interval.ms", "300"}};
    o.logger = [](int, std::string_view, std::string_view) {};
    return o;
  }

  // Orders [from, to) through a new producer of their own.
  void ProduceOrders(int from, int to) {
    auto lg = log::OpenKafkaLog(Options());
    ASSERT_TRUE(lg.ok()) << lg.status().message();
    auto producer = (*lg)->NewProducer("");
    ASSERT_TRUE(producer.ok()) << producer.status().message();
    SendOrders(**producer, from, to);
  }
  void SendOrders(log::Producer& producer, int from, int to) {
    for (int i = from; i < to; ++i) {
      RawRecord r;
      r.topic = "orders.webhooks";
      r.partition = Partition(i % kPartitions);
      r.key = "o-" + std::to_string(i);
      r.value = "{\"id\":\"o-" + std::to_string(i) + "\",\"user_id\":\"u-" + std::to_string(i % 37) + "\"}";
      ASSERT_TRUE(producer.Send(std::move(r)).ok());
    }
    ASSERT_TRUE(producer.Flush().ok());
  }

  // Order ids in orders.routed (read from the beginning by a fresh group) until `want` distinct ids are seen.
  std::set<std::string> ReadRouted(size_t want) {
    std::set<std::string> ids;
    auto lg = log::OpenKafkaLog(Options());
    EXPECT_TRUE(lg.ok());
    if (!lg.ok()) return ids;
    auto consumer = (*lg)->NewConsumer("verify-" + std::to_string(getpid()), "verify");
    struct Nop : log::RebalanceListener {
      void OnAssigned(const std::vector<log::TopicPartition>&) override {}
      void OnRevoked(const std::vector<log::TopicPartition>&) override {}
    } nop;
    EXPECT_TRUE((*consumer)->Subscribe({"orders.routed"}, &nop).ok());
    auto json = MakeCodec("json", nullptr);
    std::vector<RawRecord> batch;
    // Bounded: each Poll waits for records; give up after many empty polls.
    for (int empty = 0; ids.size() < want && empty < 60;) {
      batch.clear();
      EXPECT_TRUE((*consumer)->Poll(500, 1000, &batch).ok());
      if (batch.empty()) ++empty;
      for (const auto& r : batch) {
        auto v = (*json)->Decode(*r.value);
        if (v.ok()) ids.insert(v->Get("order")->as_string());
      }
    }
    (*consumer)->Close().IgnoreError();  // verification only
    return ids;
  }

  // Each running instance has a state dir of its own (it holds the instance id).
  std::vector<std::string> RunArgs(const std::string& extra_idle, const std::string& instance = "a") {
    std::vector<std::string> a = {"run",
                                  (dir_ / "t.jsonnet").string(),
                                  "--bootstrap-servers",
                                  mock_.bootstraps(),
                                  "--no-topic-config-check",  // the mock does not answer DescribeConfigs
                                  "-X",
                                  "session.timeout.ms=3000",
                                  "-X",
                                  "heartbeat.interval.ms=300",
                                  "--status-interval",
                                  "0.2",
                                  "--http-port",
                                  "-1",
                                  "--state-dir",
                                  (dir_ / ("state-" + instance)).string()};
    if (!extra_idle.empty()) a.insert(a.end(), {"--exit-when-idle", extra_idle});
    return a;
  }

  struct Injected {
    int16_t api;
    rd_kafka_resp_err_t error;
  };
  // Injects one error answer to each broker API of `errors` while a run
  // processes: the run must print `expected`, rejoin, and still deliver every
  // record. The test's producer is initialized before (its own InitProducerId
  // must not take an injected answer).
  void ExpectRejoinWithoutLoss(const std::vector<Injected>& errors, const std::string& expected) {
    testing::TopoProcess run;
    run.Start(RunArgs(""));
    ASSERT_TRUE(run.AwaitOutput("tasks 8 ")) << run.output();
    auto lg = log::OpenKafkaLog(Options());
    ASSERT_TRUE(lg.ok()) << lg.status().message();
    auto producer = (*lg)->NewProducer("");
    ASSERT_TRUE(producer.ok()) << producer.status().message();
    SendOrders(**producer, 0, 1000);
    ASSERT_TRUE(run.AwaitOutput("records in 1000 ")) << run.output();
    for (const Injected& e : errors) rd_kafka_mock_push_request_errors(mock_.get(), e.api, 1, e.error);
    SendOrders(**producer, 1000, 2000);
    ASSERT_TRUE(run.AwaitOutput(expected)) << run.output();
    ASSERT_TRUE(run.AwaitOutput("rejoining the group")) << run.output();
    SendOrders(**producer, 2000, 3000);
    auto ids = ReadRouted(3000);
    EXPECT_EQ(ids.size(), 3000u) << run.output();
    run.Signal(SIGTERM);
    EXPECT_EQ(WEXITSTATUS(run.Wait()), 0) << run.output();
  }

  static constexpr int16_t kProduceApi = 0;
  static constexpr int16_t kInitProducerIdApi = 22;
  static constexpr int16_t kEndTxnApi = 26;
  static constexpr int16_t kTxnOffsetCommitApi = 28;

  testing::MockCluster mock_{3};
  fs::path dir_;
};

TEST_F(KafkaRunTest, RoundTripThroughTopoRun) {
  ProduceOrders(0, 2000);
  testing::TopoProcess run;
  run.Start(RunArgs("3000"));
  int st = run.Wait();
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << run.output();
  EXPECT_NE(run.output().find("backend kafka"), std::string::npos) << run.output();
  EXPECT_NE(run.output().find("checked topic 'orders.webhooks': 8 partitions"), std::string::npos)
      << run.output();
  auto ids = ReadRouted(2000);
  EXPECT_EQ(ids.size(), 2000u);
}

// Issue 9, defect 6: a record the broker refuses for good (here: its first
// produce request is answered MESSAGE_TOO_LARGE) stops the run at once with an
// error naming the topic. Before, the thread rejoined five times, replaying
// the record each time, and stopped some 15 s later.
TEST_F(KafkaRunTest, ARecordTheBrokerRefusesForGoodStopsTheRunAtOnce) {
  ProduceOrders(0, 100);
  // The run's first Produce request (its outputs) takes the refusal; its
  // clients send no Produce request before.
  rd_kafka_mock_push_request_errors(mock_.get(), kProduceApi, 1, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  testing::TopoProcess run;
  run.Start(RunArgs(""));
  ASSERT_TRUE(run.AwaitClosed(std::chrono::seconds(60))) << run.output();
  int st = run.Wait();
  ASSERT_TRUE(WIFEXITED(st)) << run.output();
  EXPECT_EQ(WEXITSTATUS(st), 1) << run.output();
  EXPECT_NE(run.output().find("delivery to orders.routed["), std::string::npos) << run.output();
  EXPECT_NE(run.output().find("refuses this record for good"), std::string::npos) << run.output();
  EXPECT_EQ(run.output().find("rejoining the group"), std::string::npos) << run.output();
}

// More stream threads than partitions: the group leaves one thread without
// any, which is a finished rebalance, so /health answers 200.
TEST_F(KafkaRunTest, HealthIsOkWhenAThreadOwnsNoPartition) {
  const int port = 17080;
  std::vector<std::string> args = RunArgs("");
  *(std::find(args.begin(), args.end(), "--http-port") + 1) = std::to_string(port);
  args.insert(args.end(), {"--threads", "9"});
  testing::TopoProcess run;
  run.Start(args);
  ASSERT_TRUE(run.AwaitOutput("tasks 8 ")) << run.output();
  ASSERT_TRUE(run.AwaitOutput("assigned nothing new (0 task(s) in all)")) << run.output();
  // The status line may come before the last thread joined: ask until it has.
  testing::HealthAnswer health = testing::AwaitHealthy(port, std::chrono::seconds(60));
  EXPECT_EQ(health.status, 200) << health.body << "\n" << run.output();
  EXPECT_NE(health.body.find(R"("tasks":8)"), std::string::npos) << health.body;
  run.Signal(SIGTERM);
  EXPECT_EQ(WEXITSTATUS(run.Wait()), 0) << run.output();
}

TEST_F(KafkaRunTest, TwoInstancesSplitPartitionsAndOneTakesOver) {
  testing::TopoProcess a, b;
  a.Start(RunArgs(""));
  ASSERT_TRUE(a.AwaitOutput("tasks 8 ")) << a.output();  // alone, it owns all 8 partitions
  b.Start(RunArgs("", "b"));
  // After the rebalance both own some: each prints a status line with fewer than 8 tasks.
  ASSERT_TRUE(b.AwaitOutput("tasks 4 ")) << b.output();
  ProduceOrders(0, 1000);
  // b stops gracefully; a takes its partitions back.
  b.Signal(SIGTERM);
  EXPECT_EQ(WEXITSTATUS(b.Wait()), 0) << b.output();
  ProduceOrders(1000, 2000);
  auto ids = ReadRouted(2000);
  EXPECT_EQ(ids.size(), 2000u) << "a: " << a.output() << "\nb: " << b.output();
  a.Signal(SIGTERM);
  EXPECT_EQ(WEXITSTATUS(a.Wait()), 0) << a.output();
}

// The state dir keeps the instance id (and with it the transactional ids)
// across restarts, and a second instance on the same state dir is refused
// instead of fencing the first one.
TEST_F(KafkaRunTest, TheStateDirKeepsTheInstanceIdAndAdmitsOneInstance) {
  auto instance_line = [](const std::string& out) {
    size_t at = out.find("  state dir ");
    return at == std::string::npos ? std::string() : out.substr(at, out.find('\n', at) - at);
  };
  testing::TopoProcess a;
  a.Start(RunArgs(""));
  ASSERT_TRUE(a.AwaitOutput("tasks 8 ")) << a.output();
  const std::string first = instance_line(a.output());
  ASSERT_NE(first.find(", instance "), std::string::npos) << a.output();

  testing::TopoProcess twin;
  twin.Start(RunArgs(""));  // the same state dir
  int st = twin.Wait();
  EXPECT_EQ(WEXITSTATUS(st), 1) << twin.output();
  EXPECT_NE(twin.output().find("is in use by process " + std::to_string(a.pid())), std::string::npos)
      << twin.output();
  a.Signal(SIGKILL);
  a.Wait();

  testing::TopoProcess restarted;
  restarted.Start(RunArgs(""));
  ASSERT_TRUE(restarted.AwaitOutput("tasks 8 ")) << restarted.output();
  EXPECT_EQ(instance_line(restarted.output()), first) << restarted.output();
  restarted.Signal(SIGTERM);
  EXPECT_EQ(WEXITSTATUS(restarted.Wait()), 0) << restarted.output();
}

// The next transaction's EndTxn answers PRODUCER_FENCED, which librdkafka
// makes fatal for the producer: the thread must close its tasks, rejoin the
// group with a new producer and go on from the committed offsets.
TEST_F(KafkaRunTest, FencedProducerClosesTasksAndRejoinsWithoutLoss) {
  ExpectRejoinWithoutLoss({{kEndTxnApi, RD_KAFKA_RESP_ERR_PRODUCER_FENCED}}, "(_FENCED: ");
}

// Fenced, and then the new transactional producer cannot initialize either:
// the rejoin is tried again (after a pause) instead of ending the run.
TEST_F(KafkaRunTest, RejoinWhoseNewProducerFailsIsRetried) {
  ExpectRejoinWithoutLoss({{kEndTxnApi, RD_KAFKA_RESP_ERR_PRODUCER_FENCED},
                           {kInitProducerIdApi, RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED}},
                          "rejoining the group (attempt 2)");
}

// A transaction the broker aborts (here: its offsets refused once) is not the
// end of the run: the thread rejoins and reprocesses from the committed offsets.
TEST_F(KafkaRunTest, AbortedTransactionIsReprocessedWithoutLoss) {
  ExpectRejoinWithoutLoss({{kTxnOffsetCommitApi, RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED}},
                          "the transaction was aborted");
}

// Records keep arriving while a second instance joins and leaves again: the
// partitions that move mid-poll are processed by their new owner, and neither
// instance stops with an error.
TEST_F(KafkaRunTest, RebalancesWhileRecordsFlowLoseNothing) {
  constexpr int kOrders = 6000;
  testing::TopoProcess a, b;
  a.Start(RunArgs(""));
  ASSERT_TRUE(a.AwaitOutput("tasks 8 ")) << a.output();
  std::thread feeder([&] {
    for (int from = 0; from < kOrders; from += 100) ProduceOrders(from, from + 100);
  });
  b.Start(RunArgs("", "b"));
  const bool joined = b.AwaitOutput("tasks 4 ");
  b.Signal(SIGTERM);
  const int b_exit = WEXITSTATUS(b.Wait());
  feeder.join();
  ASSERT_TRUE(joined) << b.output();
  EXPECT_EQ(b_exit, 0) << b.output();
  auto ids = ReadRouted(kOrders);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kOrders)) << "a: " << a.output() << "\nb: " << b.output();
  a.Signal(SIGTERM);
  EXPECT_EQ(WEXITSTATUS(a.Wait()), 0) << a.output();
}

// The first SIGINT commits and stops, which waits on the brokers; with every
// broker down that takes long, and a second SIGINT exits at once (130).
TEST_F(KafkaRunTest, SecondSigintExitsAtOnceWhileTheStopWaitsOnBrokers) {
  testing::TopoProcess run;
  run.Start(RunArgs(""));
  ASSERT_TRUE(run.AwaitOutput("tasks 8 ")) << run.output();
  ProduceOrders(0, 100);
  ASSERT_TRUE(run.AwaitOutput("records in 100 ")) << run.output();
  for (int32_t broker = 1; broker <= 3; ++broker) rd_kafka_mock_broker_set_down(mock_.get(), broker);
  run.Signal(SIGINT);
  ASSERT_TRUE(run.AwaitOutput("stopping: committing what was processed")) << run.output();
  run.Signal(SIGINT);
  int st = run.Wait();
  ASSERT_TRUE(WIFEXITED(st)) << run.output();
  EXPECT_EQ(WEXITSTATUS(st), 130) << run.output();
  EXPECT_EQ(run.output().find("stopped:"), std::string::npos) << run.output();
  for (int32_t broker = 1; broker <= 3; ++broker) rd_kafka_mock_broker_set_up(mock_.get(), broker);
}

// `topo produce` and `topo consume` with --bootstrap-servers: a JSON-lines round
// trip through the cluster, keys, values and headers intact.
TEST_F(KafkaRunTest, ProduceAndConsumeCommandsWorkAgainstKafka) {
  std::ofstream(dir_ / "lines.jsonl")
      << R"({"key":"o-1","value":{"id":"o-1","user_id":"u-1"},"headers":{"h":"1"}})"
         "\n"
      << R"({"key":"o-2","value":{"id":"o-2","user_id":"u-2"}})"
         "\n";
  testing::TopoProcess produce;
  produce.Start({"produce", "orders.webhooks", "--bootstrap-servers", mock_.bootstraps(),
                 "--no-topic-config-check", "--file", (dir_ / "lines.jsonl").string()});
  ASSERT_EQ(WEXITSTATUS(produce.Wait()), 0) << produce.output();
  EXPECT_NE(produce.output().find("produced 2 record(s) into orders.webhooks"), std::string::npos)
      << produce.output();
  testing::TopoProcess consume;
  consume.Start({"consume", "orders.webhooks", "--bootstrap-servers", mock_.bootstraps(), "--from-beginning",
                 "--max", "2", "--timeout", "20"});
  ASSERT_EQ(WEXITSTATUS(consume.Wait()), 0) << consume.output();
  const std::string out = consume.output();
  EXPECT_NE(out.find(R"("key":"o-1","value":{"id":"o-1","user_id":"u-1"},"headers":{"h":"1"})"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(R"("key":"o-2","value":{"id":"o-2","user_id":"u-2"})"), std::string::npos) << out;
}

TEST_F(KafkaRunTest, PartitionCountMismatchIsAnErrorNamingBoth) {
  std::ofstream(dir_ / "m.jsonnet") << R"(
local topo = import 'topo.libsonnet';
topo.topology('mismatch', {
  topics: { 'orders.webhooks': topo.topic(partitions=12), out: topo.topic() },
  nodes: { src: topo.source('orders.webhooks'), sink: topo.sink('src', 'out') },
}))";
  testing::TopoProcess run;
  run.Start({"run", (dir_ / "m.jsonnet").string(), "--bootstrap-servers", mock_.bootstraps(),
             "--no-topic-config-check", "--http-port", "-1", "--state-dir", (dir_ / "state").string()});
  int st = run.Wait();
  EXPECT_EQ(WEXITSTATUS(st), 1) << run.output();
  EXPECT_NE(run.output().find("has 8 partitions on the cluster but the topology declares 12"),
            std::string::npos)
      << run.output();
}

}  // namespace
}  // namespace topo
