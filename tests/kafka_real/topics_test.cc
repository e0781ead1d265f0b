// Topic management against a real broker, through the topo binary: `topo
// topics create|describe` make and check topics as the topology declares
// them (CreateTopics, DescribeConfigs), a cleanup policy that disagrees is
// named with both values, and an existing topic's own max.message.bytes is
// the limit `topo run` checks records against (the record goes to its sink's
// dead letter instead of being refused by the broker).

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/integration/topo_process.h"
#include "tests/testing/real_kafka.h"

namespace topo {
namespace {

namespace fs = std::filesystem;
using testing::RealKafkaBootstrap;
using testing::UniqueTopic;

struct Ran {
  int exit = -1;
  std::string output;
};

class RealKafkaTopicsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("topo_ktopics_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    boot_ = RealKafkaBootstrap();
  }
  void TearDown() override { fs::remove_all(dir_); }

  Ran Topo(std::vector<std::string> args) {
    testing::TopoProcess p;
    p.Start(args);
    int st = p.Wait();
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, p.output()};
  }
  Ran Topics(const std::string& verb, const std::string& file) {
    return Topo({"topics", verb, (dir_ / file).string(), "--bootstrap-servers", boot_});
  }
  void Write(const std::string& file, const std::string& text) { std::ofstream(dir_ / file) << text; }

  fs::path dir_;
  std::string boot_;
};

