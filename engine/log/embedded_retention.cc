#include "engine/log/embedded_retention.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/base/numbers.h"
#include "engine/log/embedded_record_format.h"

namespace topo::log::embedded {
namespace {

// Kafka's default delete.retention.ms: how long a compacted topic keeps a tombstone.
constexpr int64_t kDefaultDeleteRetentionMs = 24 * 3600 * 1000;

// A numeric topic setting from `extra` (Kafka's name), or `fallback` when absent.
Result<int64_t> ExtraNumber(const TopicConfig& config, const std::string& name, int64_t fallback,
                            int64_t min) {
  auto i = config.extra.find(name);
  if (i == config.extra.end()) return fallback;
  std::optional<int64_t> v = ParseInt64(i->second);
  if (!v || *v < min) {
    return Status::Invalid("topic '" + config.name + "': " + name +
                           " must be a number >= " + std::to_string(min) + ", not '" + i->second + "'");
  }
  return *v;
}

Status Corrupt(const PartitionState& part, int64_t offset) {
  return Status::Internal("corrupt record at " + part.tp.ToString() + " offset " + std::to_string(offset));
}

std::unique_ptr<rocksdb::Iterator> PartitionIterator(const EmbeddedDb& db, const PartitionState& part,
                                                     rocksdb::Slice* upper) {
  rocksdb::ReadOptions ro;
  *upper = rocksdb::Slice(part.upper);
  ro.iterate_upper_bound = upper;
  return std::unique_ptr<rocksdb::Iterator>(db.db->NewIterator(ro, db.records));
}

// Deletes the partition's records below `cut` and makes it the begin offset.
Status DeleteHead(const EmbeddedDb& db, PartitionState* part, int64_t cut) {
  int64_t begin = part->begin.load();
  if (cut <= begin) return Status::Ok();
  std::string from, to;
  RecordKey(part->prefix, begin, &from);
  RecordKey(part->prefix, cut, &to);
  rocksdb::WriteBatch batch;
  batch.DeleteRange(db.records, from, to);
  // Recorded, so that reopening an emptied partition keeps counting from `cut`.
  batch.Put(db.log_start, part->prefix, OffsetValue(cut));
  rocksdb::Status s = db.db->Write(db.write_options, &batch);
  if (!s.ok()) return FromRocks(s, "retention of " + part->tp.ToString());
  part->begin.store(cut, std::memory_order_release);
  part->cleaned_to = std::max(part->cleaned_to, cut);
  return Status::Ok();
}

// Deletes, from the head, the records older than threshold_ms, stopping at the
// first newer one.
Status RetainByTime(const EmbeddedDb& db, PartitionState* part, int64_t threshold_ms) {
  int64_t begin = part->begin.load();
  int64_t end = part->end.load(std::memory_order_acquire);
  if (begin >= end) return Status::Ok();
  rocksdb::Slice upper;
  std::unique_ptr<rocksdb::Iterator> it = PartitionIterator(db, *part, &upper);
  std::string key;
  RecordKey(part->prefix, begin, &key);
  int64_t cut = begin;
  bool reached_end = true;
  for (it->Seek(key); it->Valid(); it->Next()) {
    int64_t offset = RecordKeyOffset(std::string_view(it->key().data(), it->key().size()));
    if (offset >= end) break;
    RecordHead h;
    if (!DecodeHead(std::string_view(it->value().data(), it->value().size()), &h))
      return Corrupt(*part, offset);
    if (h.timestamp >= threshold_ms) {
      reached_end = false;
      break;
    }
    cut = offset + 1;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "retention of " + part->tp.ToString());
  if (reached_end) cut = end;  // everything below end expired (or was compacted away)
  return DeleteHead(db, part, cut);
}

// On-disk size of the partition's records in [from, end), memtables included.
uint64_t ApproximateBytes(const EmbeddedDb& db, const PartitionState& part, int64_t from, int64_t end) {
  std::string start, limit;
  RecordKey(part.prefix, from, &start);
  RecordKey(part.prefix, end, &limit);
  rocksdb::Range range(start, limit);
  rocksdb::SizeApproximationOptions o;
  o.include_memtables = true;
  o.include_files = true;
  uint64_t size = 0;
  if (!db.db->GetApproximateSizes(o, db.records, &range, 1, &size).ok()) return 0;
  return size;
}

// Like Kafka, which deletes whole old segments while the rest still holds at
// least retention.bytes: keeps the shortest tail of the partition whose size
// is at least max_bytes (binary search over offsets on RocksDB's size
// estimate, which is exact to a data block for flushed records).
Status RetainBytes(const EmbeddedDb& db, PartitionState* part, int64_t max_bytes) {
  int64_t begin = part->begin.load();
  int64_t end = part->end.load(std::memory_order_acquire);
  const uint64_t keep = static_cast<uint64_t>(max_bytes);
  if (begin >= end || ApproximateBytes(db, *part, begin, end) <= keep) return Status::Ok();
  int64_t lo = begin, hi = end;  // invariant: size of [lo, end) > keep, size of [hi, end) <= keep
  while (hi - lo > 1) {
    int64_t mid = lo + (hi - lo) / 2;
    if (ApproximateBytes(db, *part, mid, end) > keep) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  // [lo, end) is the shortest tail larger than keep; never delete the last record.
  return DeleteHead(db, part, std::min(lo, end - 1));
}

// Kafka's cleaner in one pass pair: the keys of the records written since the
// last pass (the dirty part) with their latest offsets, then every record of
// the partition superseded by one of them goes. The last record stays, like
// Kafka's active segment (it also keeps the end offset recoverable at open).
Status Compact(const EmbeddedDb& db, PartitionState* part, int64_t tombstone_threshold_ms) {
  int64_t begin = part->begin.load();
  int64_t end = part->end.load(std::memory_order_acquire);
  if (part->cleaned_to >= end) return Status::Ok();  // nothing new since the last pass
  rocksdb::Slice upper;
  std::unique_ptr<rocksdb::Iterator> it = PartitionIterator(db, *part, &upper);
  std::unordered_map<std::string, int64_t> latest;
  std::string key;
  RecordKey(part->prefix, std::max(part->cleaned_to, begin), &key);
  RecordHead h;
  for (it->Seek(key); it->Valid(); it->Next()) {
    int64_t offset = RecordKeyOffset(std::string_view(it->key().data(), it->key().size()));
    if (offset >= end) break;
    if (!DecodeHead(std::string_view(it->value().data(), it->value().size()), &h))
      return Corrupt(*part, offset);
    if (h.key) latest[std::string(*h.key)] = offset;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "compaction of " + part->tp.ToString());

  rocksdb::WriteBatch batch;
  auto flush = [&]() -> Status {
    if (batch.Count() == 0) return Status::Ok();
    rocksdb::Status s = db.db->Write(db.write_options, &batch);
    batch.Clear();
    return s.ok() ? Status::Ok() : FromRocks(s, "compaction of " + part->tp.ToString());
  };
  RecordKey(part->prefix, begin, &key);
  for (it->Seek(key); it->Valid(); it->Next()) {
    int64_t offset = RecordKeyOffset(std::string_view(it->key().data(), it->key().size()));
    if (offset >= end - 1) break;
    if (!DecodeHead(std::string_view(it->value().data(), it->value().size()), &h))
      return Corrupt(*part, offset);
    if (!h.key) continue;  // a null key cannot be compacted (Kafka refuses them on compacted topics)
    auto l = latest.find(std::string(*h.key));
    bool superseded = l != latest.end() && l->second > offset;
    bool expired_tombstone = !superseded && !h.has_value && h.timestamp < tombstone_threshold_ms;
    if (superseded || expired_tombstone) {
      batch.Delete(db.records, it->key());
      if (batch.Count() >= 10000) RETURN_IF_ERROR(flush());
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "compaction of " + part->tp.ToString());
  RETURN_IF_ERROR(flush());
  part->cleaned_to = end;
  return Status::Ok();
}

}  // namespace

bool NeedsMaintenance(const TopicConfig& config) {
  return config.retention_ms >= 0 || config.compact || config.extra.count("retention.bytes");
}

Status MaintainTopic(const EmbeddedDb& db, const TopicConfig& config, TopicState* topic, int64_t now_ms) {
  Result<int64_t> delete_retention_ms =
      ExtraNumber(config, "delete.retention.ms", kDefaultDeleteRetentionMs, 0);
  RETURN_IF_ERROR(delete_retention_ms.status());
  Result<int64_t> retention_bytes = ExtraNumber(config, "retention.bytes", -1, -1);  // -1: no limit
  RETURN_IF_ERROR(retention_bytes.status());
  Status first;
  auto note = [&first](const Status& s) {
    if (!s.ok() && first.ok()) first = s;
    return s.ok();
  };
  for (auto& part : topic->parts) {
    if (config.retention_ms >= 0 && !note(RetainByTime(db, part.get(), now_ms - config.retention_ms)))
      continue;
    if (*retention_bytes >= 0 && !note(RetainBytes(db, part.get(), *retention_bytes))) continue;
    if (config.compact) note(Compact(db, part.get(), now_ms - *delete_retention_ms));
  }
  return first;
}

}  // namespace topo::log::embedded
