#pragma once
// The Log: where topics live. Two backends implement it — `embedded` (a durable
// local log in RocksDB, engine/log/embedded_log.h) and `kafka` (librdkafka,
// engine/log/kafka_log.h) — and the runtime never knows which one it talks to.
//
// The model is Kafka's: topics with partitions of offset-ordered records;
// consumers in a group share a topic's partitions (Subscribe + rebalance
// callbacks delivered inside Poll); producers write records and, for
// exactly-once, commit the consumed offsets in the same transaction as the
// outputs (EOS v2: one transactional producer per stream thread).
//
// Thread-safety: a Log may be shared by threads. Each Consumer and Producer
// belongs to one thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/status.h"
#include "engine/base/types.h"
#include "engine/log/raw_record.h"

namespace topo::log {

struct TopicConfig {
  std::string name;
  int32_t partitions = 1;
  bool compact = false;                      // cleanup.policy=compact
  int64_t retention_ms = -1;                 // -1: keep forever
  std::map<std::string, std::string> extra;  // passed through to the backend
};

// A topic as a log holds it (Log::DescribeTopics).
struct TopicDescription {
  // partitions always; compact, retention_ms and extra["max.message.bytes"]
  // only when configs_known.
  TopicConfig config;
  // False on Kafka with KafkaLogOptions::check_topic_configs off.
  bool configs_known = true;
};

struct TopicPartition {
  std::string topic;
  Partition partition{0};
  auto operator<=>(const TopicPartition&) const = default;
  std::string ToString() const { return topic + "[" + std::to_string(partition.value()) + "]"; }
};

// The position to resume from: the offset of the next record to read.
using OffsetMap = std::map<TopicPartition, Offset>;

// Kafka's OffsetAndMetadata: a committed position plus a small string the
// committer chose (the runtime stores the task's stream time there).
struct OffsetAndMetadata {
  Offset offset;
  std::string metadata;
};
// Per-partition metadata to commit beside OffsetMap's offsets; a partition
// missing here commits empty metadata. Entries for partitions the OffsetMap
// does not hold are ignored.
using CommitMetadata = std::map<TopicPartition, std::string>;
// Kafka's default offset.metadata.max.bytes: a broker refuses longer metadata
// (OFFSET_METADATA_TOO_LARGE), and so does every backend.
inline constexpr size_t kMaxCommitMetadataBytes = 4096;

// What every backend accepts as one partition's commit metadata: UTF-8 text
// (Kafka sends it as a protocol string) of at most kMaxCommitMetadataBytes,
// without a NUL byte (librdkafka would cut it there). Length and NUL are
// checked (InvalidArgument naming the partition); UTF-8 is the caller's part.
inline Status CheckCommitMetadata(const TopicPartition& tp, std::string_view metadata) {
  if (metadata.size() > kMaxCommitMetadataBytes) {
    return Status::Invalid("commit metadata of " + tp.ToString() + " has " + std::to_string(metadata.size()) +
                           " bytes, more than " + std::to_string(kMaxCommitMetadataBytes) +
                           " (Kafka's offset.metadata.max.bytes)");
  }
  if (metadata.find('\0') != std::string_view::npos) {
    return Status::Invalid("commit metadata of " + tp.ToString() +
                           " holds a NUL byte; it must be text (Kafka sends it as a string)");
  }
  return Status::Ok();
}

// Partition assignment changes, delivered on the consumer's thread inside Poll.
class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // Partitions added to this member. Also called with an empty list when a
  // rebalance adds none, so a member left with nothing to own (more members
  // than partitions) still learns it has joined: Kafka (cooperative) does so on
  // every such rebalance, the embedded log once, after the member's first.
  virtual void OnAssigned(const std::vector<TopicPartition>& added) = 0;
  // Before partitions move away: the owner must commit what it processed.
  virtual void OnRevoked(const std::vector<TopicPartition>& removed) = 0;
  // Partitions this member lost without a chance to commit (its session expired,
  // it was fenced, the group moved on without it). The owner must drop what it
  // processed of them without committing: another member owns them now.
  // Default: treated as revoked (for listeners that keep no uncommitted state).
  virtual void OnLost(const std::vector<TopicPartition>& lost) { OnRevoked(lost); }
};

