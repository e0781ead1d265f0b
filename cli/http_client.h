#pragma once
// The other side of cli/http_server.h: `topo produce` / `topo consume` on an
// embedded data dir that a running `topo run` holds go through its HTTP port, as
// does `topo topics describe`.
//
// While it serves, `topo run` keeps two one-line files in the data dir:
// <data-dir>/HTTP_PORT holds the port alone (so `curl localhost:$(cat
// .topo/HTTP_PORT)/health` works), <data-dir>/HTTP_ADDR the address it listens
// on. Started with --http-port -1 it writes <data-dir>/NO_HTTP instead. It
// removes them when it stops and, at start, any a killed run left behind; the
// files are only read when opening the dir failed because another process
// holds it.

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "cli/record_io.h"
#include "engine/base/status.h"
#include "engine/log/log.h"

namespace topo::cli {

struct HttpEndpoint {
  std::string host;  // where to connect: the listen address, 127.0.0.1 for a wildcard
  int port = 0;
  std::string data_dir;
  std::string owner_pid;  // from <data-dir>/OWNER, for messages
  // "through http://HOST:PORT; data dir D is held by `topo run` pid N", to
  // append to a failure.
  std::string Explain() const;
};

// Writes HTTP_ADDR and HTTP_PORT, or NO_HTTP when port is -1 (each atomically).
Status WriteHttpFiles(const std::string& data_dir, const std::string& bind, int port);
// Removes all three (best effort).
void RemoveHttpFiles(const std::string& data_dir);

// Where the instance holding the data dir serves, when `open_error` says
// another process holds it: its endpoint, or a FailedPrecondition status that
// says why there is none (e.g. "the running instance (pid N) serves no HTTP
// (started with --http-port -1); ..."). Any other open_error is returned as is.
Result<HttpEndpoint> RunningInstance(const std::string& data_dir, const Status& open_error);

// POSTs JSON lines to the instance, with the options as query parameters;
// fills *report from its answer.
Status HttpProduce(const HttpEndpoint& at, const std::string& topic, const std::string& lines,
                   const ProduceOptions& options, ProduceReport* report);

// Streams the instance's consume output to `out` (each chunk as it arrives).
Status HttpConsume(const HttpEndpoint& at, const std::string& topic, const ConsumeOptions& options,
                   const std::function<void(const char*, size_t)>& out);

// What the instance's log holds of `names` (Log::DescribeTopics through GET
// /topics): absent topics are not in the map.
Result<std::map<std::string, log::TopicDescription>> HttpDescribeTopics(
    const HttpEndpoint& at, const std::vector<std::string>& names);

}  // namespace topo::cli
