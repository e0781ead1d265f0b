#pragma once
// Internal to the kafka backend (engine/log/kafka_*.cc): the kafka log's
// Consumer (kafka_log.h states its contract for users).
//
// Contract:
// - One librdkafka consumer handle per Consumer, cooperative-sticky, manual
//   offsets, read_committed. Rebalance callbacks and errors are served inside
//   Poll (and Close), on the caller's thread.
// - Only the first topic of each co-partitioned set joins the group protocol;
//   the rebalance callback adds the same partitions of the set's other topics
//   to every assignment and revocation.
// - OnAssigned runs before the assignment takes effect: a Seek or Pause there
//   becomes part of it. Every other added partition starts resumed, whatever
//   was paused on it before it was last revoked.
// - Partitions the group took without a revocation (rd_kafka_assignment_lost:
//   session timeout, stale generation or member id, fenced) reach OnLost.
//
// Thread-safety: one thread uses a consumer (log.h).

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>

#include "engine/base/status.h"
#include "engine/log/kafka_log.h"
#include "engine/log/log.h"

namespace topo::log::kafka {

Result<std::unique_ptr<Consumer>> NewKafkaConsumer(std::shared_ptr<const KafkaLogOptions> options,
                                                   const std::string& group, const std::string& client_id,
                                                   int member);

// The librdkafka handle of a consumer NewKafkaConsumer made (a transactional
// producer sends its group metadata with the offsets), or null for any other
// Consumer.
rd_kafka_t* KafkaConsumerHandle(Consumer& consumer);

}  // namespace topo::log::kafka
