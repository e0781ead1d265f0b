#include "engine/log/embedded_log.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/table_properties_collectors.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <utility>

#include "engine/log/embedded_consumer.h"
#include "engine/log/embedded_log_impl.h"
#include "engine/log/embedded_producer.h"
#include "engine/log/embedded_record_format.h"
#include "engine/log/embedded_retention.h"
#include "engine/log/record_size.h"

namespace topo::log {
namespace embedded {

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  bool retryable = s.IsIOError() || s.IsBusy() || s.IsTryAgain() || s.IsTimedOut() || s.IsIncomplete();
  return Status::IoError(std::string(what) + ": " + s.ToString(), retryable);
}

namespace {

constexpr int kMaxTopicNameLength = 249;

bool ValidTopicName(const std::string& name) {
  if (name.empty() || name.size() > kMaxTopicNameLength || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string DescribeConfig(const TopicConfig& c) {
  std::string s = std::to_string(c.partitions) + " partitions";
  if (c.compact) s += ", compact";
  if (c.retention_ms >= 0) s += ", retention " + std::to_string(c.retention_ms) + " ms";
  return s;
}

}  // namespace

EmbeddedLogImpl::~EmbeddedLogImpl() {
  if (live_clients_.load() != 0) {
    std::fprintf(stderr,
                 "topo: internal check failed: %d consumers/producers outlive the embedded log in %s\n",
                 live_clients_.load(), db_.dir.c_str());
    std::abort();
  }
  if (owned_db_) {
    for (auto* h : handles_) owned_db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    owned_db_->Close().PermitUncheckedError();  // nothing to do about it on the way out
    owned_db_.reset();
  }
  lock_.reset();  // after the database is closed
}

Status EmbeddedLogImpl::OpenImpl(const EmbeddedLogOptions& options) {
  dir_ = options.dir;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Status::IoError("cannot create data dir " + dir_ + ": " + ec.message(), false);
  auto abs = std::filesystem::absolute(dir_, ec);
  db_.dir = ec ? dir_ : abs.lexically_normal().string();
  if (db_.dir.size() > 1 && db_.dir.back() == '/') db_.dir.pop_back();

  ASSIGN_OR_RETURN(FileLock lock, FileLock::Acquire(dir_ + "/OWNER", "data dir " + dir_, "topo run?"));
  lock_ = std::move(lock);

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = options.background_jobs;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_options.keep_log_file_num = 3;
  // Bounds the WAL: past this, the column families holding it back are flushed.
  db_options.max_total_wal_size = 4 * options.write_buffer_bytes;

  // See EmbeddedLogOptions::memory_bytes: memtables are charged to the cache.
  cache_ = rocksdb::NewLRUCache(options.memory_bytes);
  db_options.write_buffer_manager =
      std::make_shared<rocksdb::WriteBufferManager>(options.write_buffer_bytes, cache_);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache_;
  table.block_size = 16 * 1024;
  // Debian's RocksDB computes CRC32C in software (a portable build); XXH3 block
  // checksums cost less on flush, compaction and reads. (The WAL keeps CRC32C.)
  table.checksum = rocksdb::kXXH3;

  rocksdb::ColumnFamilyOptions small;
  small.write_buffer_size = 4 << 20;
  small.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  rocksdb::ColumnFamilyOptions records;
  records.write_buffer_size = options.write_buffer_bytes;
  records.max_write_buffer_number = 4;
  records.target_file_size_base = 64 << 20;
  records.max_bytes_for_level_base = 512 << 20;
  records.level_compaction_dynamic_level_bytes = true;
  // Fewer, larger L0->L1 compactions: measured about 15% less total CPU per
  // appended record than the default 4, and reads still merge few files.
  records.level0_file_num_compaction_trigger = 8;
  records.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // No memtable_insert_with_hint_prefix_extractor: RocksDB 7.8 reuses the hint
  // of the point table for DeleteRange and fails an assertion.
  // Compaction and retention leave many deletions behind; rewrite such files early.
  records.table_properties_collector_factories.push_back(
      rocksdb::NewCompactOnDeletionCollectorFactory(64 * 1024, 16 * 1024));
  auto supported = rocksdb::GetSupportedCompressions();
  bool lz4 = std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end();
  // LZ4: JSON values shrink about 3x, and measured total CPU per appended record
  // was lower than without compression (fewer bytes to checksum and write).
  records.compression = lz4 ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;

  std::string db_path = dir_ + "/db";
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(db_options, db_path, &names).ok()) names.clear();  // a new database
  for (const char* n :
       {rocksdb::kDefaultColumnFamilyName.c_str(), kCfTopics, kCfRecords, kCfLogStart, kCfGroupOffsets}) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : names) cfs.emplace_back(n, n == kCfRecords ? records : small);
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, db_path, cfs, &handles_, &db);
  if (!s.ok()) return FromRocks(s, "cannot open the embedded log in " + db_path);
  owned_db_.reset(db);
  db_.db = db;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == rocksdb::kDefaultColumnFamilyName) cf_default_ = handles_[i];
    if (names[i] == kCfTopics) db_.topics = handles_[i];
    if (names[i] == kCfRecords) db_.records = handles_[i];
    if (names[i] == kCfLogStart) db_.log_start = handles_[i];
    if (names[i] == kCfGroupOffsets) db_.offsets = handles_[i];
  }
  db_.write_options.sync = options.sync_writes;
  producer_batch_records_ = options.producer_batch_records;

  std::string format;
  s = db_.db->Get(rocksdb::ReadOptions(), cf_default_, kFormatKey, &format);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading " + db_path);
  if (s.ok() && format != kFormatValue && format != kFormatValueV1) {
    return Status::FailedPrecondition(db_path + " holds '" + format + "', not a " + kFormatValue +
                                      " (written by another topo version?)");
  }
  // A new database, or one of format 1, which format 2 reads as it is: marked
  // as format 2 before anything of format 2 (commit metadata) is written.
  if (format != kFormatValue) {
    s = db_.db->Put(db_.write_options, cf_default_, kFormatKey, kFormatValue);
    if (!s.ok()) return FromRocks(s, "writing " + db_path);
  }
  return LoadTopics();
}

