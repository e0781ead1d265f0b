// `topo topics list|describe|create FILE` on the embedded log, as a user (or
// CI gating on exit codes) runs them.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/runner_fixture.h"
#include "tests/integration/topo_process.h"

namespace topo {
namespace {

class TopicsTest : public testing::RunnerFixture {
 protected:
  // Runs `topo topics VERB FILE --data-dir <data>`; returns the exit code.
  int Topics(const std::string& verb, const std::string& file, std::string* out,
             std::vector<std::string> extra = {}) {
    testing::TopoProcess p;
    std::vector<std::string> args = {"topics", verb, (dir_ / file).string(), "--data-dir", Data()};
    args.insert(args.end(), extra.begin(), extra.end());
    p.Start(args);
    int st = p.Wait();
    *out = p.output();
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  void WriteTopology(const std::string& file, int out_partitions, const std::string& out_retention) {
    std::ofstream(dir_ / file) << R"(
local topo = import 'topo.libsonnet';
topo.topology('runner', {
  topics: { 'in': topo.topic(partitions=2), out: topo.topic(partitions=)"
                               << out_partitions << ", retention='" << out_retention << R"(') },
  nodes: { src: topo.source('in'), sink: topo.sink('src', 'out') },
}))";
  }
};

TEST_F(TopicsTest, CreateThenDescribeIsOkAndIdempotent) {
  std::string out;
  ASSERT_EQ(Topics("create", "t.jsonnet", &out), 0) << out;
  EXPECT_NE(out.find("created topic in (2 partitions)"), std::string::npos) << out;
  ASSERT_EQ(Topics("create", "t.jsonnet", &out), 0) << out;
  EXPECT_NE(out.find("topic in ok (2 partitions)"), std::string::npos) << out;
  ASSERT_EQ(Topics("describe", "t.jsonnet", &out), 0) << out;
  EXPECT_NE(out.find("ok       user        2 partition(s), cleanup=delete, retention=forever"),
            std::string::npos)
      << out;
}

TEST_F(TopicsTest, DescribeSaysMissingAndExitsOne) {
  std::string out;
  WriteTopology("a.jsonnet", 2, "1d");
  ASSERT_EQ(Topics("create", "a.jsonnet", &out), 0) << out;
  // t.jsonnet has the same `in` and `out`; a third topology adds one more.
  std::ofstream(dir_ / "more.jsonnet") << R"(
local topo = import 'topo.libsonnet';
topo.topology('more', {
  topics: { 'in': topo.topic(partitions=2), extra: topo.topic(partitions=2) },
  nodes: { src: topo.source('in'), sink: topo.sink('src', 'extra') },
}))";
  EXPECT_EQ(Topics("describe", "more.jsonnet", &out), 1) << out;
  EXPECT_NE(out.find("missing  user        not on the log (topo topics create, or topo run, creates it)"),
            std::string::npos)
      << out;
}

TEST_F(TopicsTest, APartitionMismatchIsNamedByDescribeAndRefusedByCreate) {
  std::string out;
  WriteTopology("a.jsonnet", 2, "1d");
  ASSERT_EQ(Topics("create", "a.jsonnet", &out), 0) << out;
  WriteTopology("b.jsonnet", 4, "1d");
  EXPECT_EQ(Topics("describe", "b.jsonnet", &out), 1) << out;
  EXPECT_NE(out.find("mismatch"), std::string::npos) << out;
  EXPECT_NE(out.find("partitions 2 on the log, 4 declared"), std::string::npos) << out;
  EXPECT_EQ(Topics("create", "b.jsonnet", &out), 1) << out;
  EXPECT_NE(out.find("topic 'out' exists with 2 partitions, the topology declares 4"), std::string::npos)
      << out;
}

// The embedded log owns its topics: create applies a changed retention
// (Kafka leaves an existing topic's configs alone and notes the difference).
TEST_F(TopicsTest, ARetentionDifferenceIsShownAndCreateUpdatesItOnTheEmbeddedLog) {
  std::string out;
  WriteTopology("a.jsonnet", 2, "1d");
  ASSERT_EQ(Topics("create", "a.jsonnet", &out), 0) << out;
  WriteTopology("b.jsonnet", 2, "7d");
  EXPECT_EQ(Topics("describe", "b.jsonnet", &out), 0) << out;
  EXPECT_NE(out.find("differs"), std::string::npos) << out;
  EXPECT_NE(out.find("retention 1d on the log, 7d declared"), std::string::npos) << out;
  ASSERT_EQ(Topics("create", "b.jsonnet", &out), 0) << out;
  EXPECT_NE(out.find("topic out updated"), std::string::npos) << out;
  ASSERT_EQ(Topics("describe", "b.jsonnet", &out, {"--format", "json"}), 0) << out;
  EXPECT_NE(out.find(R"("status":"ok","on_log":{"partitions":2,"cleanup":"delete","retention_ms":604800000)"),
            std::string::npos)
      << out;
}

// A data dir that `topo run` holds is described through the running
// instance's HTTP port (it published it in the data dir); without one
// (--http-port -1) the error says why and what to do.
TEST_F(TopicsTest, DescribeOnADataDirARunningInstanceHoldsGoesThroughItsHttpPort) {
  std::string out;
  for (const char* port : {"0", "-1"}) {
    testing::TopoProcess run;
    run.Start({"run", (dir_ / "t.jsonnet").string(), "--data-dir", Data(), "--http-port", port});
    ASSERT_TRUE(run.AwaitOutput("running; Ctrl-C to stop")) << run.output();
    if (std::string(port) == "0") {
      ASSERT_EQ(Topics("describe", "t.jsonnet", &out), 0) << out;
      EXPECT_NE(out.find("ok       user        2 partition(s), cleanup=delete, retention=forever"),
                std::string::npos)
          << out;
      WriteTopology("b.jsonnet", 4, "1d");
      EXPECT_EQ(Topics("describe", "b.jsonnet", &out), 1) << out;
      EXPECT_NE(out.find("partitions 2 on the log, 4 declared"), std::string::npos) << out;
    } else {
      EXPECT_EQ(Topics("describe", "t.jsonnet", &out), 1) << out;
      EXPECT_NE(out.find("serves no HTTP (started with --http-port -1)"), std::string::npos) << out;
    }
    run.Signal(SIGINT);
    const int st = run.Wait();
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << run.output();
  }
}

}  // namespace
}  // namespace topo
