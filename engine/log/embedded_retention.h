#pragma once
// Internal to the embedded backend (engine/log/embedded_*.cc): retention and
// compaction, the work of EmbeddedLog::Maintain (embedded_log.h describes the
// rules for users).
//
// Contract:
// - Only records below a partition's published end offset are looked at or
//   deleted, so producers may append and consumers read meanwhile; a reader
//   positioned on a deleted record continues at the next one that exists.
// - Deleting a partition's head advances its begin offset and records it in
//   log_start, so a reopened, emptied partition keeps counting from there.
// - Size retention and compaction never delete a partition's last record
//   (Kafka's active segment; it also keeps the end offset recoverable at open).
// - Callers serialize passes (EmbeddedLogImpl's maintain mutex): a pass owns
//   each PartitionState::cleaned_to.
//
// Thread-safety: see the last point.

#include <cstdint>

#include "engine/base/status.h"
#include "engine/log/embedded_log_impl.h"

namespace topo::log::embedded {

// Whether Maintain has anything to do for a topic with this config.
bool NeedsMaintenance(const TopicConfig& config);

// One pass over every partition of `topic` as of wall-clock now_ms: time
// retention (retention_ms), size retention (`retention.bytes` in extra), then
// compaction (`compact`; tombstones older than `delete.retention.ms`). A
// partition that fails does not stop the others: the first error is returned
// after all were tried. A bad retention.bytes or delete.retention.ms is an
// error naming the topic, and its partitions are left as they are.
Status MaintainTopic(const EmbeddedDb& db, const TopicConfig& config, TopicState* topic, int64_t now_ms);

}  // namespace topo::log::embedded
