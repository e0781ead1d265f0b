#include "engine/log/embedded_log.h"

#include <fcntl.h>
#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/table_properties_collectors.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "engine/base/numbers.h"
#include "engine/log/record_size.h"

namespace topo::log {
namespace {

constexpr char kFormatKey[] = "format";
constexpr char kFormatValue[] = "topo-embedded-log 1";
constexpr char kCfTopics[] = "topics";
constexpr char kCfRecords[] = "records";
constexpr char kCfLogStart[] = "log_start";
constexpr char kCfGroupOffsets[] = "group_offsets";
// Kafka's default delete.retention.ms: how long a compacted topic keeps a tombstone.
constexpr int64_t kDefaultDeleteRetentionMs = 24 * 3600 * 1000;
constexpr int kMaxTopicNameLength = 249;

// ---- byte encodings ----

void PutBE32(std::string* out, uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  out->append(b, 4);
}

void PutBE64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i, v >>= 8) b[i] = static_cast<char>(v);
  out->append(b, 8);
}

uint64_t GetBE64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void PutVarint(std::string* out, uint64_t v) {
  char b[10];
  int n = 0;
  while (v >= 0x80) {
    b[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  b[n++] = static_cast<char>(v);
  out->append(b, n);
}

bool GetVarint(const char** p, const char* end, uint64_t* v) {
  uint64_t r = 0;
  for (int shift = 0; shift <= 63 && *p < end; shift += 7) {
    uint64_t byte = static_cast<uint8_t>(*(*p)++);
    r |= (byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *v = r;
      return true;
    }
  }
  return false;
}

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

void PutBytes(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

bool GetBytes(const char** p, const char* end, std::string_view* s) {
  uint64_t n;
  if (!GetVarint(p, end, &n) || n > static_cast<uint64_t>(end - *p)) return false;
  *s = std::string_view(*p, n);
  *p += n;
  return true;
}

constexpr uint64_t kHasKey = 1;
constexpr uint64_t kHasValue = 2;

void EncodeRecord(const RawRecord& r, std::string* out) {
  PutVarint(out, (r.key ? kHasKey : 0) | (r.value ? kHasValue : uint64_t{0}));
  PutVarint(out, ZigZag(r.timestamp.value()));
  if (r.key) PutBytes(out, *r.key);
  if (r.value) PutBytes(out, *r.value);
  PutVarint(out, r.headers.size());
  for (const auto& [name, value] : r.headers) {
    PutBytes(out, name);
    PutBytes(out, value);
  }
}

// What retention and compaction look at, without copying the record.
struct RecordHead {
  int64_t timestamp = 0;
  std::optional<std::string_view> key;
  bool has_value = false;
};

bool DecodeHead(std::string_view in, RecordHead* h, const char** rest = nullptr) {
  const char* p = in.data();
  const char* end = p + in.size();
  uint64_t flags, ts;
  if (!GetVarint(&p, end, &flags) || !GetVarint(&p, end, &ts)) return false;
  h->timestamp = UnZigZag(ts);
  h->key.reset();
  if (flags & kHasKey) {
    std::string_view k;
    if (!GetBytes(&p, end, &k)) return false;
    h->key = k;
  }
  h->has_value = flags & kHasValue;
  if (rest) *rest = p;
  return true;
}

bool DecodeRecord(std::string_view in, RawRecord* r) {
  RecordHead h;
  const char* p;
  if (!DecodeHead(in, &h, &p)) return false;
  const char* end = in.data() + in.size();
  r->timestamp = TimestampMs(h.timestamp);
  if (h.key) r->key.emplace(*h.key);
  if (h.has_value) {
    std::string_view v;
    if (!GetBytes(&p, end, &v)) return false;
    r->value.emplace(v);
  }
  uint64_t n;
  if (!GetVarint(&p, end, &n) || n > static_cast<uint64_t>(end - p)) return false;
  r->headers.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name, value;
    if (!GetBytes(&p, end, &name) || !GetBytes(&p, end, &value)) return false;
    r->headers.emplace_back(std::string(name), std::string(value));
  }
  return p == end;
}

std::string EncodeTopicConfig(const TopicConfig& c) {
  std::string out;
  PutVarint(&out, 1);  // encoding version
  PutVarint(&out, static_cast<uint64_t>(c.partitions));
  PutVarint(&out, c.compact ? 1 : 0);
  PutVarint(&out, ZigZag(c.retention_ms));
  PutVarint(&out, c.extra.size());
  for (const auto& [k, v] : c.extra) {
    PutBytes(&out, k);
    PutBytes(&out, v);
  }
  return out;
}

bool DecodeTopicConfig(std::string_view name, std::string_view in, TopicConfig* c) {
  const char* p = in.data();
  const char* end = p + in.size();
  uint64_t version, partitions, compact, retention, n;
  if (!GetVarint(&p, end, &version) || version != 1 || !GetVarint(&p, end, &partitions) ||
      !GetVarint(&p, end, &compact) || !GetVarint(&p, end, &retention) || !GetVarint(&p, end, &n)) {
    return false;
  }
  c->name = std::string(name);
  c->partitions = static_cast<int32_t>(partitions);
  c->compact = compact != 0;
  c->retention_ms = UnZigZag(retention);
  c->extra.clear();
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view k, v;
    if (!GetBytes(&p, end, &k) || !GetBytes(&p, end, &v)) return false;
    c->extra.emplace(std::string(k), std::string(v));
  }
  return p == end && c->partitions >= 1;
}

std::string PartitionPrefix(const std::string& topic, int32_t partition) {
  std::string k = topic;
  k.push_back('/');
  PutBE32(&k, static_cast<uint32_t>(partition));
  return k;
}

std::string GroupOffsetKey(const std::string& group, const TopicPartition& tp) {
  std::string k = group;
  k.push_back('/');
  k.append(tp.topic);
  k.push_back('/');
  PutBE32(&k, static_cast<uint32_t>(tp.partition.value()));
  return k;
}

std::string OffsetValue(int64_t offset) {
  std::string v;
  PutBE64(&v, static_cast<uint64_t>(offset));
  return v;
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  // Disk full, a busy file, a timeout may clear up; corruption or bad options do not.
  bool retryable = s.IsIOError() || s.IsBusy() || s.IsTryAgain() || s.IsTimedOut() || s.IsIncomplete();
  return Status::IoError(std::string(what) + ": " + s.ToString(), retryable);
}

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

// ---- in-memory state ----

struct PartitionState {
  std::string prefix;  // records key prefix: <topic> '/' <partition BE4>
  std::string upper;   // the next partition's prefix: an exclusive upper bound
  TopicPartition tp;
  std::atomic<int64_t> begin{0};  // first kept offset (retention)
  std::atomic<int64_t> end{0};    // next offset to assign = published high watermark
  int64_t next = 0;               // guarded by write_mu_: end plus the commit being built
  int64_t cleaned_to = 0;         // guarded by maintain_mu_: compaction covered [.., cleaned_to)
};

struct TopicState {
  TopicConfig config;  // guarded by state_mu_ (EnsureTopics may update compact/retention)
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

// A consumer's membership in its group; every field is guarded by state_mu_.
struct Member {
  uint64_t id = 0;
  std::string client_id;
  std::set<std::string> topics;
  std::vector<std::vector<std::string>> copartitioned;  // as subscribed, each sorted
  std::set<TopicPartition> target;                      // what the coordinator assigned
  std::set<TopicPartition> owned;                       // what the consumer took (until it revokes)
};

struct Group {
  std::vector<Member*> members;  // in join order
  std::map<TopicPartition, Member*> owner;
};

class EmbeddedConsumer;
class EmbeddedProducer;

class EmbeddedLogImpl final : public EmbeddedLog {
 public:
  ~EmbeddedLogImpl() override;

  Status OpenImpl(const EmbeddedLogOptions& options);

  std::string Describe() const override { return "embedded " + abs_dir_; }
  Status EnsureTopics(const std::vector<TopicConfig>& topics, std::vector<std::string>* report) override;
  Result<int32_t> PartitionCount(const std::string& topic) override;
  Result<std::optional<int64_t>> MaxRecordBytes(const std::string& topic) override;
  Result<Offset> EndOffset(const TopicPartition& tp) override;
  Result<Offset> BeginOffset(const TopicPartition& tp) override;
  using Log::NewConsumer;
  Result<std::unique_ptr<Consumer>> NewConsumer(const std::string& group, const std::string& client_id,
                                                int member) override;
  Result<std::unique_ptr<Producer>> NewProducer(const std::string& transactional_id) override;
  Status Maintain(int64_t now_ms) override;

 private:
  friend class EmbeddedConsumer;
  friend class EmbeddedProducer;

  Status LoadTopics();
  Result<PartitionState*> FindPartition(const std::string& topic, Partition partition);
  Result<TopicState*> FindTopicLocked(const std::string& topic);
  // Wakes consumers after end offsets moved or the group changed. Callers
  // changed the state they signal before calling.
  void Signal() {
    { std::lock_guard<std::mutex> l(state_mu_); }
    cv_.notify_all();
  }
  void RecomputeAssignmentLocked(Group& g);
  Status Retain(PartitionState* part, int64_t threshold_ms);
  Status RetainBytes(PartitionState* part, int64_t max_bytes);
  // Deletes the partition's records below `cut` and makes it the begin offset.
  Status DeleteHead(PartitionState* part, int64_t cut);
  // On-disk size of the partition's records in [from, end), memtables included.
  uint64_t ApproximateBytes(const PartitionState& part, int64_t from, int64_t end);
  Status Compact(PartitionState* part, int64_t tombstone_threshold_ms);

  std::string dir_;
  std::string abs_dir_;
  int lock_fd_ = -1;
  std::shared_ptr<rocksdb::Cache> cache_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* cf_default_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_topics_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_records_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_log_start_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_offsets_ = nullptr;
  rocksdb::WriteOptions write_options_;
  size_t producer_batch_records_ = 1;

  // Lock order: maintain_mu_ -> write_mu_ -> state_mu_.
  std::mutex maintain_mu_;
  // Serializes writers of records: offset assignment plus the RocksDB write,
  // so a partition's offsets reach the database in order.
  std::mutex write_mu_;
  std::mutex state_mu_;
  std::condition_variable cv_;  // with state_mu_: end offsets moved or a group changed
  std::map<std::string, std::unique_ptr<TopicState>> topics_;
  std::map<std::string, Group> groups_;
  std::map<std::string, std::shared_ptr<std::atomic<uint64_t>>> txn_epochs_;
  uint64_t next_member_id_ = 1;
  std::atomic<int> live_clients_{0};
};

// ---- consumer ----

class EmbeddedConsumer final : public Consumer {
 public:
  EmbeddedConsumer(EmbeddedLogImpl* log, std::string group, std::string client_id)
      : log_(log), group_(std::move(group)) {
    member_.client_id = std::move(client_id);
    log_->live_clients_++;
  }
  ~EmbeddedConsumer() override {
    LeaveGroup();
    assigned_.clear();  // iterators go before the database does
    log_->live_clients_--;
  }

  const std::string& group() const { return group_; }
  EmbeddedLogImpl* log() const { return log_; }
  // A group member commits only what it owns; a consumer that never subscribed
  // commits anything (a tool resetting offsets).
  bool Owns(const TopicPartition& tp) const { return !closed_ && (!subscribed_ || Find(tp) != nullptr); }

  Status SubscribeCopartitioned(const std::vector<std::vector<std::string>>& copartitioned,
                                RebalanceListener* listener) override;
  Status Poll(int timeout_ms, size_t max_records, std::vector<RawRecord>* out) override;
  Status Pause(const std::vector<TopicPartition>& tps) override { return SetPaused(tps, true); }
  Status Resume(const std::vector<TopicPartition>& tps) override { return SetPaused(tps, false); }
  std::optional<int64_t> KnownLag(const TopicPartition& tp) override {
    const Assigned* a = Find(tp);
    if (a == nullptr) return std::nullopt;
    return std::max<int64_t>(0, a->part->end.load(std::memory_order_acquire) - a->position);
  }
  Result<std::optional<Offset>> Committed(const TopicPartition& tp) override;
  Status Seek(const TopicPartition& tp, Offset offset) override;
  Status CommitOffsets(const OffsetMap& offsets) override;
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
  Status CheckOpen() const {
    return closed_ ? Status::FailedPrecondition("consumer '" + member_.client_id + "' is closed")
                   : Status::Ok();
  }
  Status NotAssigned(const TopicPartition& tp) const {
    return Status::FailedPrecondition("partition " + tp.ToString() + " is not assigned to consumer '" +
                                      member_.client_id + "' (group '" + group_ + "')");
  }
  Status SetPaused(const std::vector<TopicPartition>& tps, bool paused);
  bool RebalancePendingLocked() const;
  bool HasDataLocked() const;
  Status Rebalance();
  Status ReadAvailable(size_t max_records, std::vector<RawRecord>* out);
  Status ReadPartition(Assigned& a, size_t limit, std::vector<RawRecord>* out);
  Result<std::optional<Offset>> ReadCommitted(const TopicPartition& tp);
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
};

Status EmbeddedConsumer::SubscribeCopartitioned(const std::vector<std::vector<std::string>>& copartitioned,
                                                RebalanceListener* listener) {
  RETURN_IF_ERROR(CheckOpen());
  std::set<std::string> topics;
  std::vector<std::vector<std::string>> groups;
  for (const auto& group : copartitioned) {
    if (group.empty()) continue;
    groups.push_back(group);
    std::sort(groups.back().begin(), groups.back().end());
    topics.insert(group.begin(), group.end());
  }
  if (topics.empty()) return Status::Invalid("Subscribe needs at least one topic");
  std::lock_guard<std::mutex> l(log_->state_mu_);
  for (const auto& t : topics) {
    auto r = log_->FindTopicLocked(t);
    if (!r.ok()) return r.status();
  }
  listener_ = listener;
  member_.topics = std::move(topics);
  member_.copartitioned = std::move(groups);
  Group& g = log_->groups_[group_];
  if (!subscribed_) {
    member_.id = log_->next_member_id_++;
    g.members.push_back(&member_);
    subscribed_ = true;
  }
  log_->RecomputeAssignmentLocked(g);
  log_->cv_.notify_all();
  return Status::Ok();
}

bool EmbeddedConsumer::RebalancePendingLocked() const {
  if (!subscribed_) return false;
  const Group& g = log_->groups_.at(group_);
  for (const auto& tp : member_.owned) {
    if (!member_.target.count(tp)) return true;
  }
  for (const auto& tp : member_.target) {
    if (!member_.owned.count(tp) && !g.owner.count(tp)) return true;
  }
  return false;
}

bool EmbeddedConsumer::HasDataLocked() const {
  for (const auto& [tp, a] : assigned_) {
    if (!a->paused && a->position < a->part->end.load(std::memory_order_acquire)) return true;
  }
  return false;
}

// Revokes what moved away (callback first, then release), then takes what the
// coordinator assigned and nobody holds any more. Callbacks run without locks,
// so a listener may commit through a producer.
Status EmbeddedConsumer::Rebalance() {
  if (!subscribed_) return Status::Ok();
  std::vector<TopicPartition> revoked;
  {
    std::lock_guard<std::mutex> l(log_->state_mu_);
    for (const auto& tp : member_.owned) {
      if (!member_.target.count(tp)) revoked.push_back(tp);
    }
  }
  if (!revoked.empty()) {
    if (listener_) listener_->OnRevoked(revoked);
    {
      std::lock_guard<std::mutex> l(log_->state_mu_);
      Group& g = log_->groups_.at(group_);
      for (const auto& tp : revoked) {
        member_.owned.erase(tp);
        g.owner.erase(tp);
      }
    }
    for (const auto& tp : revoked) assigned_.erase(tp);
    log_->cv_.notify_all();  // a successor may be waiting for these
  }
  std::vector<TopicPartition> added;
  bool settled = false;  // the member owns all of its share (none still held by another)
  {
    std::lock_guard<std::mutex> l(log_->state_mu_);
    Group& g = log_->groups_.at(group_);
    for (const auto& tp : member_.target) {
      if (member_.owned.count(tp) || g.owner.count(tp)) continue;
      g.owner[tp] = &member_;
      member_.owned.insert(tp);
      added.push_back(tp);
    }
    settled = std::all_of(member_.target.begin(), member_.target.end(),
                          [&](const TopicPartition& tp) { return member_.owned.count(tp) > 0; });
  }
  if (added.empty() && (announced_ || !settled)) return Status::Ok();
  announced_ = true;
  for (const auto& tp : added) {
    ASSIGN_OR_RETURN(PartitionState * part, log_->FindPartition(tp.topic, tp.partition));
    ASSIGN_OR_RETURN(std::optional<Offset> committed, ReadCommitted(tp));
    auto a = std::make_unique<Assigned>();
    a->part = part;
    a->position = committed ? committed->value() : part->begin.load();
    a->upper = rocksdb::Slice(part->upper);
    assigned_[tp] = std::move(a);
  }
  // Positions are set first, so the listener may Seek inside OnAssigned.
  if (listener_) listener_->OnAssigned(added);
  return Status::Ok();
}

Status EmbeddedConsumer::Poll(int timeout_ms, size_t max_records, std::vector<RawRecord>* out) {
  RETURN_IF_ERROR(CheckOpen());
  if (!subscribed_) {
    return Status::FailedPrecondition("Poll before Subscribe (consumer '" + member_.client_id + "')");
  }
  RETURN_IF_ERROR(Rebalance());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
  for (;;) {
    size_t before = out->size();
    RETURN_IF_ERROR(ReadAvailable(max_records, out));
    if (out->size() > before || max_records == 0) return Status::Ok();
    bool woke;
    {
      std::unique_lock<std::mutex> l(log_->state_mu_);
      woke = log_->cv_.wait_until(l, deadline, [&] { return RebalancePendingLocked() || HasDataLocked(); });
    }
    if (!woke) return Status::Ok();
    RETURN_IF_ERROR(Rebalance());
  }
}

Status EmbeddedConsumer::ReadAvailable(size_t max_records, std::vector<RawRecord>* out) {
  if (assigned_.empty()) return Status::Ok();
  std::vector<Assigned*>& order = order_;
  order.clear();
  for (auto& [tp, a] : assigned_) {
    if (!a->paused) order.push_back(a.get());
  }
  if (order.empty()) return Status::Ok();
  size_t start = rr_++ % order.size();
  size_t remaining = max_records;
  for (size_t i = 0; i < order.size() && remaining > 0; ++i) {
    // An even share of what is left, so a busy partition cannot starve the rest
    // while one with little data leaves its share to the next.
    size_t share = (remaining + (order.size() - i) - 1) / (order.size() - i);
    size_t before = out->size();
    RETURN_IF_ERROR(ReadPartition(*order[(start + i) % order.size()], share, out));
    remaining -= out->size() - before;
  }
  return Status::Ok();
}

Status EmbeddedConsumer::ReadPartition(Assigned& a, size_t limit, std::vector<RawRecord>* out) {
  PartitionState& part = *a.part;
  int64_t end = part.end.load(std::memory_order_acquire);
  int64_t begin = part.begin.load(std::memory_order_acquire);
  if (a.position < begin) {  // retention deleted it: auto.offset.reset=earliest
    a.position = begin;
    a.it.reset();
  }
  size_t n = 0;
  bool fresh = false;
  while (n < limit && a.position < end) {
    if (!a.it) {
      rocksdb::ReadOptions ro;
      ro.iterate_upper_bound = &a.upper;
      a.it.reset(log_->db_->NewIterator(ro, log_->cf_records_));
      key_buf_.assign(part.prefix);
      PutBE64(&key_buf_, static_cast<uint64_t>(a.position));
      a.it->Seek(key_buf_);
      fresh = true;
    }
    if (!a.it->Valid()) {
      rocksdb::Status s = a.it->status();
      a.it.reset();
      if (!s.ok()) return FromRocks(s, "reading " + part.tp.ToString());
      if (fresh) {
        // A view made after `end` was published holds every record below it, so
        // the rest up to `end` was compacted or retained away.
        a.position = end;
        break;
      }
      continue;  // the view predates newer records: take a fresh one
    }
    rocksdb::Slice key = a.it->key();
    int64_t offset = static_cast<int64_t>(GetBE64(key.data() + key.size() - 8));
    if (offset >= end) {
      // Written but not yet published. This view was taken after every record
      // below `end` was written, so none is left in [position, end).
      a.position = end;
      break;
    }
    RawRecord& r = out->emplace_back();
    r.topic = part.tp.topic;
    r.partition = part.tp.partition;
    r.offset = Offset(offset);
    rocksdb::Slice value = a.it->value();
    if (!DecodeRecord(std::string_view(value.data(), value.size()), &r)) {
      out->pop_back();
      return Status::Internal("corrupt record at " + part.tp.ToString() + " offset " +
                              std::to_string(offset) + " in " + log_->abs_dir_);
    }
    a.position = offset + 1;
    ++n;
    a.it->Next();
  }
  if (a.it && !a.it->Valid()) {
    rocksdb::Status s = a.it->status();
    a.it.reset();
    if (!s.ok()) return FromRocks(s, "reading " + part.tp.ToString());
  }
  return Status::Ok();
}

Status EmbeddedConsumer::SetPaused(const std::vector<TopicPartition>& tps, bool paused) {
  RETURN_IF_ERROR(CheckOpen());
  for (const auto& tp : tps) {
    if (!Find(tp)) return NotAssigned(tp);
  }
  for (const auto& tp : tps) {
    Assigned* a = Find(tp);
    a->paused = paused;
    if (paused) a->it.reset();
  }
  if (!paused) log_->cv_.notify_all();  // harmless; Poll re-checks on its own thread anyway
  return Status::Ok();
}

Result<std::optional<Offset>> EmbeddedConsumer::ReadCommitted(const TopicPartition& tp) {
  std::string v;
  rocksdb::Status s =
      log_->db_->Get(rocksdb::ReadOptions(), log_->cf_offsets_, GroupOffsetKey(group_, tp), &v);
  if (s.IsNotFound()) return std::optional<Offset>();
  if (!s.ok()) return FromRocks(s, "reading group '" + group_ + "' offset of " + tp.ToString());
  if (v.size() != 8)
    return Status::Internal("corrupt group offset of " + tp.ToString() + " in " + log_->abs_dir_);
  return std::optional<Offset>(Offset(static_cast<int64_t>(GetBE64(v.data()))));
}

Result<std::optional<Offset>> EmbeddedConsumer::Committed(const TopicPartition& tp) {
  RETURN_IF_ERROR(CheckOpen());
  ASSIGN_OR_RETURN(PartitionState * part, log_->FindPartition(tp.topic, tp.partition));
  (void)part;
  return ReadCommitted(tp);
}

Status EmbeddedConsumer::Seek(const TopicPartition& tp, Offset offset) {
  RETURN_IF_ERROR(CheckOpen());
  Assigned* a = Find(tp);
  if (!a) return NotAssigned(tp);
  if (offset.value() < 0) return Status::Invalid("Seek to negative offset " + std::to_string(offset.value()));
  a->position = offset.value();
  a->it.reset();
  return Status::Ok();
}

Status EmbeddedConsumer::CommitOffsets(const OffsetMap& offsets) {
  RETURN_IF_ERROR(CheckOpen());
  rocksdb::WriteBatch batch;
  for (const auto& [tp, offset] : offsets) {
    ASSIGN_OR_RETURN(PartitionState * part, log_->FindPartition(tp.topic, tp.partition));
    (void)part;
    if (!Owns(tp)) return NotAssigned(tp).WithContext("offset commit refused");
    batch.Put(log_->cf_offsets_, GroupOffsetKey(group_, tp), OffsetValue(offset.value()));
  }
  rocksdb::Status s = log_->db_->Write(log_->write_options_, &batch);
  if (!s.ok()) return FromRocks(s, "committing offsets of group '" + group_ + "'");
  return Status::Ok();
}

Status EmbeddedConsumer::Close() {
  if (closed_) return Status::Ok();
  // The listener may still commit what it processed, so the consumer closes after it.
  if (subscribed_ && listener_) {
    std::vector<TopicPartition> owned;
    {
      std::lock_guard<std::mutex> l(log_->state_mu_);
      owned.assign(member_.owned.begin(), member_.owned.end());
    }
    if (!owned.empty()) listener_->OnRevoked(owned);
  }
  closed_ = true;
  LeaveGroup();
  assigned_.clear();
  return Status::Ok();
}

void EmbeddedConsumer::LeaveGroup() {
  if (!subscribed_) return;
  subscribed_ = false;
  {
    std::lock_guard<std::mutex> l(log_->state_mu_);
    Group& g = log_->groups_.at(group_);
    for (const auto& tp : member_.owned) g.owner.erase(tp);
    member_.owned.clear();
    member_.target.clear();
    g.members.erase(std::find(g.members.begin(), g.members.end(), &member_));
    log_->RecomputeAssignmentLocked(g);
    if (g.members.empty()) log_->groups_.erase(group_);
  }
  log_->cv_.notify_all();
}

// ---- producer ----

class EmbeddedProducer final : public Producer {
 public:
  EmbeddedProducer(EmbeddedLogImpl* log, std::string txn_id,
                   std::shared_ptr<std::atomic<uint64_t>> epoch_cell, size_t batch_records)
      : log_(log),
        txn_id_(std::move(txn_id)),
        epoch_cell_(std::move(epoch_cell)),
        batch_records_(std::max<size_t>(batch_records, 1)) {
    if (epoch_cell_) epoch_ = epoch_cell_->load();
    log_->live_clients_++;
  }
  ~EmbeddedProducer() override {
    // Like closing a Kafka producer: what a plain producer queued is delivered.
    if (!transactional()) FlushPlain().IgnoreError();  // nobody is left to tell
    log_->live_clients_--;
  }

  Status Send(RawRecord record) override;
  Status Flush() override { return transactional() ? CheckFenced() : FlushPlain(); }
  Status BeginTransaction() override;
  Status CommitTransaction(const OffsetMap& consumed, Consumer& consumer) override;
  Status AbortTransaction() override;

 private:
  struct Pending {
    PartitionState* part;
    size_t begin;  // the encoded record in arena_
    size_t size;
  };

  bool transactional() const { return epoch_cell_ != nullptr; }
  Status CheckFenced() const {
    if (transactional() && epoch_cell_->load(std::memory_order_acquire) != epoch_) {
      return Status::Fenced("producer fenced: a newer producer with transactional id '" + txn_id_ +
                            "' was created; this one must not be used again");
    }
    return Status::Ok();
  }
  Status CheckInTransaction(const char* call) const {
    if (!transactional()) {
      return Status::FailedPrecondition(std::string(call) + " on a producer without a transactional id");
    }
    if (!in_txn_) {
      return Status::FailedPrecondition(std::string(call) + " outside a transaction (transactional id '" +
                                        txn_id_ + "'): call BeginTransaction first");
    }
    return Status::Ok();
  }
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

Result<PartitionState*> EmbeddedProducer::Resolve(const RawRecord& r) {
  if (!last_topic_state_ || r.topic != last_topic_) {
    std::lock_guard<std::mutex> l(log_->state_mu_);
    ASSIGN_OR_RETURN(last_topic_state_, log_->FindTopicLocked(r.topic));
    last_topic_ = r.topic;
  }
  int32_t p = r.partition.value();
  if (p < 0 || p >= static_cast<int32_t>(last_topic_state_->parts.size())) {
    return Status::Invalid("record for partition " + std::to_string(p) + " of topic '" + r.topic +
                           "', which has " + std::to_string(last_topic_state_->parts.size()) + " partitions");
  }
  return last_topic_state_->parts[p].get();
}

Status EmbeddedProducer::Send(RawRecord record) {
  RETURN_IF_ERROR(CheckFenced());
  if (transactional()) RETURN_IF_ERROR(CheckInTransaction("Send"));
  ASSIGN_OR_RETURN(PartitionState * part, Resolve(record));
  // Like a Kafka broker (whose error is not retryable either): refused before
  // it is encoded, so an oversized record never reaches RocksDB.
  if (const int64_t size = RecordBatchBytes(record), limit = last_topic_state_->max_record_bytes.load();
      size > limit)
    return Status::Invalid(TooLargeMessage(size, record.topic, limit));
  if (transactional() || batch_records_ > 1) {
    size_t begin = arena_.size();
    EncodeRecord(record, &arena_);
    pending_.push_back({part, begin, arena_.size() - begin});
    if (!transactional() && pending_.size() >= batch_records_) return FlushPlain();
    return Status::Ok();
  }
  value_buf_.clear();
  EncodeRecord(record, &value_buf_);
  {
    std::lock_guard<std::mutex> l(log_->write_mu_);
    key_buf_.assign(part->prefix);
    PutBE64(&key_buf_, static_cast<uint64_t>(part->next));
    rocksdb::Status s = log_->db_->Put(log_->write_options_, log_->cf_records_, key_buf_, value_buf_);
    if (!s.ok()) return FromRocks(s, "writing to " + part->tp.ToString());
    part->next++;
    part->end.store(part->next, std::memory_order_release);
  }
  log_->Signal();
  return Status::Ok();
}

Status EmbeddedProducer::BeginTransaction() {
  RETURN_IF_ERROR(CheckFenced());
  if (!transactional())
    return Status::FailedPrecondition("BeginTransaction on a producer without a transactional id");
  if (in_txn_)
    return Status::FailedPrecondition("BeginTransaction while a transaction is open ('" + txn_id_ + "')");
  in_txn_ = true;
  return Status::Ok();
}

Status EmbeddedProducer::AbortTransaction() {
  RETURN_IF_ERROR(CheckFenced());
  RETURN_IF_ERROR(CheckInTransaction("AbortTransaction"));
  ClearTransaction();
  return Status::Ok();
}

Status EmbeddedProducer::CommitTransaction(const OffsetMap& consumed, Consumer& consumer) {
  RETURN_IF_ERROR(CheckFenced());
  RETURN_IF_ERROR(CheckInTransaction("CommitTransaction"));
  auto* ec = dynamic_cast<EmbeddedConsumer*>(&consumer);
  if (!ec || ec->log() != log_) {
    return Status::Invalid("CommitTransaction needs a consumer of the same embedded log");
  }
  batch_.Clear();
  for (const auto& [tp, offset] : consumed) {
    ASSIGN_OR_RETURN(PartitionState * part, log_->FindPartition(tp.topic, tp.partition));
    (void)part;
    // A consumer whose partition moved on must not overwrite its successor's progress.
    if (!ec->Owns(tp)) {
      return Status::FailedPrecondition("partition " + tp.ToString() +
                                        " is no longer assigned to this consumer")
          .WithContext("transaction commit refused");
    }
    batch_.Put(log_->cf_offsets_, GroupOffsetKey(ec->group(), tp), OffsetValue(offset.value()));
  }
  RETURN_IF_ERROR(WritePending("committing transaction '" + txn_id_ + "'"));
  ClearTransaction();
  return Status::Ok();
}

Status EmbeddedProducer::WritePending(const std::string& what) {
  {
    std::lock_guard<std::mutex> l(log_->write_mu_);
    // Checked again under the writer lock: a producer that takes over this
    // transactional id bumps the epoch under the same lock, so a commit either
    // lands before it or is fenced.
    RETURN_IF_ERROR(CheckFenced());
    touched_.clear();
    // Grouped by partition, a batch's keys arrive in ascending runs, which the
    // memtable's skiplist inserts next to the previous key instead of searching
    // from the top (about twice the append rate on an 8-partition interleave).
    // Stable, so a partition's records keep their send order.
    auto by_partition = [](const Pending& a, const Pending& b) { return a.part < b.part; };
    if (!std::is_sorted(pending_.begin(), pending_.end(), by_partition)) {
      std::stable_sort(pending_.begin(), pending_.end(), by_partition);
    }
    for (const Pending& p : pending_) {
      PartitionState* part = p.part;
      if (part->next == part->end.load(std::memory_order_relaxed)) touched_.push_back(part);
      key_buf_.assign(part->prefix);
      PutBE64(&key_buf_, static_cast<uint64_t>(part->next++));
      batch_.Put(log_->cf_records_, key_buf_, rocksdb::Slice(arena_.data() + p.begin, p.size));
    }
    rocksdb::Status s = log_->db_->Write(log_->write_options_, &batch_);
    if (!s.ok()) {
      for (PartitionState* part : touched_) part->next = part->end.load(std::memory_order_relaxed);
      // The records stay pending: the caller may retry (or abort the transaction).
      return FromRocks(s, what);
    }
    for (PartitionState* part : touched_) part->end.store(part->next, std::memory_order_release);
  }
  if (!touched_.empty()) log_->Signal();
  return Status::Ok();
}

Status EmbeddedProducer::FlushPlain() {
  if (pending_.empty()) return Status::Ok();
  batch_.Clear();
  RETURN_IF_ERROR(WritePending("writing " + std::to_string(pending_.size()) + " records"));
  arena_.clear();
  pending_.clear();
  return Status::Ok();
}

// ---- the log ----

EmbeddedLogImpl::~EmbeddedLogImpl() {
  if (live_clients_.load() != 0) {
    std::fprintf(stderr,
                 "topo: internal check failed: %d consumers/producers outlive the embedded log in %s\n",
                 live_clients_.load(), abs_dir_.c_str());
    std::abort();
  }
  if (db_) {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    db_->Close().PermitUncheckedError();  // nothing to do about it on the way out
    db_.reset();
  }
  if (lock_fd_ >= 0) {
    // An empty OWNER tells a reader nobody holds the directory.
    int rc = ftruncate(lock_fd_, 0);
    (void)rc;         // best effort: the next owner rewrites it anyway
    close(lock_fd_);  // releases the flock
  }
}

Status EmbeddedLogImpl::OpenImpl(const EmbeddedLogOptions& options) {
  dir_ = options.dir;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Status::IoError("cannot create data dir " + dir_ + ": " + ec.message(), false);
  auto abs = std::filesystem::absolute(dir_, ec);
  abs_dir_ = ec ? dir_ : abs.lexically_normal().string();
  if (abs_dir_.size() > 1 && abs_dir_.back() == '/') abs_dir_.pop_back();

  std::string lock_path = dir_ + "/OWNER";
  lock_fd_ = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return Status::IoError("cannot open " + lock_path + ": " + std::strerror(errno), false);
  if (flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char buf[32] = {};
    ssize_t n = pread(lock_fd_, buf, sizeof buf - 1, 0);
    close(lock_fd_);
    lock_fd_ = -1;
    if (err != EWOULDBLOCK)
      return Status::IoError("cannot lock " + lock_path + ": " + std::strerror(err), false);
    std::string pid = n > 0 ? std::string(buf, std::strcspn(buf, "\n")) : "";
    return Status::FailedPrecondition("data dir " + dir_ + " is in use by " +
                                      (pid.empty() ? std::string("another process") : "process " + pid) +
                                      " (topo run?)");
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(lock_fd_, 0) != 0 ||
      pwrite(lock_fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    return Status::IoError("cannot write " + lock_path + ": " + std::strerror(errno), false);
  }

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
  db_.reset(db);
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == rocksdb::kDefaultColumnFamilyName) cf_default_ = handles_[i];
    if (names[i] == kCfTopics) cf_topics_ = handles_[i];
    if (names[i] == kCfRecords) cf_records_ = handles_[i];
    if (names[i] == kCfLogStart) cf_log_start_ = handles_[i];
    if (names[i] == kCfGroupOffsets) cf_offsets_ = handles_[i];
  }
  write_options_.sync = options.sync_writes;
  producer_batch_records_ = options.producer_batch_records;

  std::string format;
  s = db_->Get(rocksdb::ReadOptions(), cf_default_, kFormatKey, &format);
  if (s.IsNotFound()) {
    s = db_->Put(write_options_, cf_default_, kFormatKey, kFormatValue);
    if (!s.ok()) return FromRocks(s, "writing " + db_path);
  } else if (!s.ok()) {
    return FromRocks(s, "reading " + db_path);
  } else if (format != kFormatValue) {
    return Status::FailedPrecondition(db_path + " holds '" + format + "', not a " + kFormatValue +
                                      " (written by another topo version?)");
  }
  return LoadTopics();
}

Status EmbeddedLogImpl::LoadTopics() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_topics_));
  std::unique_ptr<rocksdb::Iterator> rec(db_->NewIterator(rocksdb::ReadOptions(), cf_records_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto topic = std::make_unique<TopicState>();
    std::string name = it->key().ToString();
    TopicConfig config;
    if (!DecodeTopicConfig(name, std::string_view(it->value().data(), it->value().size()), &config)) {
      return Status::Internal("corrupt metadata of topic '" + name + "' in " + abs_dir_);
    }
    topic->SetConfig(config);
    for (int32_t p = 0; p < topic->config.partitions; ++p) {
      auto part = std::make_unique<PartitionState>();
      part->tp = TopicPartition{name, Partition(p)};
      part->prefix = PartitionPrefix(name, p);
      part->upper = name + "/";
      PutBE32(&part->upper, static_cast<uint32_t>(p) + 1);
      int64_t begin = 0, end = 0;
      std::string v;
      rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_log_start_, part->prefix, &v);
      if (s.ok() && v.size() == 8) {
        begin = static_cast<int64_t>(GetBE64(v.data()));
      } else if (!s.IsNotFound()) {
        return s.ok() ? Status::Internal("corrupt log start of " + part->tp.ToString())
                      : FromRocks(s, "reading " + abs_dir_);
      }
      rec->SeekForPrev(part->upper);  // the partition's last record, if any
      if (rec->Valid() && rec->key().starts_with(part->prefix)) {
        end = static_cast<int64_t>(GetBE64(rec->key().data() + rec->key().size() - 8)) + 1;
      }
      if (!rec->status().ok()) return FromRocks(rec->status(), "reading " + abs_dir_);
      end = std::max(end, begin);
      part->begin = begin;
      part->end = end;
      part->next = end;
      part->cleaned_to = begin;
      topic->parts.push_back(std::move(part));
    }
    topics_[name] = std::move(topic);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading " + abs_dir_);
  return Status::Ok();
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
    for (const TopicConfig* c : *list) batch.Put(cf_topics_, c->name, EncodeTopicConfig(*c));
  }
  if (batch.Count() > 0) {
    rocksdb::Status s = db_->Write(write_options_, &batch);
    if (!s.ok()) return FromRocks(s, "writing topic metadata");
  }
  {
    std::lock_guard<std::mutex> l(state_mu_);
    for (const TopicConfig* c : created) {
      auto topic = std::make_unique<TopicState>();
      topic->SetConfig(*c);
      for (int32_t p = 0; p < c->partitions; ++p) {
        auto part = std::make_unique<PartitionState>();
        part->tp = TopicPartition{c->name, Partition(p)};
        part->prefix = PartitionPrefix(c->name, p);
        part->upper = c->name + "/";
        PutBE32(&part->upper, static_cast<uint32_t>(p) + 1);
        topic->parts.push_back(std::move(part));
      }
      topics_[c->name] = std::move(topic);
    }
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

void EmbeddedLogImpl::RecomputeAssignmentLocked(Group& g) {
  for (Member* m : g.members) m->target.clear();
  if (g.members.empty()) return;
  // Units of assignment: partition p of a co-partitioned group of topics (a
  // lone topic is a group of one), keyed by the group's first topic.
  std::map<std::string, std::vector<std::string>> groups;
  for (Member* m : g.members)
    for (const auto& group : m->copartitioned) groups.emplace(group.front(), group);
  // Kafka's RoundRobinAssignor over units: sorted, dealt around the members in
  // order, each to the next member that subscribed to the unit's group.
  size_t next = 0;
  size_t n = g.members.size();
  for (const auto& [leader, topics] : groups) {
    auto t = topics_.find(leader);
    if (t == topics_.end()) continue;
    for (int32_t p = 0; p < t->second->config.partitions; ++p) {
      for (size_t k = 0; k < n; ++k) {
        Member* m = g.members[(next + k) % n];
        if (m->topics.count(leader)) {
          for (const auto& topic : topics) m->target.insert(TopicPartition{topic, Partition(p)});
          next = (next + k + 1) % n;
          break;
        }
      }
    }
  }
}

// A numeric topic setting from `extra` (Kafka's name), or `fallback` when absent.
static Result<int64_t> ExtraNumber(const TopicConfig& config, const std::string& name, int64_t fallback,
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
      if (t->config.retention_ms >= 0 || t->config.compact || t->config.extra.count("retention.bytes")) {
        work.push_back({t->config, t.get()});
      }
    }
  }
  // A topic that fails does not keep the others from their retention: the
  // first error is returned after all were tried.
  Status first;
  auto note = [&first](const Status& s) {
    if (!s.ok() && first.ok()) first = s;
    return s.ok();
  };
  for (const Work& w : work) {
    Result<int64_t> delete_retention_ms =
        ExtraNumber(w.config, "delete.retention.ms", kDefaultDeleteRetentionMs, 0);
    Result<int64_t> retention_bytes = ExtraNumber(w.config, "retention.bytes", -1, -1);  // -1: no limit
    if (!note(delete_retention_ms.status()) || !note(retention_bytes.status())) continue;
    for (auto& part : w.topic->parts) {
      if (w.config.retention_ms >= 0 && !note(Retain(part.get(), now_ms - w.config.retention_ms))) continue;
      if (*retention_bytes >= 0 && !note(RetainBytes(part.get(), *retention_bytes))) continue;
      if (w.config.compact) note(Compact(part.get(), now_ms - *delete_retention_ms));
    }
  }
  return first;
}

