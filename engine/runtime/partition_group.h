#pragma once
// PartitionGroup: the records a task has polled but not processed yet, one
// queue per input partition (Kafka Streams' PartitionGroup / RecordQueue).
//
// A task reading several partitions (a merge of two topics, later a join)
// processes them in timestamp order: Next() is the queue whose head record has
// the smallest timestamp (ties: the queue added first). That order is only
// meaningful when every partition has something buffered, so the stream
// thread asks Ready() first: a task with an empty queue whose partition is
// known to hold more records waits for them to be fetched.
//
// The queues are also the back-pressure point: the stream thread pauses a
// partition whose queue is full and resumes it once it has drained.
//
// Thread-safety: belongs to one stream thread.

#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "engine/base/counter.h"
#include "engine/log/log.h"

namespace topo::runtime {

// A stream thread's counters of one source topic.
struct InputCounters {
  Counter processed;
  Counter failed;  // records whose processing failed at some node (whatever the policy did then)
};

class PartitionGroup {
 public:
  struct Queue {
    log::TopicPartition tp;
    std::deque<RawRecord> records;
    bool paused = false;                // the stream thread paused its partition (queue was full)
    int64_t next_offset = -1;           // after the last processed record; -1: none processed yet
    InputCounters* counters = nullptr;  // the stream thread's, of the topic
    // Ready()'s memo of the partition's known lag, asked once per round.
    uint64_t lag_round = 0;
    std::optional<int64_t> lag;
  };

  void Add(const log::TopicPartition& tp, InputCounters* counters) {
    queues_.push_back(Queue{tp, {}, false, -1, counters, 0, std::nullopt});
  }
  // Removes the queue of tp (revoked); returns whether the group is now empty.
  bool Remove(const log::TopicPartition& tp);
  Queue* Find(const log::TopicPartition& tp);

  // Whether the head records can be ordered: every queue holds a record, or
  // each empty one's partition has no known lag. `known_lag` asks the consumer,
  // at most once per partition and `round` (a poll-process cycle: the answer
  // cannot change before the next poll).
  bool Ready(uint64_t round,
             const std::function<std::optional<int64_t>(const log::TopicPartition&)>& known_lag);
  // The non-empty queue with the earliest head record; nullptr when all are empty.
  Queue* Next();

  size_t buffered() const;
  std::vector<Queue>& queues() { return queues_; }

 private:
  std::vector<Queue> queues_;  // a task has a handful: linear scans beat a heap
};

}  // namespace topo::runtime
