#include "engine/log/embedded_consumer.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

#include "engine/log/embedded_record_format.h"

namespace topo::log::embedded {

EmbeddedConsumer::EmbeddedConsumer(EmbeddedLogImpl* log, std::string group, std::string client_id)
    : log_(log), group_(std::move(group)) {
  member_.client_id = std::move(client_id);
  log_->ClientOpened();
}

EmbeddedConsumer::~EmbeddedConsumer() {
  LeaveGroup();
  assigned_.clear();  // iterators go before the database does
  log_->ClientClosed();
}

Status EmbeddedConsumer::CheckOpen() const {
  return closed_ ? Status::FailedPrecondition("consumer '" + member_.client_id + "' is closed")
                 : Status::Ok();
}

Status EmbeddedConsumer::NotAssigned(const TopicPartition& tp) const {
  return Status::FailedPrecondition("partition " + tp.ToString() + " is not assigned to consumer '" +
                                    member_.client_id + "' (group '" + group_ + "')");
}

std::optional<int64_t> EmbeddedConsumer::KnownLag(const TopicPartition& tp) {
  const Assigned* a = Find(tp);
  if (a == nullptr) return std::nullopt;
  return std::max<int64_t>(0, a->part->end.load(std::memory_order_acquire) - a->position);
}

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
  std::lock_guard<std::mutex> l(log_->state_mu());
  for (const auto& t : topics) {
    auto r = log_->FindTopicLocked(t);
    if (!r.ok()) return r.status();
  }
  listener_ = listener;
  member_.topics = std::move(topics);
  member_.copartitioned = std::move(groups);
  log_->groups().Subscribe(group_, &member_);
  subscribed_ = true;
  log_->cv().notify_all();
  return Status::Ok();
}

bool EmbeddedConsumer::HasDataLocked() const {
  for (const auto& [tp, a] : assigned_) {
    if (!a->paused && a->position < a->part->end.load(std::memory_order_acquire)) return true;
  }
  return false;
}

// Revokes what moved away (callback first, then release), then takes what the
// coordinator assigned and nobody holds any more. Callbacks run without locks,
// so a listener may commit through a producer. Never OnLost: a partition moves
// only after its owner revoked it (embedded_group_coordinator.h).
Status EmbeddedConsumer::Rebalance() {
  if (!subscribed_) return Status::Ok();
  std::vector<TopicPartition> revoked;
  {
    std::lock_guard<std::mutex> l(log_->state_mu());
    revoked = log_->groups().ToRevoke(member_);
  }
  if (!revoked.empty()) {
    if (listener_) listener_->OnRevoked(revoked);
    {
      std::lock_guard<std::mutex> l(log_->state_mu());
      log_->groups().Release(group_, &member_, revoked);
    }
    for (const auto& tp : revoked) assigned_.erase(tp);
    log_->cv().notify_all();  // a successor may be waiting for these
  }
  std::vector<TopicPartition> added;
  bool settled = false;  // the member owns all of its share (none still held by another)
  {
    std::lock_guard<std::mutex> l(log_->state_mu());
    added = log_->groups().TakeFree(group_, &member_, &settled);
  }
  if (added.empty() && (announced_ || !settled)) return Status::Ok();
  announced_ = true;
  for (const auto& tp : added) {
    ASSIGN_OR_RETURN(PartitionState * part, log_->FindPartition(tp.topic, tp.partition));
    ASSIGN_OR_RETURN(std::optional<OffsetAndMetadata> committed, ReadCommitted(tp));
    auto a = std::make_unique<Assigned>();
    a->part = part;
    a->position = committed ? committed->offset.value() : part->begin.load();
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
      std::unique_lock<std::mutex> l(log_->state_mu());
      woke = log_->cv().wait_until(l, deadline, [&] {
        return (subscribed_ && log_->groups().RebalancePending(group_, member_)) || HasDataLocked();
      });
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
  const EmbeddedDb& db = log_->db();
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
      a.it.reset(db.db->NewIterator(ro, db.records));
      RecordKey(part.prefix, a.position, &key_buf_);
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
    int64_t offset = RecordKeyOffset(std::string_view(key.data(), key.size()));
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
                              std::to_string(offset) + " in " + db.dir);
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
  if (!paused) log_->cv().notify_all();  // harmless; Poll re-checks on its own thread anyway
  return Status::Ok();
}

Result<std::optional<OffsetAndMetadata>> EmbeddedConsumer::ReadCommitted(const TopicPartition& tp) {
  const EmbeddedDb& db = log_->db();
  std::string v;
  rocksdb::Status s = db.db->Get(rocksdb::ReadOptions(), db.offsets, GroupOffsetKey(group_, tp), &v);
  if (s.IsNotFound()) return std::optional<OffsetAndMetadata>();
  if (!s.ok()) return FromRocks(s, "reading group '" + group_ + "' offset of " + tp.ToString());
  std::optional<OffsetAndMetadata> committed = DecodeCommitted(v);
  if (!committed) return Status::Internal("corrupt group offset of " + tp.ToString() + " in " + db.dir);
  return committed;
}

Result<std::optional<OffsetAndMetadata>> EmbeddedConsumer::CommittedWithMetadata(const TopicPartition& tp) {
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

Status EmbeddedConsumer::PutCommitted(const OffsetMap& offsets, const CommitMetadata& metadata,
                                      rocksdb::WriteBatch* batch) {
  static const std::string kNone;
  for (const auto& [tp, offset] : offsets) {
    ASSIGN_OR_RETURN(PartitionState * part, log_->FindPartition(tp.topic, tp.partition));
    (void)part;
    if (!Owns(tp)) return NotAssigned(tp);
    auto m = metadata.find(tp);
    const std::string& meta = m == metadata.end() ? kNone : m->second;
    // What Kafka accepts, so that what works here works there.
    RETURN_IF_ERROR(CheckCommitMetadata(tp, meta));
    EncodeCommitted(offset.value(), meta, &value_buf_);
    batch->Put(log_->db().offsets, GroupOffsetKey(group_, tp), value_buf_);
  }
  return Status::Ok();
}

Status EmbeddedConsumer::CommitOffsets(const OffsetMap& offsets, const CommitMetadata& metadata) {
  RETURN_IF_ERROR(CheckOpen());
  const EmbeddedDb& db = log_->db();
  rocksdb::WriteBatch batch;
  RETURN_IF_ERROR(PutCommitted(offsets, metadata, &batch).WithContext("offset commit refused"));
  rocksdb::Status s = db.db->Write(db.write_options, &batch);
  if (!s.ok()) return FromRocks(s, "committing offsets of group '" + group_ + "'");
  return Status::Ok();
}

Status EmbeddedConsumer::Close() {
  if (closed_) return Status::Ok();
  // The listener may still commit what it processed, so the consumer closes after it.
  if (subscribed_ && listener_) {
    std::vector<TopicPartition> owned;
    {
      std::lock_guard<std::mutex> l(log_->state_mu());
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
    std::lock_guard<std::mutex> l(log_->state_mu());
    log_->groups().Leave(group_, &member_);
  }
  log_->cv().notify_all();
}

}  // namespace topo::log::embedded
