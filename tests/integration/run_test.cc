// `topo run` as a user drives it: graceful stop, a second instance refused,
// produce/consume round trip, a record that fails the run names its position.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "engine/log/embedded_log.h"
#include "tests/integration/runner_fixture.h"
#include "tests/integration/topo_process.h"

namespace topo {
namespace {

namespace fs = std::filesystem;

class RunTest : public testing::RunnerFixture {
 protected:
  std::vector<std::string> Run(std::vector<std::string> extra = {}) {
    // No HTTP port: tests run in parallel and would contend for the default one.
    std::vector<std::string> a = {
        "run", (dir_ / "t.jsonnet").string(), "--data-dir", (dir_ / "data").string(), "--http-port", "-1"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

TEST_F(RunTest, SigintCommitsAndExitsZeroAndOutputsCanBeConsumed) {
  // An hour between commits: only the commit at the graceful stop can save the work.
  {
    std::ifstream in(dir_ / "t.jsonnet");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string head = "topo.topology('runner', {";
    ASSERT_NE(text.find(head), std::string::npos);
    text.replace(text.find(head), head.size(), head + " config: { commit_interval_ms: 3600000 },");
    std::ofstream(dir_ / "t.jsonnet") << text;
  }
  testing::TopoProcess run;
  run.Start(Run({"--produce", "in=" + (dir_ / "in.jsonl").string(), "--status-interval", "0.05"}));
  ASSERT_TRUE(run.AwaitOutput("records in 2 ")) << run.output();
  run.Signal(SIGINT);
  int st = run.Wait();
  ASSERT_TRUE(WIFEXITED(st)) << run.output();
  EXPECT_EQ(WEXITSTATUS(st), 0) << run.output();
  EXPECT_NE(run.output().find("stopped: records in 2"), std::string::npos) << run.output();

  // What was processed before the stop is committed: a restart does not redo it,
  testing::TopoProcess again;
  again.Start(Run({"--exit-when-idle", "300"}));
  ASSERT_EQ(WEXITSTATUS(again.Wait()), 0) << again.output();
  EXPECT_NE(again.output().find("stopped: records in 0,"), std::string::npos) << again.output();
  // and a consumer sees each output once.
  testing::TopoProcess consume;
  consume.Start({"consume", "out", "--data-dir", Data(), "--from-beginning", "--max", "3", "--timeout", "1"});
  ASSERT_EQ(WEXITSTATUS(consume.Wait()), 0) << consume.output();
  const std::string out = consume.output();
  EXPECT_NE(out.find(R"("key":"k1","value":{"id":"k1","total":5})"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("key":"k2","value":{"id":"k2","total":3})"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;
}

TEST_F(RunTest, ASecondInstanceOnTheSameDataDirIsRefused) {
  testing::TopoProcess first;
  first.Start(Run());
  ASSERT_TRUE(first.AwaitOutput("\nrunning;")) << first.output();
  testing::TopoProcess second;
  second.Start(Run());
  int st = second.Wait();
  EXPECT_EQ(WEXITSTATUS(st), 1) << second.output();
  EXPECT_NE(second.output().find("in use by process " + std::to_string(first.pid())), std::string::npos)
      << second.output();
  first.Signal(SIGTERM);
  EXPECT_EQ(WEXITSTATUS(first.Wait()), 0) << first.output();
}

TEST_F(RunTest, ARecordThatFailsStopsTheRunNamingNodeAndPosition) {
  std::ofstream(dir_ / "bad.jsonl") << R"({"key":"k9","value":{"id":"k9","a":1,"b":0}})"
                                       "\n";
  testing::TopoProcess run;
  run.Start(Run({"--produce", "in=" + (dir_ / "bad.jsonl").string()}));
  int st = run.Wait();
  EXPECT_EQ(WEXITSTATUS(st), 1) << run.output();
  EXPECT_NE(run.output().find("node 'up'"), std::string::npos) << run.output();
  EXPECT_NE(run.output().find("division by zero"), std::string::npos) << run.output();
  EXPECT_NE(run.output().find("(input in["), std::string::npos) << run.output();
}

TEST_F(RunTest, UndecodableInputStopsTheRunNamingTopicPartitionOffset) {
  {  // Raw bytes that are not JSON, written through the log API (topo produce only writes JSON).
    log::EmbeddedLogOptions o;
    o.dir = Data();
    auto lg = log::OpenEmbeddedLog(o);
    ASSERT_TRUE(lg.ok()) << lg.status().message();
    log::TopicConfig in;
    in.name = "in";
    in.partitions = 2;
    std::vector<std::string> report;
    ASSERT_TRUE((*lg)->EnsureTopics({in}, &report).ok());
    auto producer = (*lg)->NewProducer("");
    RawRecord r;
    r.topic = "in";
    r.partition = Partition(1);
    r.key = "k";
    r.value = "{\"id\": ";
    ASSERT_TRUE((*producer)->Send(std::move(r)).ok());
    ASSERT_TRUE((*producer)->Flush().ok());
  }
  testing::TopoProcess run;
  run.Start(Run());
  int st = run.Wait();
  EXPECT_EQ(WEXITSTATUS(st), 1) << run.output();
  EXPECT_NE(run.output().find("node 'src'"), std::string::npos) << run.output();
  EXPECT_NE(run.output().find("value does not decode as json"), std::string::npos) << run.output();
  EXPECT_NE(run.output().find("(input in[1]@0)"), std::string::npos) << run.output();
}

TEST_F(RunTest, UnknownKafkaPropertyIsNamed) {
  testing::TopoProcess run;
  run.Start({"run", (dir_ / "t.jsonnet").string(), "--bootstrap-servers", "127.0.0.1:1", "-X",
             "no.such.property=1", "--http-port", "-1", "--state-dir", (dir_ / "state").string()});
  int st = run.Wait();
  EXPECT_NE(WEXITSTATUS(st), 0);
  EXPECT_NE(run.output().find("no.such.property"), std::string::npos) << run.output();
}

TEST_F(RunTest, UnreachableBrokersAreAnErrorAfterKafkaTimeout) {
  testing::TopoProcess run;
  run.Start({"run", (dir_ / "t.jsonnet").string(), "--bootstrap-servers", "127.0.0.1:1", "--kafka-timeout",
             "1", "--http-port", "-1", "--state-dir", (dir_ / "state").string()});
  int st = run.Wait();
  EXPECT_EQ(WEXITSTATUS(st), 1) << run.output();
  // Said before the wait, so a user sees what it is waiting for.
  EXPECT_NE(run.output().find("connecting to Kafka at 127.0.0.1:1 (waiting up to 1 s)"), std::string::npos)
      << run.output();
  EXPECT_NE(run.output().find("cannot reach the Kafka brokers at 127.0.0.1:1 within 1 s"), std::string::npos)
      << run.output();
}

}  // namespace
}  // namespace topo
