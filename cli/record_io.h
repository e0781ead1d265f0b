#pragma once
// Record I/O shared by `topo produce`, `topo consume` and the HTTP port of a
// running `topo run` (cli/http_server.h), so the three speak the same JSON lines.
//
// Produce format: one JSON value per line; an object with a "value" field and
// only envelope fields (key, value, headers, timestamp, partition) is an
// envelope, anything else is a bare value with a null key. Blank lines are
// skipped. Consume format: one object per record with topic, partition,
// offset, timestamp, key, value, headers (JSON bytes shown parsed, others as
// text).

#include <atomic>
#include <cstdint>
#include <functional>
#include <istream>
#include <string>

#include "engine/base/status.h"
#include "engine/log/log.h"

namespace topo::cli {

// Writes the JSON lines of `in` into `topic`; *count is the number written
// (also on error: those before the failing line were sent). Flushes at the end.
Status ProduceLines(log::Log& log, const std::string& topic, std::istream& in, uint64_t* count);

struct ConsumeOptions {
  // Start at the oldest record; otherwise only records written after joining.
  // Default: false
  bool from_beginning = false;
  // Stop after this many records (0: no limit). Default: 0
  int64_t max = 0;
  // Stop after this many seconds without a record (0: never). Default: 0
  double timeout_s = 0;
  // The private consumer group (consuming never moves an application's offsets).
  std::string group;
};

// Reads `topic` and calls `emit` with each record's JSON line (no newline).
// Stops when max or timeout is reached, when `emit` returns false, or when
// *cancel becomes true (may be null).
Status ConsumeLines(log::Log& log, const std::string& topic, const ConsumeOptions& options,
                    const std::function<bool(const std::string&)>& emit, const std::atomic<bool>* cancel);

}  // namespace topo::cli
