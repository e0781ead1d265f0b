#pragma once
// The local HTTP port of a running `topo run` (DESIGN §7): how other `topo`
// commands and monitoring reach an instance whose embedded data dir it owns.
//
//   GET  /health                  200 {"status":"running","tasks":N} when the
//                                 application runs and every stream thread has
//                                 its partitions (N may be 0: an instance with
//                                 more threads than partitions to share is
//                                 healthy); else 503 {"status":...,"reason":...}.
//   GET  /metrics                 Prometheus text format from Application::Snapshot().
//   POST /topics/<topic>/records[?envelope=1|bare=1][&skip_bad=1]
//                                 body: JSON lines as `topo produce` reads them
//                                 (docs/records.md), all checked before any is
//                                 written; 200 {"produced":N,"bad_lines":B,
//                                 "errors":["line 3: ...",..]} (B > 0 only with
//                                 skip_bad), 400 {"error":..,...} for bad lines
//                                 (nothing written) or an unknown topic, 500 when
//                                 the log fails.
//   GET  /topics/<topic>/records?from_beginning=1&max=N&timeout_ms=T
//        &key_format=string&value_format=json
//                                 JSON lines as `topo consume` prints them, read by
//                                 a private consumer group, streamed (chunked) until
//                                 max (>= 1) records, or T ms without one (T = 0:
//                                 the records there when it starts; no T: until the
//                                 client hangs up); a bad parameter or unknown topic
//                                 is 400 before anything is streamed. At most
//                                 kMaxConsumeStreams at once (503 beyond), so an
//                                 idle or abandoned stream (noticed only when a
//                                 record is written) never leaves /health and
//                                 /metrics without a worker.
//
// The Application knows nothing of HTTP: the server only reads Snapshot() and
// uses the Log like any other client. Handlers run on the server's own
// threads; no exception escapes them. Stop() (or destruction) ends in-flight
// consume streams and joins every thread; it must happen before the
// Application and the Log go away.

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "engine/base/status.h"
#include "engine/log/log.h"
#include "engine/runtime/application.h"

namespace httplib {
class Server;
}

namespace topo::cli {

// Concurrent GET /topics/<topic>/records streams; the server has this many
// workers plus 8 for everything else.
inline constexpr int kMaxConsumeStreams = 16;

struct HttpServerOptions {
  // Address to listen on. Default: "127.0.0.1" (loopback only)
  std::string bind = "127.0.0.1";
  // Port; 0 picks a free one. Default: 7070
  int port = 7070;
};

class HttpServer {
 public:
  // Binds and starts serving. A port in use is an error naming the address.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   const runtime::Application* app, log::Log* log);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the chosen one when options.port was 0).
  int port() const { return port_; }
  void Stop();

 private:
  HttpServer(const runtime::Application* app, log::Log* log);
  void Route();

  const runtime::Application* app_;
  log::Log* log_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> consumers_{0};  // numbers the private consume groups
  std::atomic<int> streams_{0};         // consume streams open now
  int port_ = 0;
};

// Prometheus text of an application snapshot.
std::string MetricsText(const runtime::AppSnapshot& snap);

}  // namespace topo::cli
