#include "engine/runtime/partition_group.h"

#include <algorithm>

namespace topo::runtime {

Result<Record> PartitionGroup::Queue::TakeHead(const Decoder& decode) {
  if (head) {
    Result<Record> r = std::move(*head);
    head.reset();
    return r;
  }
  return decode(records.front());
}

void PartitionGroup::Queue::PopHead() {
  head.reset();
  records.pop_front();
}

bool PartitionGroup::Remove(const log::TopicPartition& tp) {
  queues_.erase(std::remove_if(queues_.begin(), queues_.end(), [&](const Queue& q) { return q.tp == tp; }),
                queues_.end());
  return queues_.empty();
}

PartitionGroup::Queue* PartitionGroup::Find(const log::TopicPartition& tp) {
  for (auto& q : queues_)
    if (q.tp == tp) return &q;
  return nullptr;
}

bool PartitionGroup::Ready(
    uint64_t round, const std::function<std::optional<int64_t>(const log::TopicPartition&)>& known_lag) {
  bool any = false;
  for (auto& q : queues_) {
    if (!q.records.empty()) {
      any = true;
      continue;
    }
    // An empty partition that may have more records on the log (known lag, or
    // not known yet): its next record may be older than every buffered one,
    // so wait until it is fetched.
    if (q.lag_round != round) q.lag = known_lag(q.tp), q.lag_round = round;
    if (!q.lag || *q.lag > 0) return false;
  }
  return any;
}

PartitionGroup::Queue* PartitionGroup::Next(const Decoder& decode) {
  Queue* only = nullptr;
  int non_empty = 0;
  for (auto& q : queues_)
    if (!q.records.empty()) only = &q, ++non_empty;
  if (non_empty <= 1) return only;
  Queue* best = nullptr;
  for (auto& q : queues_) {
    if (q.records.empty()) continue;
    if (!q.head) {
      q.head = decode(q.records.front());
      q.head_time = q.head->ok() ? (*q.head)->timestamp : q.records.front().timestamp;
    }
    if (best == nullptr || q.head_time < best->head_time) best = &q;
  }
  return best;
}

size_t PartitionGroup::buffered() const {
  size_t n = 0;
  for (const auto& q : queues_) n += q.records.size();
  return n;
}

}  // namespace topo::runtime