TEST_F(RealKafkaTopicsTest, CreateMakesTopicsAsDeclaredAndDescribeChecksThem) {
  const std::string events = UniqueTopic("events"), table = UniqueTopic("table");
  Write("t.jsonnet", R"(
local topo = import 'topo.libsonnet';
topo.topology('topics', {
  topics: {
    ')" + events + R"(': topo.topic(partitions=3, retention='1d'),
    ')" + table + R"(': topo.topic(partitions=2, cleanup='compact'),
  },
  nodes: { src: topo.source(')" +
                         events + R"('), sink: topo.sink('src', ')" + table + R"(') },
}))");
  Ran created = Topics("create", "t.jsonnet");
  ASSERT_EQ(created.exit, 0) << created.output;
  EXPECT_NE(created.output.find("created topic '" + table +
                                "' (2 partitions, replication 1, cleanup.policy=compact)"),
            std::string::npos)
      << created.output;
  // What the broker now holds, read without topo.
  auto events_cfg = testing::DescribeTopicConfigs(boot_, events);
  EXPECT_EQ(events_cfg["cleanup.policy"], "delete");
  EXPECT_EQ(events_cfg["retention.ms"], "86400000");
  EXPECT_EQ(testing::DescribeTopicConfigs(boot_, table)["cleanup.policy"], "compact");

  Ran described = Topics("describe", "t.jsonnet");
  ASSERT_EQ(described.exit, 0) << described.output;
  EXPECT_NE(described.output.find("ok       user        3 partition(s), cleanup=delete, retention=1d"),
            std::string::npos)
      << described.output;
  EXPECT_NE(described.output.find("ok       user        2 partition(s), cleanup=compact, retention=forever"),
            std::string::npos)
      << described.output;
  // A second create only checks.
  Ran again = Topics("create", "t.jsonnet");
  ASSERT_EQ(again.exit, 0) << again.output;
  EXPECT_NE(again.output.find("checked topic '" + table + "': 2 partitions, cleanup.policy"),
            std::string::npos)
      << again.output;
}

TEST_F(RealKafkaTopicsTest, ACleanupPolicyThatDisagreesIsNamedWithBothValues) {
  const std::string in = UniqueTopic("in"), state = UniqueTopic("state");
  testing::CreateTopic(boot_, in, 2);
  testing::CreateTopic(boot_, state, 2, {{"cleanup.policy", "delete"}});
  Write("t.jsonnet", R"(
local topo = import 'topo.libsonnet';
topo.topology('policy', {
  topics: { ')" + in + R"(': topo.topic(partitions=2), ')" +
                         state + R"(': topo.topic(partitions=2, cleanup='compact') },
  nodes: { src: topo.source(')" +
                         in + R"('), sink: topo.sink('src', ')" + state + R"(') },
}))");
  Ran described = Topics("describe", "t.jsonnet");
  EXPECT_EQ(described.exit, 1) << described.output;
  EXPECT_NE(described.output.find("mismatch user        2 partition(s), cleanup=delete"), std::string::npos)
      << described.output;
  EXPECT_NE(described.output.find("cleanup delete on the log, compact declared"), std::string::npos)
      << described.output;
  const std::string want =
      "topic '" + state + "' has cleanup.policy=delete on the cluster but the topology declares compact";
  Ran created = Topics("create", "t.jsonnet");
  EXPECT_EQ(created.exit, 1) << created.output;
  EXPECT_NE(created.output.find(want), std::string::npos) << created.output;
  // topo run refuses to start on it, with the same words, and changes nothing.
  Ran run = Topo({"run", (dir_ / "t.jsonnet").string(), "--bootstrap-servers", boot_, "--http-port", "-1",
                  "--state-dir", (dir_ / "state").string()});
  EXPECT_EQ(run.exit, 1) << run.output;
  EXPECT_NE(run.output.find(want), std::string::npos) << run.output;
  EXPECT_EQ(testing::DescribeTopicConfigs(boot_, state)["cleanup.policy"], "delete");
}

TEST_F(RealKafkaTopicsTest, AnExistingTopicsMaxMessageBytesIsTheLimitRecordsMeet) {
  const std::string in = UniqueTopic("in"), out = UniqueTopic("out"), dlq = UniqueTopic("dlq");
  testing::CreateTopic(boot_, out, 1, {{"max.message.bytes", "2000"}});
  Write("t.jsonnet", R"(
local topo = import 'topo.libsonnet';
topo.topology('limits', {
  topics: { ')" + in + R"(': topo.topic(), ')" +
                         out + R"(': topo.topic(), ')" + dlq + R"(': topo.topic() },
  nodes: {
    src: topo.source(')" +
                         in + R"('),
    triple: topo.map('src', value='{s: concat(value.s, value.s, value.s)}'),
    sink: topo.sink('triple', ')" +
                         out + R"(', onError=topo.dlq(')" + dlq + R"(')),
  },
}))");
  ASSERT_EQ(Topics("create", "t.jsonnet").exit, 0);
  std::ofstream(dir_ / "in.jsonl")
      << "{\"key\":\"small\",\"value\":{\"s\":\"abc\"}}\n{\"key\":\"big\",\"value\":{\"s\":\""
      << std::string(1000, 'x') << "\"}}\n";
  Ran produced = Topo({"produce", in, "--bootstrap-servers", boot_, "--file", (dir_ / "in.jsonl").string()});
  ASSERT_EQ(produced.exit, 0) << produced.output;
  Ran run =
      Topo({"run", (dir_ / "t.jsonnet").string(), "--bootstrap-servers", boot_, "--http-port", "-1",
            "--state-dir", (dir_ / "state").string(), "--exit-when-idle", "1000", "--status-interval", "0"});
  ASSERT_EQ(run.exit, 0) << run.output;
  EXPECT_NE(run.output.find("errors 1 (dead-lettered 1, skipped 0)"), std::string::npos) << run.output;
  Ran dead = Topo(
      {"consume", dlq, "--bootstrap-servers", boot_, "--from-beginning", "--max", "1", "--timeout", "30"});
  ASSERT_EQ(dead.exit, 0) << dead.output;
  EXPECT_NE(dead.output.find("exceeds the max.message.bytes of topic '" + out + "' (2000)"),
            std::string::npos)
      << dead.output.substr(0, 400);
  Ran good = Topo(
      {"consume", out, "--bootstrap-servers", boot_, "--from-beginning", "--max", "1", "--timeout", "30"});
  ASSERT_EQ(good.exit, 0) << good.output;
  EXPECT_NE(good.output.find(R"("key":"small","value":{"s":"abcabcabc"})"), std::string::npos) << good.output;
}

}  // namespace
}  // namespace topo
