#pragma once
// Record: one event flowing through a topology.
//
// key and value are decoded Values; headers stay raw bytes (Kafka's model).
// topic/partition/offset say where the record was read from, for error reports
// and dead letters; `topic` points at a name owned by the plan, which outlives
// every record.

#include <string>
#include <utility>
#include <vector>

#include "engine/base/types.h"
#include "engine/value/value.h"

namespace topo {

using Header = std::pair<std::string, std::string>;
using Headers = std::vector<Header>;

struct Record {
  Value key;
  Value value;
  TimestampMs timestamp{0};
  Headers headers;

  // Source position (unset for records built by an operator from scratch).
  const std::string* topic = nullptr;
  Partition partition{-1};
  Offset offset{-1};
};

}  // namespace topo
