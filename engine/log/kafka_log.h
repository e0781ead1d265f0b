#pragma once
// The `kafka` log backend: the Log interface (engine/log/log.h) on librdkafka's
// C API.
//
// Contract:
// - OpenKafkaLog checks every `-X` property (an unknown one, a bad value, or one
//   that would break the engine's guarantees is an error naming it) and then
//   asks the cluster for metadata, so unreachable brokers fail here with a clear
//   error after `admin_timeout_ms`, never a silent hang.
// - Producers are idempotent (`enable.idempotence=true`, `acks=all`) and use the
//   `murmur2_random` partitioner (the Java client's, DESIGN §4). Records normally
//   arrive with their partition chosen; a record with a negative partition is
//   placed by that partitioner, so it lands where a Java producer would put it.
// - A non-empty transactional id makes a transactional producer (EOS v2):
//   transactions are initialized when it is created. CommitTransaction sends the
//   consumed offsets (each with its commit metadata) with the consumer's group
//   metadata, then commits. Its
//   result is one of: ok (committed); a retryable error (the transaction was
//   aborted, nothing of it is visible and the offsets were not stored: begin a
//   new one and reprocess from the last committed offsets); a non-retryable
//   error (the producer is fenced or failed fatally: every later call returns
//   the same error; drop it, close the tasks, rejoin the group).
// - Delivery errors arrive asynchronously; the producer keeps the first one and
//   returns it from the next Send or Flush (and from CommitTransaction, which
//   then aborts). It stays until AbortTransaction succeeds; a plain producer
//   keeps it for good (records after a lost one would break order). A
//   transactional producer's Send outside a transaction is FailedPrecondition.
// - Consumers: `enable.auto.commit=false`, `enable.auto.offset.store=false`,
//   `isolation.level=read_committed`, `auto.offset.reset=earliest`,
//   `partition.assignment.strategy=cooperative-sticky`. Rebalances reach the
//   RebalanceListener inside Poll (and inside Close, which revokes everything).
//   Seek and Pause called from OnAssigned on a partition being assigned take
//   effect with the assignment itself (a seek issued after the assignment could
//   lose a race with the fetch of the committed offset); every other partition a
//   rebalance adds starts resumed, even one paused before it was revoked. Lost partitions
//   (session timeout, stale generation or member id, fenced static member:
//   rd_kafka_assignment_lost) go to OnLost, not OnRevoked; the group coordinator
//   would refuse their commit. Transient broker errors are retried inside
//   librdkafka; Poll returns only those no retry fixes (fatal, not authorized,
//   a subscribed topic missing). Poll before Subscribe is FailedPrecondition,
//   as on the embedded backend. Destroying an unclosed consumer leaves the group
//   without calling the listener.
// - EnsureTopics reads the cluster's metadata: an existing topic with another
//   partition count is an error naming both numbers; missing topics are created
//   with CreateTopics. A cluster that does not answer (librdkafka's mock never
//   answers CreateTopics) gives an error after `admin_timeout_ms` that tells the
//   user to create the topic. Existing topics' configs are read with
//   DescribeConfigs (check_topic_configs): a cleanup policy other than the
//   declared one (compact or not) is an error naming both values; another
//   retention is reported, not changed (topo never alters an existing topic).
//   Their max.message.bytes is the limit MaxRecordBytes answers.
//   EndOffset of a topic the cluster does not have is NotFound; it never creates
//   the topic (librdkafka's leader lookup alone would, on a broker with
//   auto.create.topics.enable, and on the mock).
// - A record timestamp of 0 is replaced by the send time (librdkafka's rule).
//   Header values are bytes; a null header value is read back as empty.
//
// Thread-safety: the Log (its admin calls) may be used by several threads at
// once. Each Consumer and Producer belongs to one thread; the listener is
// called on that thread. `KafkaLogOptions::logger`, when set, is called from
// librdkafka's internal threads and must be thread-safe.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "engine/base/status.h"
#include "engine/log/log.h"

namespace topo::log {

struct KafkaLogOptions {
  // Comma-separated host:port list (librdkafka's `bootstrap.servers`). Required.
  std::string bootstrap_servers;
  // Extra librdkafka properties (`-X key=value`, like kcat), applied to every
  // client this log creates (admin, producers, consumers). An unknown property or
  // a bad value is an error naming it. The properties the engine's guarantees rest
  // on (enable.idempotence, acks, partitioner, enable.auto.commit,
  // enable.auto.offset.store, isolation.level, group.id, transactional.id) may
  // only be given with the value the engine sets.
  // Default: empty
  std::map<std::string, std::string> properties;
  // Bound on each admin request: metadata (also the reachability check at open),
  // CreateTopics, watermark offsets, committed offsets, seek.
  // Default: 30000
  int admin_timeout_ms = 30000;
  // Read existing topics' configs (DescribeConfigs) to check their cleanup
  // policy and learn their retention and max.message.bytes. Off: partition
  // counts only, for a cluster or ACLs that refuse DescribeConfigs (and
  // librdkafka's mock cluster, which never answers it).
  // Default: true
  bool check_topic_configs = true;
  // Replication factor of the topics EnsureTopics creates; -1 means
  // min(3, number of brokers).
  // Default: -1
  int replication_factor = -1;
  // Bound on each transactional call: init (at producer creation), send offsets,
  // commit, abort.
  // Default: 60000
  int transaction_timeout_ms = 60000;
  // transaction.timeout.ms of the transactional producers: how long the broker
  // lets a transaction stay open before it aborts it (a dead producer's; its
  // successor under the same transactional id fences it at once). 0 leaves
  // librdkafka's default (60 s) or the -X value. `topo run` sets
  // max(10 s, 2 x commit interval) unless -X gives one.
  // Default: 0
  int producer_transaction_timeout_ms = 0;
  // Bound on Flush, and on how long Send waits for room when librdkafka's local
  // queue is full (brokers down or slow).
  // Default: 60000
  int flush_timeout_ms = 60000;
  // Receives librdkafka's log lines (syslog level, facility, message). Called from
  // librdkafka's threads.
  // Default: empty — librdkafka prints them to stderr itself.
  std::function<void(int level, std::string_view facility, std::string_view message)> logger;
};

// Opens the backend: validates the options and checks that the brokers answer.
Result<std::unique_ptr<Log>> OpenKafkaLog(const KafkaLogOptions& options);

// The properties a consumer sets for itself, over the -X ones: group.id,
// client.id, and with a static -X group.instance.id=ID the member's own
// "ID-<member>" (Log::NewConsumer). Exposed for tests.
std::map<std::string, std::string> ConsumerClientProperties(const KafkaLogOptions& options,
                                                            const std::string& group,
                                                            const std::string& client_id, int member);

}  // namespace topo::log
