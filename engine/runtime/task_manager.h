#pragma once
// TaskManager: the tasks of one stream thread (Kafka Streams' TaskManager).
//
// It creates a task when the partitions of one (sub-topology, partition) are
// assigned and drives it through its lifecycle (task_state.h, the one table of
// transitions): created -> restoring (stream time back from the commit
// metadata; later, stores from their changelogs) -> running; revoked:
// suspended (flushed) until the thread committed, then closed; lost or fenced:
// closed at once without committing.
//
// Records the thread polled are buffered per input partition (Buffer) and
// processed per task in event-time order (Process, partition_group.h). A task
// whose other input partition has nothing buffered but may have more on the
// log waits for it up to max_task_idle_ms, measured from when it started
// waiting and kept until that partition has data; after that it processes what
// it has (counted as enforced processing), every record, not one per wait.
//
// Commits are two-phase, per task: PrepareCommit flushes every task that is
// dirty (processed input, or wrote output: punctuation and cache flushes write
// without input) and returns the offsets and commit metadata (each input
// partition's partition time) to commit; the thread commits them (its
// transaction, or the consumer's offsets) and calls CommitSucceeded.
//
// Thread-safety: one stream thread drives it; Snapshot-side readers
// (AddMetrics, counters) may call from any thread.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/clock.h"
#include "engine/log/log.h"
#include "engine/runtime/compiled_topology.h"
#include "engine/runtime/partition_group.h"
#include "engine/runtime/task.h"

namespace topo::runtime {

struct TaskManagerOptions {
  // Records one task processes per round (between polls). Default: 2000
  size_t max_records_per_round = 2000;
  // Records buffered per input partition before it is paused (Kafka Streams'
  // buffered.records.per.partition). Default: 1000
  size_t max_buffered_records = 1000;
  // How long a task with buffered records waits for an empty input partition
  // that holds more records or whose lag is unknown, before it processes out of
  // order (Kafka Streams' max.task.idle.ms). Default: 1000
  int64_t max_task_idle_ms = 1000;
};

// The commit metadata of one input partition: "topo1 pt=<partition time ms>".
// Parse returns nullopt for metadata that is not topo's (empty, another
// client's, a future version).
std::string EncodeCommitMetadata(TimestampMs partition_time);
std::optional<TimestampMs> DecodeCommitMetadata(const std::string& metadata);

class TaskManager {
 public:
  // What the manager asks its thread's consumer.
  struct ConsumerView {
    // Consumer::KnownLag.
    std::function<std::optional<int64_t>(const log::TopicPartition&)> known_lag;
    // The metadata committed with the partition's offset, or nullopt when none;
    // empty function: nothing is restored (the test driver).
    std::function<Result<std::optional<std::string>>(const log::TopicPartition&)> committed_metadata;
  };

  TaskManager(std::shared_ptr<const CompiledTopology> topology, TaskManagerOptions options,
              const Clock* clock, RecordCollector* out, ConsumerView consumer);
  ~TaskManager();

  // The largest records the log accepts per topic (TaskContext::RecordLimit);
  // must outlive the manager.
  void set_record_limits(const std::map<std::string, int64_t>* limits) { record_limits_ = limits; }

  // Partitions added: creates the tasks they belong to and makes them running.
  // Returns how many tasks are new.
  Result<int> Assign(const std::vector<log::TopicPartition>& added);
  // Partitions about to be revoked: their tasks are flushed and suspended.
  // Commit next (PrepareCommit ... CommitSucceeded), then CloseSuspended.
  Status Suspend(const std::vector<log::TopicPartition>& removed);
  // Closes the suspended tasks (their partitions are gone).
  void CloseSuspended();
  // Closes every task without flushing or committing (lost partitions,
  // fenced, rejoining): what they processed since the last commit is dropped.
  void CloseAllDirty();

  // Appends polled records to their partitions' queues. Partitions whose queue
  // became full are appended to *pause. Records of partitions without a task
  // are an internal error.
  Status Buffer(std::vector<RawRecord>* batch, std::vector<log::TopicPartition>* pause);
  // One round: every running task processes up to max_records_per_round of its
  // buffered records. Drained paused partitions are appended to *resume;
  // *more: records remain that could be processed now.
  Status Process(std::vector<log::TopicPartition>* resume, bool* more);

  // Whether any task processed input or wrote output since the last commit.
  bool CommitNeeded() const;
  // Phase 1: flushes the dirty tasks (operators, then their collectors) and
  // fills what to commit: the next offset and metadata of every input
  // partition that processed a record.
  Status PrepareCommit(log::OffsetMap* offsets, std::map<log::TopicPartition, std::string>* metadata);
  // Phase 2 succeeded: every task is clean.
  void CommitSucceeded();

  // The stream time of the task that reads `input`; nullopt when none does.
  std::optional<TimestampMs> StreamTimeOf(const log::TopicPartition& input) const;
  // The ids of the tasks, in order.
  std::vector<plan::TaskId> TaskIds() const;
  // Per task id: its stream time (tasks without one yet are left out).
  void AddStreamTimes(std::map<std::string, int64_t>* out) const;
  // Consumer lag per owned input partition: buffered + known beyond.
  std::map<log::TopicPartition, int64_t> Lag();

  // Metrics, any thread.
  uint64_t records_in() const { return records_in_.Get(); }
  uint64_t enforced() const { return enforced_.Get(); }
  uint64_t pauses() const { return pauses_.Get(); }
  int paused() const { return paused_.load(); }
  int tasks() const;
  // Per node id: every task's counters, including tasks that closed.
  void AddNodeMetrics(std::map<std::string, NodeMetrics>* nodes) const;
  // Per source topic: records processed and failed.
  void AddTopicMetrics(std::map<std::string, uint64_t>* in, std::map<std::string, uint64_t>* errors) const;

 private:
  struct Entry {
    std::unique_ptr<Task> task;
    PartitionGroup inputs;
    int64_t waiting_since_ms = -1;  // for a lagging empty partition; -1: not waiting
    bool processed = false;         // input processed since the last commit
    // Processed input or wrote output since the last commit.
    bool dirty() const { return processed || task->context().collector().dirty(); }
  };
  using Map = std::map<plan::TaskId, Entry>;

  // The task that reads `tp`: nullopt when no sub-topology reads its topic.
  std::optional<plan::TaskId> TaskOf(const log::TopicPartition& tp) const;
  // The entry of the task that reads `tp`, or nullptr when it has none here.
  Entry* Find(const log::TopicPartition& tp);
  const Entry* Find(const log::TopicPartition& tp) const;

  Status ProcessTask(Entry& entry, std::vector<log::TopicPartition>* resume, bool* more);
  Status Restore(Entry& entry);
  PartitionGroup::Queue* QueueOf(const RawRecord& r);
  // Keeps the counters of a closing task; mu_ must be held.
  void Retire(Map::iterator it);

  std::shared_ptr<const CompiledTopology> topology_;
  TaskManagerOptions options_;
  const Clock* clock_;
  RecordCollector* out_;
  ConsumerView consumer_;
  const std::map<std::string, int64_t>* record_limits_ = nullptr;
  uint64_t round_ = 0;                           // Process calls (PartitionGroup::Ready's memo key)
  PartitionGroup::Queue* last_queue_ = nullptr;  // QueueOf's cache

  mutable std::mutex mu_;  // guards the maps below against the metrics readers
  Map tasks_;
  std::map<std::string, NodeMetrics> retired_nodes_;
  std::map<std::string, InputCounters> topic_in_;
  Counter records_in_, enforced_, pauses_;
  std::atomic<int> paused_{0};
};

}  // namespace topo::runtime
