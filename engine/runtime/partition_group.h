#pragma once
// PartitionGroup: the records a task has polled but not processed yet, one
// queue per input partition (Kafka Streams' PartitionGroup / RecordQueue).
//
// A task reading several partitions (a merge of two topics, later a join)
// processes them in event-time order: Next() is the queue whose head record
// has the smallest event time (ties: the queue added first). The event time is
// the source's `timestamp=` (Task::Decode), so the head record is decoded when
// it is first compared and kept decoded for processing (`head`); a head that
// does not decode is ordered by its log timestamp, and its node's policy runs
// when it is processed.
//
// That order is only meaningful when every partition has something buffered,
// so the stream thread asks Ready() first: a task with an empty queue whose
// partition is known to hold more records, or whose lag is not known yet (on
// Kafka, before the consumer fetched from it), waits for it; the TaskManager
// bounds the wait (max_task_idle_ms) and counts what it then processes anyway
// as enforced.
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
#include "engine/value/record.h"

namespace topo::runtime {

// A stream thread's counters of one source topic.
struct InputCounters {
  Counter processed;
  Counter failed;  // records whose processing failed at some node (whatever the policy did then)
};

class PartitionGroup {
 public:
  using Decoder = std::function<Result<Record>(const RawRecord&)>;

  struct Queue {
    log::TopicPartition tp;
    std::deque<RawRecord> records;
    bool paused = false;                // the stream thread paused its partition (queue was full)
    int64_t next_offset = -1;           // after the last processed record; -1: none processed yet
    InputCounters* counters = nullptr;  // the stream thread's, of the topic
    // Highest event time of this partition's processed records (Kafka
    // Streams' partition time); committed with its offset.
    TimestampMs partition_time{INT64_MIN};
    // records.front() decoded (while non-empty and compared), and its event time.
    std::optional<Result<Record>> head;
    TimestampMs head_time{0};
    // Ready()'s memo of the partition's known lag, asked once per round.
    uint64_t lag_round = 0;
    std::optional<int64_t> lag;

    // Takes the head record's decoded form (decoding it now if it was not yet).
    Result<Record> TakeHead(const Decoder& decode);
    // Drops the head record after it was processed.
    void PopHead();
  };

  void Add(const log::TopicPartition& tp, InputCounters* counters) {
    Queue q;
    q.tp = tp;
    q.counters = counters;
    queues_.push_back(std::move(q));
  }
  // Removes the queue of tp (revoked); returns whether the group is now empty.
  bool Remove(const log::TopicPartition& tp);
  Queue* Find(const log::TopicPartition& tp);

  // Whether the head records can be ordered: every queue holds a record, or
  // each empty one's partition is known to have nothing more (lag 0).
  // `known_lag` asks the consumer, at most once per partition and `round` (a
  // poll-process cycle: the answer cannot change before the next poll).
  bool Ready(uint64_t round,
             const std::function<std::optional<int64_t>(const log::TopicPartition&)>& known_lag);
  // The non-empty queue with the earliest head event time (heads decoded with
  // `decode` as needed); nullptr when all are empty. With one non-empty queue
  // nothing is decoded ahead.
  Queue* Next(const Decoder& decode);

  size_t buffered() const;
  std::vector<Queue>& queues() { return queues_; }

 private:
  std::vector<Queue> queues_;  // a task has a handful: linear scans beat a heap
};

}  // namespace topo::runtime