class Consumer {
 public:
  virtual ~Consumer() = default;
  // Joins the consumer group for the topics of `copartitioned`. The topics of
  // one inner list are assigned together: partition p of each goes to the same
  // consumer, in the same OnAssigned call (a task's inputs), and is revoked
  // together. Their partition counts must be equal (BuildGraph checks).
  virtual Status SubscribeCopartitioned(const std::vector<std::vector<std::string>>& copartitioned,
                                        RebalanceListener* listener) = 0;
  // Each topic assigned on its own.
  Status Subscribe(const std::vector<std::string>& topics, RebalanceListener* listener) {
    std::vector<std::vector<std::string>> each;
    for (const auto& t : topics) each.push_back({t});
    return SubscribeCopartitioned(each, listener);
  }
  // Appends up to `max_records` records to *out, waiting at most timeout_ms when
  // none is ready. Records of one partition come in offset order. Every record
  // returned is of a partition assigned when Poll returns (a rebalance inside
  // Poll takes back what it had read of the revoked partitions).
  virtual Status Poll(int timeout_ms, size_t max_records, std::vector<RawRecord>* out) = 0;
  // Paused partitions return no records from Poll until resumed; records
  // already returned stay with the caller (back-pressure).
  virtual Status Pause(const std::vector<TopicPartition>& tps) = 0;
  virtual Status Resume(const std::vector<TopicPartition>& tps) = 0;
  // How many records of an assigned partition exist beyond what Poll returned
  // so far, as far as this consumer knows without a round trip; nullopt when it
  // does not know. A task reading several partitions waits for a partition
  // with known lag before picking the next record by timestamp.
  virtual std::optional<int64_t> KnownLag(const TopicPartition&) { return std::nullopt; }
  // The group's committed position with the metadata committed beside it
  // (empty when none was), or nullopt when the group never committed.
  virtual Result<std::optional<OffsetAndMetadata>> CommittedWithMetadata(const TopicPartition& tp) = 0;
  // The group's committed position, or nullopt when it never committed.
  Result<std::optional<Offset>> Committed(const TopicPartition& tp) {
    ASSIGN_OR_RETURN(std::optional<OffsetAndMetadata> committed, CommittedWithMetadata(tp));
    if (!committed) return std::optional<Offset>();
    return std::optional<Offset>(committed->offset);
  }
  virtual Status Seek(const TopicPartition& tp, Offset offset) = 0;
  // At-least-once: commits positions (after the outputs were acknowledged),
  // each with its metadata. Metadata CheckCommitMetadata refuses commits
  // nothing.
  virtual Status CommitOffsets(const OffsetMap& offsets, const CommitMetadata& metadata) = 0;
  Status CommitOffsets(const OffsetMap& offsets) { return CommitOffsets(offsets, {}); }
  virtual Status Close() = 0;
};

class Producer {
 public:
  virtual ~Producer() = default;
  // Queues one record (its partition already chosen). Inside a transaction it
  // becomes visible only when the transaction commits.
  virtual Status Send(RawRecord record) = 0;
  // Waits until every queued record is acknowledged (at-least-once).
  virtual Status Flush() = 0;
  virtual Status BeginTransaction() = 0;
  // Atomically makes the transaction's records visible and stores `consumed`
  // as the group's committed offsets, each with its `metadata`. On a fatal
  // error (fenced) the producer must not be used again. Metadata
  // CheckCommitMetadata refuses is InvalidArgument with nothing sent, the
  // transaction still open (to abort).
  virtual Status CommitTransaction(const OffsetMap& consumed, const CommitMetadata& metadata,
                                   Consumer& consumer) = 0;
  Status CommitTransaction(const OffsetMap& consumed, Consumer& consumer) {
    return CommitTransaction(consumed, {}, consumer);
  }
  virtual Status AbortTransaction() = 0;
};

class Log {
 public:
  virtual ~Log() = default;
  // "embedded /path" or "kafka host:9092,...".
  virtual std::string Describe() const = 0;
  // Creates missing topics and checks existing ones; a partition-count mismatch
  // is an error naming both numbers. Each action is appended to *report.
  virtual Status EnsureTopics(const std::vector<TopicConfig>& topics, std::vector<std::string>* report) = 0;
  virtual Result<int32_t> PartitionCount(const std::string& topic) = 0;
  // The named topics as the log has them; one that does not exist is absent
  // from the answer.
  virtual Result<std::map<std::string, TopicDescription>> DescribeTopics(
      const std::vector<std::string>& names) = 0;
  // The largest record (engine/log/record_size.h: RecordBatchBytes) the topic
  // accepts, from its max.message.bytes; nullopt when this backend does not
  // know it (Kafka: the broker checks with the topic's own config, and a
  // record too large fails its Send or delivery).
  virtual Result<std::optional<int64_t>> MaxRecordBytes(const std::string& topic) {
    RETURN_IF_ERROR(PartitionCount(topic).status());
    return std::optional<int64_t>();
  }
  // Offset of the next record to be written (the high watermark).
  virtual Result<Offset> EndOffset(const TopicPartition& tp) = 0;
  // `member` tells this process's consumers of one group apart (0, 1, ...: one
  // per stream thread). On Kafka a static group.instance.id (-X) becomes
  // "<id>-<member>" per consumer, as Kafka Streams derives one per thread:
  // consumers sharing one static id would fence each other. Stable across
  // restarts, so static membership keeps working.
  virtual Result<std::unique_ptr<Consumer>> NewConsumer(const std::string& group,
                                                        const std::string& client_id, int member) = 0;
  // The one consumer of `group` in this process (member 0).
  Result<std::unique_ptr<Consumer>> NewConsumer(const std::string& group, const std::string& client_id) {
    return NewConsumer(group, client_id, 0);
  }
  // transactional_id empty: a plain (idempotent) producer.
  virtual Result<std::unique_ptr<Producer>> NewProducer(const std::string& transactional_id) = 0;
  // Applies retention and compaction as of wall-clock time now_ms, where the
  // backend does not do it itself (Kafka brokers do: there it is a no-op). The
  // runtime calls it periodically from one thread.
  virtual Status Maintain(int64_t /*now_ms*/) { return Status::Ok(); }
};

}  // namespace topo::log
