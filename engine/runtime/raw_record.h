#pragma once
// RawRecord: a record as the log stores it — bytes, not Values. What sources
// read and sinks write; what dead letters keep.

#include <optional>
#include <string>

#include "engine/base/types.h"
#include "engine/value/record.h"

namespace topo::runtime {

struct RawRecord {
  std::string topic;
  Partition partition{0};
  Offset offset{-1};
  TimestampMs timestamp{0};
  std::optional<std::string> key;    // nullopt = null key
  std::optional<std::string> value;  // nullopt = tombstone
  Headers headers;
};

// Where a task's outputs go. The backend (embedded log, Kafka, the test driver)
// implements it; operators never know which one they write to.
class RecordCollector {
 public:
  virtual ~RecordCollector() = default;
  // Takes ownership of the record. `record.partition` is already chosen.
  virtual Status Send(RawRecord record) = 0;
};

}  // namespace topo::runtime