Status EmbeddedLogImpl::LoadTopics() {
  std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(rocksdb::ReadOptions(), db_.topics));
  std::unique_ptr<rocksdb::Iterator> rec(db_.db->NewIterator(rocksdb::ReadOptions(), db_.records));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string name = it->key().ToString();
    TopicConfig config;
    if (!DecodeTopicConfig(name, std::string_view(it->value().data(), it->value().size()), &config)) {
      return Status::Internal("corrupt metadata of topic '" + name + "' in " + db_.dir);
    }
    std::unique_ptr<TopicState> topic = NewTopicState(config);
    for (auto& part : topic->parts) {
      int64_t begin = 0, end = 0;
      std::string v;
      rocksdb::Status s = db_.db->Get(rocksdb::ReadOptions(), db_.log_start, part->prefix, &v);
      if (s.ok()) {
        std::optional<int64_t> start = DecodeOffsetValue(v);
        if (!start) return Status::Internal("corrupt log start of " + part->tp.ToString());
        begin = *start;
      } else if (!s.IsNotFound()) {
        return FromRocks(s, "reading " + db_.dir);
      }
      rec->SeekForPrev(part->upper);  // the partition's last record, if any
      if (rec->Valid() && rec->key().starts_with(part->prefix)) {
        end = RecordKeyOffset(std::string_view(rec->key().data(), rec->key().size())) + 1;
      }
      if (!rec->status().ok()) return FromRocks(rec->status(), "reading " + db_.dir);
      end = std::max(end, begin);
      part->begin = begin;
      part->end = end;
      part->next = end;
      part->cleaned_to = begin;
    }
    topics_[name] = std::move(topic);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading " + db_.dir);
  return Status::Ok();
}

std::unique_ptr<TopicState> EmbeddedLogImpl::NewTopicState(const TopicConfig& config) {
  auto topic = std::make_unique<TopicState>();
  topic->SetConfig(config);
  for (int32_t p = 0; p < config.partitions; ++p) {
    auto part = std::make_unique<PartitionState>();
    part->tp = TopicPartition{config.name, Partition(p)};
    part->prefix = PartitionPrefix(config.name, p);
    part->upper = PartitionUpper(config.name, p);
    topic->parts.push_back(std::move(part));
  }
  return topic;
}

