#pragma once
// RawRecord: a record as a log stores it — bytes, not Values. What sources
// read, sinks write, and dead letters keep.

#include <optional>
#include <string>

#include "engine/base/types.h"
#include "engine/value/record.h"

namespace topo {

struct RawRecord {
  std::string topic;
  Partition partition{0};
  Offset offset{-1};
  TimestampMs timestamp{0};
  std::optional<std::string> key;    // nullopt = null key
  std::optional<std::string> value;  // nullopt = tombstone
  Headers headers;
};

}  // namespace topo
