#pragma once
// Task: one (sub-topology, partition) — the unit of work, as in Kafka Streams.
//
// A task owns its own operator instances (made from the shared compiled specs),
// wired into a push-based graph of NodeRunners. Decode() turns one raw input
// record of one of the sub-topology's source topics into a Record with its
// event time (the source's `timestamp=`); Process() pushes it through. Outputs
// go through the task's TaskCollector (held back per input record, see
// task_collector.h) to the RecordCollector it was created with.
// Its lifecycle (task_state.h) is driven by the TaskManager; Task::Create
// leaves it `created`, with every operator's Init run.
//
// Error policies are applied here, at the node where a record failed:
//   fail  -> Process returns a kAborted status naming the node and the input's
//            topic/partition/offset; the task must stop.
//   skip  -> counted in the node's `skipped` metric and dropped.
//   dlq   -> the *original input bytes* go to the dead-letter topic with
//            headers topo.error, topo.node, topo.source.topic,
//            topo.source.partition, topo.source.offset, topo.attempt. One
//            larger than the dead-letter topic's max.message.bytes loses its
//            value (then key, then the input's headers) and gets a
//            topo.omitted header saying so. The record is dead-lettered whole,
//            once: what other branches wrote for it is withdrawn, and no
//            further node runs for it (task_collector.h).
//
// Thread-safety: a task belongs to one thread.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/base/clock.h"
#include "engine/runtime/compiled_topology.h"
#include "engine/runtime/operator.h"
#include "engine/runtime/source_operator.h"
#include "engine/runtime/task_collector.h"
#include "engine/runtime/task_state.h"

namespace topo::runtime {

// A node's counters, as read at one moment.
struct NodeMetrics {
  uint64_t in = 0;       // records received
  uint64_t out = 0;      // records passed on (sinks: written)
  uint64_t errors = 0;   // records whose processing failed here
  uint64_t skipped = 0;  // failed and skipped by the `skip` policy
  uint64_t dead_lettered = 0;
  uint64_t dropped = 0;  // dropped by design (a branch without default), not an error

  NodeMetrics& operator+=(const NodeMetrics& o) {
    in += o.in, out += o.out, errors += o.errors, skipped += o.skipped, dead_lettered += o.dead_lettered,
        dropped += o.dropped;
    return *this;
  }
};

class TaskContext {
 public:
  TaskContext(const CompiledTopology& topology, int subtopology, Partition partition,
              RecordCollector* collector, const Clock* clock,
              const std::map<std::string, int64_t>* record_limits = nullptr)
      : topology_(topology),
        subtopology_(subtopology),
        partition_(partition),
        collector_(collector),
        clock_(clock),
        record_limits_(record_limits),
        task_id_(topology.graph().subtopologies.at(subtopology).Task(partition.value())) {}

  const CompiledTopology& topology() const { return topology_; }
  // This plan's index of the sub-topology (not persistent: see task_id()).
  int subtopology() const { return subtopology_; }
  // The task's stable name, e.g. deal.events_3 (engine/plan/task_id.h).
  const plan::TaskId& task_id() const { return task_id_; }
  Partition partition() const { return partition_; }
  TaskCollector& collector() { return collector_; }
  const Clock& clock() const { return *clock_; }
  // The largest record the log accepts for `topic` (log::Log::MaxRecordBytes,
  // learned when the run starts), when it is smaller than the declared one;
  // sinks and dead letters check records against it so the node's policy
  // decides, instead of a refusal after the record left the task.
  int64_t RecordLimit(const std::string& topic, int64_t declared) const {
    if (record_limits_ == nullptr) return declared;
    auto it = record_limits_->find(topic);
    return it == record_limits_->end() ? declared : std::min(declared, it->second);
  }
  // The raw input record being processed now (for dead letters), or nullptr.
  const RawRecord* current_input() const { return current_input_; }
  void set_current_input(const RawRecord* r) { current_input_ = r; }
  // Highest record timestamp this task has seen.
  TimestampMs stream_time() const { return stream_time_; }
  void AdvanceStreamTime(TimestampMs t) {
    if (t > stream_time_) stream_time_ = t;
  }
  // Errors at any node of the task so far: the stream thread compares it
  // around a record to count failed input records per topic.
  uint64_t failures() const { return failures_; }
  void CountFailure() { ++failures_; }