Status EmbeddedLogImpl::Retain(PartitionState* part, int64_t threshold_ms) {
  int64_t begin = part->begin.load();
  int64_t end = part->end.load(std::memory_order_acquire);
  if (begin >= end) return Status::Ok();
  rocksdb::ReadOptions ro;
  rocksdb::Slice upper(part->upper);
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf_records_));
  std::string key = part->prefix;
  PutBE64(&key, static_cast<uint64_t>(begin));
  int64_t cut = begin;
  bool reached_end = true;
  for (it->Seek(key); it->Valid(); it->Next()) {
    int64_t offset = static_cast<int64_t>(GetBE64(it->key().data() + it->key().size() - 8));
    if (offset >= end) break;
    RecordHead h;
    if (!DecodeHead(std::string_view(it->value().data(), it->value().size()), &h)) {
      return Status::Internal("corrupt record at " + part->tp.ToString() + " offset " +
                              std::to_string(offset));
    }
    if (h.timestamp >= threshold_ms) {
      reached_end = false;
      break;
    }
    cut = offset + 1;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "retention of " + part->tp.ToString());
  if (reached_end) cut = end;  // everything below end expired (or was compacted away)
  return DeleteHead(part, cut);
}

uint64_t EmbeddedLogImpl::ApproximateBytes(const PartitionState& part, int64_t from, int64_t end) {
  std::string start = part.prefix, limit = part.prefix;
  PutBE64(&start, static_cast<uint64_t>(from));
  PutBE64(&limit, static_cast<uint64_t>(end));
  rocksdb::Range range(start, limit);
  rocksdb::SizeApproximationOptions o;
  o.include_memtables = true;
  o.include_files = true;
  uint64_t size = 0;
  if (!db_->GetApproximateSizes(o, cf_records_, &range, 1, &size).ok()) return 0;
  return size;
}

