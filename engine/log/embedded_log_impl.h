#pragma once
// Internal to the embedded backend (engine/log/embedded_*.cc): the state its
// parts share — the RocksDB database, the topics and their partitions'
// offsets, the locks — and EmbeddedLogImpl, the EmbeddedLog (embedded_log.h)
// that owns them. The parts:
//   embedded_record_format  keys and values in the database
//   embedded_group_coordinator  who owns which partition of a group
//   embedded_consumer       Consumer: rebalances inside Poll, reads, commits offsets
//   embedded_producer       Producer: appends, batches, transactions
//   embedded_retention      retention and compaction (Maintain)
//   embedded_log.cc         this class: open, topics, factories, wiring
//
// Contract (what the parts rely on):
// - A partition's records below `end` are in the database, in offset order,
//   and stay until retention or compaction deletes them; `end` only grows.
//   Offsets are assigned under write_mu(), so writers never interleave.
// - Lock order: maintain -> write_mu() -> state_mu(). state_mu() guards the
//   topic map, each TopicState's config, the group coordinator and its Members;
//   cv() (with state_mu()) is signalled when end offsets move or a group changes.
// - PartitionState and TopicState objects live as long as the log: pointers to
//   them may be kept without a lock.

#include <rocksdb/cache.h>
#include <rocksdb/db.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/file_lock.h"
#include "engine/log/embedded_group_coordinator.h"
#include "engine/log/embedded_log.h"
#include "engine/log/record_size.h"

namespace topo::log::embedded {

struct PartitionState {
  std::string prefix;  // records key prefix: <topic> '/' <partition BE4>
  std::string upper;   // the next partition's prefix: an exclusive upper bound
  TopicPartition tp;
  std::atomic<int64_t> begin{0};  // first kept offset (retention)
  std::atomic<int64_t> end{0};    // next offset to assign = published high watermark
  int64_t next = 0;               // guarded by write_mu(): end plus the commit being built
  int64_t cleaned_to = 0;         // guarded by the maintain mutex: compaction covered [.., cleaned_to)
};

struct TopicState {
  TopicConfig config;  // guarded by state_mu() (EnsureTopics may update compact/retention)
  std::vector<std::unique_ptr<PartitionState>> parts;
  // config's max.message.bytes, read by producers without the lock.
  std::atomic<int64_t> max_record_bytes{kDefaultMaxMessageBytes};
  void SetConfig(const TopicConfig& c) {
    config = c;
    // EnsureTopics refuses a bad value; one stored by an older topo counts as the default.
    Result<int64_t> limit = MaxMessageBytes(c.name, c.extra);
    max_record_bytes.store(limit.ok() ? *limit : kDefaultMaxMessageBytes);
  }
};

// The database and the column families the parts read and write
// (embedded_record_format.h: what each holds).
struct EmbeddedDb {
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* topics = nullptr;
  rocksdb::ColumnFamilyHandle* records = nullptr;
  rocksdb::ColumnFamilyHandle* log_start = nullptr;
  rocksdb::ColumnFamilyHandle* offsets = nullptr;  // group_offsets
  rocksdb::WriteOptions write_options;
  std::string dir;  // the data dir, absolute: for messages
};

// A RocksDB error as a Status: disk full, a busy file, a timeout may clear up
// (retryable); corruption or bad options do not.
Status FromRocks(const rocksdb::Status& s, std::string_view what);

class EmbeddedLogImpl final : public EmbeddedLog {
 public:
  EmbeddedLogImpl()
      : groups_([this](const std::string& topic) {
          auto t = topics_.find(topic);
          return t == topics_.end() ? 0 : t->second->config.partitions;
        }) {}
  ~EmbeddedLogImpl() override;

  Status OpenImpl(const EmbeddedLogOptions& options);

  std::string Describe() const override { return "embedded " + db_.dir; }
  Status EnsureTopics(const std::vector<TopicConfig>& topics, std::vector<std::string>* report) override;
  Result<int32_t> PartitionCount(const std::string& topic) override;
  Result<std::map<std::string, TopicDescription>> DescribeTopics(
      const std::vector<std::string>& names) override;
  Result<std::optional<int64_t>> MaxRecordBytes(const std::string& topic) override;
  Result<Offset> EndOffset(const TopicPartition& tp) override;
  Result<Offset> BeginOffset(const TopicPartition& tp) override;
  using Log::NewConsumer;
  Result<std::unique_ptr<Consumer>> NewConsumer(const std::string& group, const std::string& client_id,
                                                int member) override;
  Result<std::unique_ptr<Producer>> NewProducer(const std::string& transactional_id) override;
  Status Maintain(int64_t now_ms) override;

  // ---- for the backend's parts ----

  const EmbeddedDb& db() const { return db_; }
  std::mutex& write_mu() { return write_mu_; }
  std::mutex& state_mu() { return state_mu_; }
  std::condition_variable& cv() { return cv_; }
  // With state_mu() held.
  GroupCoordinator& groups() { return groups_; }
  Result<PartitionState*> FindPartition(const std::string& topic, Partition partition);
  // With state_mu() held.
  Result<TopicState*> FindTopicLocked(const std::string& topic);
  // Wakes consumers after end offsets moved or the group changed. Callers
  // changed the state they signal before calling.
  void Signal() {
    { std::lock_guard<std::mutex> l(state_mu_); }
    cv_.notify_all();
  }
  // Consumers and producers count themselves, so that a log destroyed before
  // them aborts with a message instead of a use after free.
  void ClientOpened() { live_clients_++; }
  void ClientClosed() { live_clients_--; }

 private:
  Status LoadTopics();
  // A TopicState with its partitions' keys, offsets still 0.
  static std::unique_ptr<TopicState> NewTopicState(const TopicConfig& config);

  std::string dir_;
  std::optional<FileLock> lock_;  // <dir>/OWNER, held until the log is gone
  std::shared_ptr<rocksdb::Cache> cache_;
  std::unique_ptr<rocksdb::DB> owned_db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* cf_default_ = nullptr;
  EmbeddedDb db_;
  size_t producer_batch_records_ = 1;

  // Lock order: maintain_mu_ -> write_mu_ -> state_mu_.
  std::mutex maintain_mu_;
  // Serializes writers of records: offset assignment plus the RocksDB write,
  // so a partition's offsets reach the database in order.
  std::mutex write_mu_;
  std::mutex state_mu_;
  std::condition_variable cv_;  // with state_mu_: end offsets moved or a group changed
  std::map<std::string, std::unique_ptr<TopicState>> topics_;
  GroupCoordinator groups_;
  std::map<std::string, std::shared_ptr<std::atomic<uint64_t>>> txn_epochs_;
  std::atomic<int> live_clients_{0};
};

}  // namespace topo::log::embedded
