#pragma once
// The backend flags shared by run, produce and consume: --data-dir for the
// embedded log (default), or --bootstrap-servers [+ -X key=value] for Kafka.

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/log/log.h"

namespace topo::cli {

struct LogFlags {
  std::string data_dir = "./.topo";
  std::string bootstrap_servers;
  std::vector<std::string> properties;  // -X key=value
  double kafka_timeout_s = 30;          // metadata and topic creation (admin_timeout_ms)
  void AddTo(CLI::App* cmd);
  // Opens the embedded log in data_dir, or Kafka when bootstrap_servers is set.
  Result<std::unique_ptr<log::Log>> Open() const;
};

// Encodes the JSON text of a value for the wire, for produce: strings stay as
// their bytes, anything else becomes compact JSON.
std::string WireBytes(const Value& v);

}  // namespace topo::cli
