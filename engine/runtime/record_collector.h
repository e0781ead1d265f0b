#pragma once
// RecordCollector: where a task's outputs go. The backend (embedded log, Kafka,
// the test driver) implements it; operators never know which one they write to.

#include "engine/base/status.h"
#include "engine/log/raw_record.h"

namespace topo::runtime {

class RecordCollector {
 public:
  virtual ~RecordCollector() = default;
  // Takes ownership of the record. `record.partition` is already chosen.
  virtual Status Send(RawRecord record) = 0;
};

}  // namespace topo::runtime
