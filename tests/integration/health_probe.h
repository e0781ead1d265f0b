#pragma once
// AwaitHealthy: asks a running `topo run` for GET /health on 127.0.0.1:port
// until it answers 200 or `limit` passes — the way a readiness probe would,
// since a thread's join is not a line the test can wait for.

#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>

namespace topo::testing {

struct HealthAnswer {
  int status = 0;  // the last answer's; 0: the port never answered
  std::string body;
  std::string first_unhealthy_body;  // of the first non-200 answer, if any
};

inline HealthAnswer AwaitHealthy(int port, std::chrono::seconds limit) {
  httplib::Client cli("127.0.0.1", port);
  HealthAnswer a;
  for (auto deadline = std::chrono::steady_clock::now() + limit;
       a.status != 200 && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(std::chrono::milliseconds(20))) {
    auto res = cli.Get("/health");
    if (!res) {
      a.status = 0, a.body = httplib::to_string(res.error());
      continue;
    }
    a.status = res->status, a.body = res->body;
    if (a.status != 200 && a.first_unhealthy_body.empty()) a.first_unhealthy_body = a.body;
  }
  return a;
}

}  // namespace topo::testing
