#pragma once
// SourceOperator: the operator of a source node — the one kind that reads
// topics. The task hands it the raw input; it owns the topic's codecs.
//
// Decoding is separate from processing so the task can decode a partition's
// head record when it is buffered (Kafka Streams' RecordQueue) and order its
// input partitions by event time (the source's `timestamp=`), then process the
// decoded record later without decoding it again.
//
// Thread-safety: owned by one task.

#include "engine/log/raw_record.h"
#include "engine/runtime/operator.h"

namespace topo::runtime {

class SourceOperator : public Operator {
 public:
  // Decodes `raw` into a Record with its event time set. A failure is this
  // node's error (its policy applies when the record is processed).
  virtual Result<Record> Decode(const RawRecord& raw) = 0;
  // A decoded record: passed on to the readers.
  Status Process(Record&& record) override { return Emit(std::move(record)); }
  SourceOperator* AsSource() final { return this; }
};

}  // namespace topo::runtime
