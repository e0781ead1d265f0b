// Records as `topo consume`, `topo produce` and `topo run --produce` show and
// take them, through the real binary: nothing decoded and re-encoded (digits
// kept), markers for bytes that are not JSON or text, strict all-or-nothing
// produce, size limits, and the CLI's edges (docs/records.md).
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <tuple>

#include "engine/log/embedded_log.h"
#include "tests/integration/runner_fixture.h"
#include "tests/integration/topo_process.h"

namespace topo {
namespace {

namespace fs = std::filesystem;

struct Ran {
  int exit = -1;
  std::string output;
};

class RecordsTest : public testing::RunnerFixture {
 protected:
  // Runs `topo args...` to its end; one that does not end within two minutes
  // (a hang) is killed and fails the test.
  Ran Topo(const std::vector<std::string>& args) {
    testing::TopoProcess p;
    p.Start(args);
    if (!p.AwaitClosed(std::chrono::seconds(120))) {
      p.Signal(SIGKILL);
      ADD_FAILURE() << "topo " << args[0] << " did not exit within 120 s";
    }
    int st = p.Wait();
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, p.output()};
  }

  // Creates topics (and writes raw records) through the log API, as another
  // Kafka client could, then lets go of the data dir.
  void Setup(const std::vector<log::TopicConfig>& topics, const std::vector<RawRecord>& records = {}) {
    log::EmbeddedLogOptions o;
    o.dir = Data();
    auto lg = log::OpenEmbeddedLog(o);
    ASSERT_TRUE(lg.ok()) << lg.status().message();
    std::vector<std::string> report;
    ASSERT_TRUE((*lg)->EnsureTopics(topics, &report).ok());
    auto producer = (*lg)->NewProducer("");
    for (const auto& r : records) ASSERT_TRUE((*producer)->Send(r).ok());
    ASSERT_TRUE((*producer)->Flush().ok());
  }
  static log::TopicConfig Topic(const std::string& name, int32_t partitions = 1) {
    log::TopicConfig c;
    c.name = name;
    c.partitions = partitions;
    return c;
  }
  static RawRecord Raw(std::optional<std::string> key, std::optional<std::string> value,
                       Headers headers = {}) {
    RawRecord r;
    r.topic = "t";
    r.key = std::move(key);
    r.value = std::move(value);
    r.headers = std::move(headers);
    r.timestamp = TimestampMs(1736935200000);
    return r;
  }

  // Every record of `topic` now, one consume line each.
  std::vector<std::string> ConsumeAll(const std::string& topic, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"consume",          topic,       "--data-dir", Data(),
                                     "--from-beginning", "--timeout", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    Ran r = Topo(args);
    EXPECT_EQ(r.exit, 0) << r.output;
    std::vector<std::string> lines;
    std::istringstream in(r.output);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }

  std::string File(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }
};

// A run started with --http-port -1 is named, not a confusing lock error.
TEST_F(RecordsTest, RunServingNoHttpIsNamedByProduceAndConsume) {
  testing::TopoProcess run;
  run.Start({"run", (dir_ / "t.jsonnet").string(), "--data-dir", Data(), "--http-port", "-1"});
  ASSERT_TRUE(run.AwaitOutput("\nrunning;")) << run.output();
  const std::string want = "the running instance (pid " + std::to_string(run.pid()) + ") holding data dir " +
                           Data() + " serves no HTTP (started with --http-port -1)";
  Ran c = Topo({"consume", "out", "--data-dir", Data(), "--timeout", "0"});
  EXPECT_EQ(c.exit, 1) << c.output;
  EXPECT_NE(c.output.find(want), std::string::npos) << c.output;
  Ran p = Topo({"produce", "in", "--data-dir", Data(), "--file", (dir_ / "in.jsonl").string()});
  EXPECT_EQ(p.exit, 1) << p.output;
  EXPECT_NE(p.output.find(want), std::string::npos) << p.output;
  run.Signal(SIGINT);
  EXPECT_EQ(WEXITSTATUS(run.Wait()), 0) << run.output();
  EXPECT_FALSE(fs::exists(dir_ / "data" / "NO_HTTP"));
}

}  // namespace
}  // namespace topo
