// The HTTP port of a running `topo run`: /health, /metrics, and `topo produce` /
// `topo consume` reaching the instance that holds the embedded data dir.
// Each test uses its own port (17070 + n) so the suite can run in parallel.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "cli/http_server.h"
#include "tests/integration/health_probe.h"
#include "tests/integration/runner_fixture.h"
#include "tests/integration/topo_process.h"

namespace topo {
namespace {

namespace fs = std::filesystem;

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

class HttpTest : public testing::RunnerFixture {
 protected:
  // Starts `topo run` on port `port` with 2 input records and waits until both were processed.
  void StartRunning(testing::TopoProcess* run, int port, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"run",
                                     (dir_ / "t.jsonnet").string(),
                                     "--data-dir",
                                     Data(),
                                     "--http-port",
                                     std::to_string(port),
                                     "--produce",
                                     "in=" + (dir_ / "in.jsonl").string(),
                                     "--status-interval",
                                     "0.05"};
    args.insert(args.end(), extra.begin(), extra.end());
    run->Start(args);
    ASSERT_TRUE(run->AwaitOutput("http: listening on 127.0.0.1:" + std::to_string(port))) << run->output();
    ASSERT_TRUE(run->AwaitOutput("records in 2 ")) << run->output();
  }
  void Stop(testing::TopoProcess* run) {
    run->Signal(SIGINT);
    int st = run->Wait();
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << run->output();
  }
};

TEST_F(HttpTest, HealthIsOkWhileRunning) {
  const int port = 17070;
  testing::TopoProcess run;
  StartRunning(&run, port);
  httplib::Client cli("127.0.0.1", port);
  auto res = cli.Get("/health");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_NE(res->body.find(R"("status":"running","tasks":2)"), std::string::npos) << res->body;
  // One line, the port alone: `curl localhost:$(cat .topo/HTTP_PORT)` works.
  auto text = [&](const char* name) {
    std::ifstream in(dir_ / "data" / name);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  EXPECT_EQ(text("HTTP_PORT"), std::to_string(port) + "\n");
  EXPECT_EQ(text("HTTP_ADDR"), "127.0.0.1\n");
  Stop(&run);
  EXPECT_FALSE(fs::exists(dir_ / "data" / "HTTP_PORT")) << "removed at a clean stop";
  EXPECT_FALSE(fs::exists(dir_ / "data" / "HTTP_ADDR")) << "removed at a clean stop";
}

// Threads beyond the partitions to share own nothing: that is a finished
// rebalance, not a starting one, so the instance is healthy.
TEST_F(HttpTest, HealthIsOkWithMoreThreadsThanPartitions) {
  const int port = 17075;
  testing::TopoProcess run;
  StartRunning(&run, port, {"--threads", "5"});
  // An idle thread may not have polled yet: ask until it has.
  testing::HealthAnswer health = testing::AwaitHealthy(port, std::chrono::seconds(30));
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_NE(health.body.find(R"("status":"running","tasks":2)"), std::string::npos) << health.body;
  if (!health.first_unhealthy_body.empty()) {
    EXPECT_NE(health.first_unhealthy_body.find("stream threads wait for their partitions"), std::string::npos)
        << health.first_unhealthy_body;
  }
  Stop(&run);
}

TEST_F(HttpTest, MetricsCountRecordsInPrometheusFormat) {
  const int port = 17071;
  testing::TopoProcess run;
  StartRunning(&run, port);
  httplib::Client cli("127.0.0.1", port);
  auto res = cli.Get("/metrics");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  const std::string& m = res->body;
  EXPECT_NE(m.find("# TYPE topo_records_in_total counter\ntopo_records_in_total 2\n"), std::string::npos)
      << m;
  EXPECT_NE(m.find("# HELP topo_records_out_total "), std::string::npos) << m;
  EXPECT_NE(m.find("topo_tasks 2\n"), std::string::npos) << m;
  EXPECT_NE(m.find("topo_node_records_in_total{node=\"up\"} 2\n"), std::string::npos) << m;
  EXPECT_NE(m.find("topo_node_records_out_total{node=\"up\"} 2\n"), std::string::npos) << m;
  EXPECT_NE(m.find("topo_node_records_out_total{node=\"sink\"} 2\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\ntopo_consumer_lag "), std::string::npos) << m;
  EXPECT_NE(m.find("topo_topic_records_in_total{topic=\"in\"} 2\n"), std::string::npos) << m;
  EXPECT_NE(m.find("topo_topic_records_out_total{topic=\"out\"} 2\n"), std::string::npos) << m;
  EXPECT_NE(
      m.find(
          "# TYPE topo_commit_latency_seconds histogram\ntopo_commit_latency_seconds_bucket{le=\"0.001\"} "),
      std::string::npos)
      << m;
  EXPECT_NE(m.find("topo_commit_latency_seconds_bucket{le=\"+Inf\"} "), std::string::npos) << m;
  EXPECT_NE(m.find("topo_topic_errors_total{topic=\"in\"} 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find("topo_topic_e2e_latency_seconds_bucket{topic=\"out\",le=\"+Inf\"} 2\n"), std::string::npos)
      << m;
  EXPECT_NE(m.find("topo_topic_e2e_latency_seconds_count{topic=\"out\"} 2\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\ntopo_process_rate "), std::string::npos) << m;
  EXPECT_NE(m.find("\ntopo_paused_partitions 0\n"), std::string::npos) << m;
  Stop(&run);
}

TEST_F(HttpTest, ProduceAndConsumeGoThroughTheRunningInstance) {
  const int port = 17072;
  testing::TopoProcess run;
  StartRunning(&run, port);
  std::ofstream(dir_ / "more.jsonl") << R"({"key":"k3","value":{"id":"k3","a":8,"b":4}})"
                                        "\n"
                                     << R"({"key":"k4","value":{"id":"k4","a":7,"b":7}})"
                                        "\n";
  testing::TopoProcess produce;
  produce.Start({"produce", "in", "--data-dir", Data(), "--file", (dir_ / "more.jsonl").string()});
  ASSERT_EQ(WEXITSTATUS(produce.Wait()), 0) << produce.output();
  EXPECT_NE(produce.output().find("produced 2 record(s) into in"), std::string::npos) << produce.output();
  ASSERT_TRUE(run.AwaitOutput("records in 4 ")) << run.output();

  testing::TopoProcess consume;
  consume.Start({"consume", "out", "--data-dir", Data(), "--from-beginning", "--max", "4", "--timeout", "5"});
  ASSERT_EQ(WEXITSTATUS(consume.Wait()), 0) << consume.output();
  for (const char* want :
       {R"("key":"k1","value":{"id":"k1","total":5})", R"("key":"k2","value":{"id":"k2","total":3})",
        R"("key":"k3","value":{"id":"k3","total":2})", R"("key":"k4","value":{"id":"k4","total":1})"})
    EXPECT_NE(consume.output().find(want), std::string::npos) << want << "\n" << consume.output();

  // A failure names what failed and who holds the dir.
  testing::TopoProcess bad;
  bad.Start({"consume", "no-such-topic", "--data-dir", Data(), "--max", "1", "--timeout", "1"});
  EXPECT_EQ(WEXITSTATUS(bad.Wait()), 1) << bad.output();
  EXPECT_NE(bad.output().find("no-such-topic"), std::string::npos) << bad.output();
  EXPECT_NE(bad.output().find("held by `topo run` pid " + std::to_string(run.pid())), std::string::npos)
      << bad.output();
  Stop(&run);
}

// Consume streams that stay open (no max, no timeout) are capped, so /health
// keeps answering; a client that hangs up frees its slot at the stream's next
// write, and the run goes on.
TEST_F(HttpTest, OpenConsumeStreamsAreCappedAndClientsHangingUpFreeTheirSlots) {
  const int port = 17074;
  testing::TopoProcess run;
  StartRunning(&run, port);
  std::vector<int> streams;
  for (int i = 0; i < cli::kMaxConsumeStreams; ++i) {
    int sock = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(sock, 0);
    sockaddr_in addr = Loopback(port);
    ASSERT_EQ(connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
    const std::string req = "GET /topics/out/records?from_beginning=1 HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send(sock, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
    // The stream is open once both existing records came back.
    std::string got;
    char buf[4096];
    while (got.find("\"k1\"") == std::string::npos || got.find("\"k2\"") == std::string::npos) {
      ssize_t n = recv(sock, buf, sizeof buf, 0);
      ASSERT_GT(n, 0) << got;
      got.append(buf, n);
    }
    streams.push_back(sock);
  }
  httplib::Client cli("127.0.0.1", port);
  auto health = cli.Get("/health");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200) << health->body;
  auto refused = cli.Get("/topics/out/records?from_beginning=1&max=1");
  ASSERT_TRUE(refused) << httplib::to_string(refused.error());
  EXPECT_EQ(refused->status, 503);
  EXPECT_NE(refused->body.find("16 consume streams are open"), std::string::npos) << refused->body;

  for (int sock : streams) close(sock);
  // New outputs make every stream write to its closed socket.
  auto produced = cli.Post("/topics/in/records",
                           R"({"key":"k3","value":{"id":"k3","a":8,"b":4}})"
                           "\n"
                           R"({"key":"k4","value":{"id":"k4","a":7,"b":7}})"
                           "\n",
                           "application/x-ndjson");
  ASSERT_TRUE(produced) << httplib::to_string(produced.error());
  ASSERT_TRUE(run.AwaitOutput("records in 4 ")) << run.output();
  // Each stream ends when its write fails; a new one is served once one did.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 0;
  std::string body;
  do {
    auto fresh = cli.Get("/topics/out/records?from_beginning=1&max=4&timeout_ms=5000");
    ASSERT_TRUE(fresh) << httplib::to_string(fresh.error()) << "\n" << run.output();
    status = fresh->status;
    body = fresh->body;
    if (status == 503) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a 503 comes at once
  } while (status == 503 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(status, 200) << body;
  EXPECT_NE(body.find("\"k4\""), std::string::npos) << body;
  Stop(&run);
}

TEST_F(HttpTest, PortInUseIsAClearError) {
  const int port = 17073;
  int sock = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_in addr = Loopback(port);
  ASSERT_EQ(bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  ASSERT_EQ(listen(sock, 1), 0);
  testing::TopoProcess run;
  run.Start(
      {"run", (dir_ / "t.jsonnet").string(), "--data-dir", Data(), "--http-port", std::to_string(port)});
  int st = run.Wait();
  close(sock);
  EXPECT_EQ(WEXITSTATUS(st), 1) << run.output();
  EXPECT_NE(run.output().find("port 17073 on 127.0.0.1 is already in use"), std::string::npos)
      << run.output();
}

}  // namespace
}  // namespace topo