Result<TopicState*> EmbeddedLogImpl::FindTopicLocked(const std::string& topic) {
  auto i = topics_.find(topic);
  if (i == topics_.end()) return Status::NotFound("unknown topic '" + topic + "' in " + Describe());
  return i->second.get();
}

Result<PartitionState*> EmbeddedLogImpl::FindPartition(const std::string& topic, Partition partition) {
  std::lock_guard<std::mutex> l(state_mu_);
  ASSIGN_OR_RETURN(TopicState * t, FindTopicLocked(topic));
  int32_t p = partition.value();
  if (p < 0 || p >= static_cast<int32_t>(t->parts.size())) {
    return Status::NotFound("topic '" + topic + "' has no partition " + std::to_string(p) + " (it has " +
                            std::to_string(t->parts.size()) + ")");
  }
  return t->parts[p].get();
}

Status EmbeddedLogImpl::EnsureTopics(const std::vector<TopicConfig>& topics,
                                     std::vector<std::string>* report) {
  for (const auto& c : topics) {
    if (!ValidTopicName(c.name)) {
      return Status::Invalid("invalid topic name '" + c.name +
                             "': use 1 to 249 of the characters a-z A-Z 0-9 . _ - (Kafka's rule)");
    }
    if (c.partitions < 1) {
      return Status::Invalid("topic '" + c.name + "' needs at least 1 partition, not " +
                             std::to_string(c.partitions));
    }
    RETURN_IF_ERROR(MaxMessageBytes(c.name, c.extra).status());
  }
  std::lock_guard<std::mutex> wl(write_mu_);
  // Check everything before changing anything, so a mismatch leaves the log as it was.
  {
    std::lock_guard<std::mutex> l(state_mu_);
    for (const auto& c : topics) {
      auto i = topics_.find(c.name);
      if (i != topics_.end() && i->second->config.partitions != c.partitions) {
        return Status::FailedPrecondition(
            "topic '" + c.name + "' exists with " + std::to_string(i->second->config.partitions) +
            " partitions, the topology declares " + std::to_string(c.partitions));
      }
    }
  }
  rocksdb::WriteBatch batch;
  std::vector<std::string> lines;
  std::vector<const TopicConfig*> created, updated;
  {
    std::lock_guard<std::mutex> l(state_mu_);
    std::set<std::string> seen;
    for (const auto& c : topics) {
      if (!seen.insert(c.name).second) continue;
      auto i = topics_.find(c.name);
      if (i == topics_.end()) {
        created.push_back(&c);
        lines.push_back("created topic " + c.name + " (" + DescribeConfig(c) + ")");
      } else {
        const TopicConfig& old = i->second->config;
        if (old.compact != c.compact || old.retention_ms != c.retention_ms || old.extra != c.extra) {
          updated.push_back(&c);
          lines.push_back("topic " + c.name + " updated (" + DescribeConfig(c) + "; was " +
                          DescribeConfig(old) + ")");
        } else {
          lines.push_back("topic " + c.name + " ok (" + DescribeConfig(c) + ")");
        }
      }
    }
  }
  for (const auto* list : {&created, &updated}) {
    for (const TopicConfig* c : *list) batch.Put(db_.topics, c->name, EncodeTopicConfig(*c));
  }
  if (batch.Count() > 0) {
    rocksdb::Status s = db_.db->Write(db_.write_options, &batch);
    if (!s.ok()) return FromRocks(s, "writing topic metadata");
  }
  {
    std::lock_guard<std::mutex> l(state_mu_);
    for (const TopicConfig* c : created) topics_[c->name] = NewTopicState(*c);
    for (const TopicConfig* c : updated) topics_[c->name]->SetConfig(*c);
  }
  if (report) report->insert(report->end(), lines.begin(), lines.end());
  return Status::Ok();
}

Result<int32_t> EmbeddedLogImpl::PartitionCount(const std::string& topic) {
  std::lock_guard<std::mutex> l(state_mu_);
  ASSIGN_OR_RETURN(TopicState * t, FindTopicLocked(topic));
  return t->config.partitions;
}

