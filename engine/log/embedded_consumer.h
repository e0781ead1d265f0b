#pragma once
// Internal to the embedded backend (engine/log/embedded_*.cc): the embedded
// log's Consumer. A group member through the log's GroupCoordinator.
//
// Contract (beyond log.h's Consumer; embedded_log.h describes it for users):
// - Rebalances happen inside Poll, on the consumer's thread: first the
//   partitions dealt away are revoked (OnRevoked, then released to their new
//   owner), then the free ones dealt to it are taken (positions set to the
//   group's committed offset, else the partition's beginning, then
//   OnAssigned). Listeners run without locks, so they may commit.
// - A revoked partition's position, pause and iterator go with it: one
//   assigned again starts afresh (committed offset, not paused).
// - A member commits only partitions it owns; a consumer that never
//   subscribed commits anything (a tool resetting offsets). A commit's
//   metadata is stored beside its offset, in the same write.
//
// Thread-safety: one thread uses a consumer (log.h); it synchronizes with the
// group and with writers through the log's state mutex.

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/log/embedded_group_coordinator.h"
#include "engine/log/embedded_log_impl.h"
#include "engine/log/log.h"

namespace topo::log::embedded {

class EmbeddedConsumer final : public Consumer {
 public:
  EmbeddedConsumer(EmbeddedLogImpl* log, std::string group, std::string client_id);
  ~EmbeddedConsumer() override;

  const std::string& group() const { return group_; }
  EmbeddedLogImpl* log() const { return log_; }
  // A group member commits only what it owns; a consumer that never subscribed
  // commits anything (a tool resetting offsets).
  bool Owns(const TopicPartition& tp) const { return !closed_ && (!subscribed_ || Find(tp) != nullptr); }
  // Adds `offsets`, each with its metadata, to *batch as this consumer's
  // group's committed positions: what CommitOffsets writes, and what a
  // transaction writes beside its records. Refuses the whole commit when a
  // partition does not exist, is not this consumer's (Owns), or its metadata
  // fails CheckCommitMetadata (log.h).
  Status PutCommitted(const OffsetMap& offsets, const CommitMetadata& metadata, rocksdb::WriteBatch* batch);

  Status SubscribeCopartitioned(const std::vector<std::vector<std::string>>& copartitioned,
                                RebalanceListener* listener) override;
  Status Poll(int timeout_ms, size_t max_records, std::vector<RawRecord>* out) override;
  Status Pause(const std::vector<TopicPartition>& tps) override { return SetPaused(tps, true); }
  Status Resume(const std::vector<TopicPartition>& tps) override { return SetPaused(tps, false); }
  std::optional<int64_t> KnownLag(const TopicPartition& tp) override;
  Result<std::optional<OffsetAndMetadata>> CommittedWithMetadata(const TopicPartition& tp) override;
  Status Seek(const TopicPartition& tp, Offset offset) override;
  using Consumer::CommitOffsets;
  Status CommitOffsets(const OffsetMap& offsets, const CommitMetadata& metadata) override;
  Status Close() override;

 private:
  struct Assigned {
    PartitionState* part = nullptr;
    int64_t position = 0;
    bool paused = false;
    rocksdb::Slice upper;
    // Positioned at the next record to return. Dropped when exhausted, paused or
    // sought, so an idle partition does not pin old memtables and SST files.
    std::unique_ptr<rocksdb::Iterator> it;
  };

  Assigned* Find(const TopicPartition& tp) const {
    auto i = assigned_.find(tp);
    return i == assigned_.end() ? nullptr : i->second.get();
  }
  Status CheckOpen() const;
  Status NotAssigned(const TopicPartition& tp) const;
  Status SetPaused(const std::vector<TopicPartition>& tps, bool paused);
  bool HasDataLocked() const;
  Status Rebalance();
  Status ReadAvailable(size_t max_records, std::vector<RawRecord>* out);
  Status ReadPartition(Assigned& a, size_t limit, std::vector<RawRecord>* out);
  Result<std::optional<OffsetAndMetadata>> ReadCommitted(const TopicPartition& tp);
  void LeaveGroup();

  EmbeddedLogImpl* log_;
  std::string group_;
  Member member_;
  RebalanceListener* listener_ = nullptr;
  bool subscribed_ = false;
  bool closed_ = false;
  bool announced_ = false;  // OnAssigned called at least once (see RebalanceListener)
  std::map<TopicPartition, std::unique_ptr<Assigned>> assigned_;
  size_t rr_ = 0;  // round-robin start among assigned partitions
  std::vector<Assigned*> order_;
  std::string key_buf_;
  std::string value_buf_;
};

}  // namespace topo::log::embedded