 private:
  const CompiledTopology& topology_;
  int subtopology_;
  Partition partition_;
  TaskCollector collector_;
  const Clock* clock_;
  const std::map<std::string, int64_t>* record_limits_ = nullptr;
  plan::TaskId task_id_;
  const RawRecord* current_input_ = nullptr;
  TimestampMs stream_time_{INT64_MIN};
  uint64_t failures_ = 0;
};

// One node of one task: its operator plus the node's error policy and metrics.
class NodeRunner {
 public:
  NodeRunner(const CompiledNode& node, TaskContext& ctx, std::unique_ptr<Operator> op);
  // Runs the operator on `record` and applies the error policy to its failure.
  Status Receive(Record&& record);
  // For source nodes: runs a decoded input record, or applies the policy to
  // its decode failure.
  Status ReceiveDecoded(Result<Record>&& decoded);
  Operator& op() { return *op_; }
  // The source operator of a source node; nullptr for other nodes.
  SourceOperator* source() { return source_; }
  const CompiledNode& node() const { return node_; }
  // Any thread (the task's thread writes them; /metrics and the status line read).
  NodeMetrics metrics() const {
    return {in_.Get(), op_->out(), errors_.Get(), skipped_.Get(), dead_lettered_.Get(), op_->dropped()};
  }

 private:
  Status HandleError(const Status& error);
  const CompiledNode& node_;
  TaskContext& ctx_;
  std::unique_ptr<Operator> op_;
  SourceOperator* source_;
  Counter in_, errors_, skipped_, dead_lettered_;
};

class Task {
 public:
  // `record_limits`: TaskContext::RecordLimit's (nullptr: the declared ones);
  // must outlive the task.
  static Result<std::unique_ptr<Task>> Create(const CompiledTopology& topology, int subtopology,
                                              Partition partition, RecordCollector* collector,
                                              const Clock* clock,
                                              const std::map<std::string, int64_t>* record_limits = nullptr);

  // Decodes one input record of a source topic with the topic's first source
  // node (by node id: its `timestamp=` is the record's event time).
  Result<Record> Decode(const RawRecord& raw);
  // Pushes one input record through the task's graph: `decoded` is Decode(raw)
  // (made earlier, when the record was buffered, or now). Advances stream time
  // to its event time.
  Status Process(const RawRecord& raw, Result<Record> decoded);
  Status Process(const RawRecord& raw) { return Process(raw, Decode(raw)); }
  // Before a commit: every operator's Flush (in topological order).
  Status Flush();
  // Releases the operators (Close); the task is closed after it.
  void Close();

  TaskState state() const { return state_; }
  // Internal error for a transition the table (task_state.h) does not allow.
  Status TransitionTo(TaskState next);

  const std::vector<std::unique_ptr<NodeRunner>>& nodes() const { return runners_; }
  TaskContext& context() { return ctx_; }

 private:
  explicit Task(TaskContext ctx) : ctx_(std::move(ctx)) {}
  TaskContext ctx_;
  TaskState state_ = TaskState::kCreated;
  std::vector<std::unique_ptr<NodeRunner>> runners_;
  // The source nodes reading a topic, per topic. A task reads one or a few
  // topics, so a flat list searched in order beats a map on the per-record path.
  struct TopicSources {
    std::string topic;
    std::vector<NodeRunner*> runners;  // node-id order
  };
  std::vector<TopicSources> sources_by_topic_;
  // The sources of `topic`, or null when the task reads no such topic.
  const std::vector<NodeRunner*>* SourcesOf(const std::string& topic) const;
};

// Statuses that pass through every node unchanged, because they are not the
// record's fault: kAborted (a `fail` policy ran; the message names the node),
// kFenced (the task's owner lost it), kIoError and kFailedPrecondition (the
// log or producer failed under a sink). Any other status is the failing
// operator's record error, to which its node's policy applies — skipping or
// dead-lettering a record because a broker was down would lose it.
inline bool IsTaskFatal(const Status& s) {
  switch (s.code()) {
    case StatusCode::kAborted:
    case StatusCode::kFenced:
    case StatusCode::kIoError:
    case StatusCode::kFailedPrecondition: return true;
    default: return false;
  }
}

}  // namespace topo::runtime
