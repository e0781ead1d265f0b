#pragma once
// The other side of cli/http_server.h: `topo produce` / `topo consume` on an
// embedded data dir that a running `topo run` holds go through its HTTP port.
//
// `topo run` writes <data-dir>/HTTP_PORT (the port on line 1, the listen
// address on line 2) while it serves and removes it when it stops; a killed
// run leaves it behind, which is harmless: it is only read when opening the
// dir failed because another process holds it.

#include <functional>
#include <optional>
#include <string>

#include "cli/record_io.h"
#include "engine/base/status.h"

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

// Writes / removes <data_dir>/HTTP_PORT.
Status WriteHttpPortFile(const std::string& data_dir, const std::string& bind, int port);
void RemoveHttpPortFile(const std::string& data_dir);

// The running instance's endpoint when `open_error` says the data dir is held
// by another process and <data_dir>/HTTP_PORT exists; else nullopt.
std::optional<HttpEndpoint> RunningInstance(const std::string& data_dir, const Status& open_error);

// POSTs JSON lines to the instance; *count is what it reports produced.
Status HttpProduce(const HttpEndpoint& at, const std::string& topic, const std::string& lines,
                   uint64_t* count);

// Streams the instance's consume output to `out` (each chunk as it arrives).
Status HttpConsume(const HttpEndpoint& at, const std::string& topic, const ConsumeOptions& options,
                   const std::function<void(const char*, size_t)>& out);

}  // namespace topo::cli
