#pragma once
// Internal to the kafka backend (engine/log/kafka_*.cc): the kafka log's
// Producer (kafka_log.h states its contract for users).
//
// Contract:
// - Idempotent, acks=all, murmur2_random. With a transactional id, transactions
//   are initialized here, before the producer is returned.
// - The first asynchronous delivery error is kept and returned by the next
//   Send, Flush or CommitTransaction (which aborts). A fatal error (fencing
//   among them) poisons the producer: every later call returns it.
// - CommitTransaction needs a consumer from the same kafka log (its group
//   metadata goes with the offsets): ok, retryable (aborted: reprocess), or
//   not retryable (fenced or fatal).
//
// Thread-safety: one thread uses a producer (log.h).

#include <memory>
#include <string>

#include "engine/base/status.h"
#include "engine/log/kafka_log.h"
#include "engine/log/log.h"

namespace topo::log::kafka {

// transactional_id empty: a plain (idempotent) producer.
Result<std::unique_ptr<Producer>> NewKafkaProducer(std::shared_ptr<const KafkaLogOptions> options,
                                                   const std::string& transactional_id);

}  // namespace topo::log::kafka