// Like Kafka, which deletes whole old segments while the rest still holds at
// least retention.bytes: keeps the shortest tail of the partition whose size
// is at least max_bytes (binary search over offsets on RocksDB's size
// estimate, which is exact to a data block for flushed records).
Status EmbeddedLogImpl::RetainBytes(PartitionState* part, int64_t max_bytes) {
  int64_t begin = part->begin.load();
  int64_t end = part->end.load(std::memory_order_acquire);
  const uint64_t keep = static_cast<uint64_t>(max_bytes);
  if (begin >= end || ApproximateBytes(*part, begin, end) <= keep) return Status::Ok();
  int64_t lo = begin, hi = end;  // invariant: size of [lo, end) > keep, size of [hi, end) <= keep
  while (hi - lo > 1) {
    int64_t mid = lo + (hi - lo) / 2;
    if (ApproximateBytes(*part, mid, end) > keep) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  // [lo, end) is the shortest tail larger than keep; never delete the last record.
  return DeleteHead(part, std::min(lo, end - 1));
}

Status EmbeddedLogImpl::DeleteHead(PartitionState* part, int64_t cut) {
  int64_t begin = part->begin.load();
  if (cut <= begin) return Status::Ok();
  std::string from = part->prefix, to = part->prefix;
  PutBE64(&from, static_cast<uint64_t>(begin));
  PutBE64(&to, static_cast<uint64_t>(cut));
  rocksdb::WriteBatch batch;
  batch.DeleteRange(cf_records_, from, to);
  // Recorded, so that reopening an emptied partition keeps counting from `cut`.
  batch.Put(cf_log_start_, part->prefix, OffsetValue(cut));
  rocksdb::Status s = db_->Write(write_options_, &batch);
  if (!s.ok()) return FromRocks(s, "retention of " + part->tp.ToString());
  part->begin.store(cut, std::memory_order_release);
  part->cleaned_to = std::max(part->cleaned_to, cut);
  return Status::Ok();
}

// Kafka's cleaner in one pass pair: the keys of the records written since the
// last pass (the dirty part) with their latest offsets, then every record of
// the partition superseded by one of them goes. The last record stays, like
// Kafka's active segment (it also keeps the end offset recoverable at open).
Status EmbeddedLogImpl::Compact(PartitionState* part, int64_t tombstone_threshold_ms) {
  int64_t begin = part->begin.load();
  int64_t end = part->end.load(std::memory_order_acquire);
  if (part->cleaned_to >= end) return Status::Ok();  // nothing new since the last pass
  rocksdb::ReadOptions ro;
  rocksdb::Slice upper(part->upper);
  ro.iterate_upper_bound = &upper;
  auto corrupt = [&](int64_t offset) {
    return Status::Internal("corrupt record at " + part->tp.ToString() + " offset " + std::to_string(offset));
  };
  std::unordered_map<std::string, int64_t> latest;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf_records_));
  std::string key = part->prefix;
  PutBE64(&key, static_cast<uint64_t>(std::max(part->cleaned_to, begin)));
  RecordHead h;
  for (it->Seek(key); it->Valid(); it->Next()) {
    int64_t offset = static_cast<int64_t>(GetBE64(it->key().data() + it->key().size() - 8));
    if (offset >= end) break;
    if (!DecodeHead(std::string_view(it->value().data(), it->value().size()), &h)) return corrupt(offset);
    if (h.key) latest[std::string(*h.key)] = offset;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "compaction of " + part->tp.ToString());

  rocksdb::WriteBatch batch;
  auto flush = [&]() -> Status {
    if (batch.Count() == 0) return Status::Ok();
    rocksdb::Status s = db_->Write(write_options_, &batch);
    batch.Clear();
    return s.ok() ? Status::Ok() : FromRocks(s, "compaction of " + part->tp.ToString());
  };
  key = part->prefix;
  PutBE64(&key, static_cast<uint64_t>(begin));
  for (it->Seek(key); it->Valid(); it->Next()) {
    int64_t offset = static_cast<int64_t>(GetBE64(it->key().data() + it->key().size() - 8));
    if (offset >= end - 1) break;
    if (!DecodeHead(std::string_view(it->value().data(), it->value().size()), &h)) return corrupt(offset);
    if (!h.key) continue;  // a null key cannot be compacted (Kafka refuses them on compacted topics)
    auto l = latest.find(std::string(*h.key));
    bool superseded = l != latest.end() && l->second > offset;
    bool expired_tombstone = !superseded && !h.has_value && h.timestamp < tombstone_threshold_ms;
    if (superseded || expired_tombstone) {
      batch.Delete(cf_records_, it->key());
      if (batch.Count() >= 10000) RETURN_IF_ERROR(flush());
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "compaction of " + part->tp.ToString());
  RETURN_IF_ERROR(flush());
  part->cleaned_to = end;
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<EmbeddedLog>> EmbeddedLog::Open(const EmbeddedLogOptions& options) {
  auto log = std::make_unique<EmbeddedLogImpl>();
  RETURN_IF_ERROR(log->OpenImpl(options));
  return std::unique_ptr<EmbeddedLog>(std::move(log));
}

Result<std::unique_ptr<Log>> OpenEmbeddedLog(const EmbeddedLogOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<EmbeddedLog> log, EmbeddedLog::Open(options));
  return std::unique_ptr<Log>(std::move(log));
}

}  // namespace topo::log