Result<std::map<std::string, TopicDescription>> EmbeddedLogImpl::DescribeTopics(
    const std::vector<std::string>& names) {
  std::lock_guard<std::mutex> l(state_mu_);
  std::map<std::string, TopicDescription> out;
  for (const std::string& name : names) {
    auto it = topics_.find(name);
    if (it == topics_.end()) continue;
    TopicDescription& d = out[name];
    d.config = it->second->config;
    d.config.extra["max.message.bytes"] = std::to_string(it->second->max_record_bytes.load());
  }
  return out;
}

Result<std::optional<int64_t>> EmbeddedLogImpl::MaxRecordBytes(const std::string& topic) {
  std::lock_guard<std::mutex> l(state_mu_);
  ASSIGN_OR_RETURN(TopicState * t, FindTopicLocked(topic));
  return std::optional<int64_t>(t->max_record_bytes.load());
}

Result<Offset> EmbeddedLogImpl::EndOffset(const TopicPartition& tp) {
  ASSIGN_OR_RETURN(PartitionState * part, FindPartition(tp.topic, tp.partition));
  return Offset(part->end.load(std::memory_order_acquire));
}

Result<Offset> EmbeddedLogImpl::BeginOffset(const TopicPartition& tp) {
  ASSIGN_OR_RETURN(PartitionState * part, FindPartition(tp.topic, tp.partition));
  return Offset(part->begin.load(std::memory_order_acquire));
}

Result<std::unique_ptr<Consumer>> EmbeddedLogImpl::NewConsumer(const std::string& group,
                                                               const std::string& client_id, int /*member*/) {
  if (group.empty()) return Status::Invalid("a consumer needs a group id");
  return std::unique_ptr<Consumer>(
      std::make_unique<EmbeddedConsumer>(this, group, client_id.empty() ? group : client_id));
}

Result<std::unique_ptr<Producer>> EmbeddedLogImpl::NewProducer(const std::string& transactional_id) {
  if (transactional_id.empty()) {
    return std::unique_ptr<Producer>(
        std::make_unique<EmbeddedProducer>(this, "", nullptr, producer_batch_records_));
  }
  std::shared_ptr<std::atomic<uint64_t>> cell;
  {
    // Under the writer lock: an older producer's commit lands entirely before
    // the epoch moves, or sees the new epoch and is fenced.
    std::lock_guard<std::mutex> wl(write_mu_);
    std::lock_guard<std::mutex> l(state_mu_);
    auto& c = txn_epochs_[transactional_id];
    if (!c) c = std::make_shared<std::atomic<uint64_t>>(0);
    c->fetch_add(1);
    cell = c;
  }
  return std::unique_ptr<Producer>(
      std::make_unique<EmbeddedProducer>(this, transactional_id, std::move(cell), 1));
}

Status EmbeddedLogImpl::Maintain(int64_t now_ms) {
  std::lock_guard<std::mutex> ml(maintain_mu_);
  struct Work {
    TopicConfig config;
    TopicState* topic;
  };
  std::vector<Work> work;
  {
    std::lock_guard<std::mutex> l(state_mu_);
    for (auto& [name, t] : topics_) {
      if (NeedsMaintenance(t->config)) work.push_back({t->config, t.get()});
    }
  }
  // A topic that fails does not keep the others from their retention: the
  // first error is returned after all were tried.
  Status first;
  for (const Work& w : work) {
    Status s = MaintainTopic(db_, w.config, w.topic, now_ms);
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

}  // namespace embedded

Result<std::unique_ptr<EmbeddedLog>> EmbeddedLog::Open(const EmbeddedLogOptions& options) {
  auto log = std::make_unique<embedded::EmbeddedLogImpl>();
  RETURN_IF_ERROR(log->OpenImpl(options));
  return std::unique_ptr<EmbeddedLog>(std::move(log));
}

Result<std::unique_ptr<Log>> OpenEmbeddedLog(const EmbeddedLogOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<EmbeddedLog> log, EmbeddedLog::Open(options));
  return std::unique_ptr<Log>(std::move(log));
}

}  // namespace topo::log
