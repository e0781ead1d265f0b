#pragma once
// Internal to the embedded backend (engine/log/embedded_*.cc): the embedded
// log's Producer, plain or transactional.
//
// Contract (beyond log.h's Producer; embedded_log.h describes it for users):
// - Records get their offsets when they become visible: a plain producer's at
//   once (or per `batch_records` batch), a transaction's in CommitTransaction,
//   which writes the records and the group's consumed offsets in ONE RocksDB
//   WriteBatch under the log's writer mutex, then publishes the end offsets.
// - Fencing: every transactional id has an epoch cell (shared with the log);
//   a newer producer of the id bumps it under the writer mutex, so an older
//   producer's commit either lands before or fails with kFenced.
// - A failed write publishes nothing; the records stay pending (a plain
//   producer retries them on the next Flush; a transaction may retry or abort).
//
// Thread-safety: one thread uses a producer (log.h).

#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/log/embedded_log_impl.h"
#include "engine/log/log.h"

namespace topo::log::embedded {

class EmbeddedProducer final : public Producer {
 public:
  // epoch_cell: the transactional id's epoch, null for a plain producer.
  EmbeddedProducer(EmbeddedLogImpl* log, std::string txn_id,
                   std::shared_ptr<std::atomic<uint64_t>> epoch_cell, size_t batch_records);
  ~EmbeddedProducer() override;

  Status Send(RawRecord record) override;
  Status Flush() override { return transactional() ? CheckFenced() : FlushPlain(); }
  Status BeginTransaction() override;
  using Producer::CommitTransaction;
  Status CommitTransaction(const OffsetMap& consumed, const CommitMetadata& metadata,
                           Consumer& consumer) override;
  Status AbortTransaction() override;

 private:
  struct Pending {
    PartitionState* part;
    size_t begin;  // the encoded record in arena_
    size_t size;
  };

  bool transactional() const { return epoch_cell_ != nullptr; }
  Status CheckFenced() const;
  Status CheckInTransaction(const char* call) const;
  Result<PartitionState*> Resolve(const RawRecord& r);
  // Assigns the pending records their offsets and writes them, plus what batch_
  // already holds, in one WriteBatch under the writer lock; then publishes the
  // new end offsets. On failure nothing is published and the records stay pending.
  Status WritePending(const std::string& what);
  Status FlushPlain();
  void ClearTransaction() {
    arena_.clear();
    pending_.clear();
    in_txn_ = false;
  }

  EmbeddedLogImpl* log_;
  std::string txn_id_;
  std::shared_ptr<std::atomic<uint64_t>> epoch_cell_;  // null for a plain producer
  size_t batch_records_;                               // a plain producer writes this many records at a time
  uint64_t epoch_ = 0;
  bool in_txn_ = false;
  std::string arena_;  // pending records (a transaction or a plain batch), encoded back to back
  std::vector<Pending> pending_;
  std::vector<PartitionState*> touched_;
  rocksdb::WriteBatch batch_;  // reused, so a commit does not reallocate it
  std::string key_buf_;
  std::string value_buf_;
  // A producer writes mostly to the same few topics: skip the locked lookup.
  std::string last_topic_;
  TopicState* last_topic_state_ = nullptr;
};

}  // namespace topo::log::embedded
