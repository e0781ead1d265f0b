#include "engine/runtime/task.h"

#include "engine/base/partitioner.h"
#include "engine/expr/expr.h"
#include "engine/log/record_size.h"

namespace topo::runtime {

namespace {

std::string Position(const RawRecord* in) {
  if (in == nullptr) return "";
  return " (input " + in->topic + "[" + std::to_string(in->partition.value()) + "]@" +
         std::to_string(in->offset.value()) + ")";
}

int32_t DeadLetterPartition(const RawRecord& in, int32_t partitions) {
  if (in.key) return PartitionForKey(*in.key, partitions);
  return in.partition.value() % partitions;
}

// A dead letter larger than its topic's max.message.bytes (an input from a
// topic with a larger limit, or the error headers on top of a record near the
// limit) would be refused by the log, and the record lost: it goes without
// its value, then its key, then its original headers, and a `topo.omitted`
// header says what was left out and why.
Status FitDeadLetter(RawRecord* dead, int64_t limit) {
  const int64_t size = log::RecordBatchBytes(*dead);
  if (size <= limit) return Status::Ok();
  const size_t topo_headers = 6;  // the ones HandleError appended, last
  std::string omitted;
  auto note = [&](const std::string& what) { omitted += (omitted.empty() ? "" : ", ") + what; };
  auto fits = [&] {
    RawRecord probe = *dead;
    probe.headers.emplace_back("topo.omitted",
                               omitted + ": " + log::TooLargeMessage(size, dead->topic, limit));
    return log::RecordBatchBytes(probe) <= limit;
  };
  if (dead->value) {
    note("value (" + std::to_string(dead->value->size()) + " bytes)");
    dead->value.reset();
  }
  if (!fits() && dead->key) {
    note("key (" + std::to_string(dead->key->size()) + " bytes)");
    dead->key.reset();
  }
  if (!fits() && dead->headers.size() > topo_headers) {
    note("the input's headers");
    dead->headers.erase(dead->headers.begin(), dead->headers.end() - topo_headers);
  }
  dead->headers.emplace_back("topo.omitted", omitted + ": " + log::TooLargeMessage(size, dead->topic, limit));
  if (log::RecordBatchBytes(*dead) > limit)
    return Status::Aborted("a dead letter for topic '" + dead->topic +
                           "' does not fit its max.message.bytes (" + std::to_string(limit) +
                           ") even without key, value and the input's headers");
  return Status::Ok();
}

}  // namespace

Status NodeRunner::Receive(Record&& record) {
  ++in_;
  Status s = op_->Process(std::move(record));
  if (s.ok() || IsTaskFatal(s)) return s;
  return HandleError(s);
}

Status NodeRunner::ReceiveRaw(const RawRecord& raw) {
  ++in_;
  Status s = static_cast<SourceOperator&>(*op_).ProcessRaw(raw);
  if (s.ok() || IsTaskFatal(s)) return s;
  return HandleError(s);
}

Status NodeRunner::HandleError(const Status& error) {
  ++errors_;
  ctx_.CountFailure();
  const plan::ErrorPolicy* policy = &node_.proto->on_error();
  // Retry delays are not applied yet (see CompiledTopology::warnings): the
  // record goes to `then` after its one attempt, so topo.attempt says 1 (it
  // counts attempts made, never the delays configured).
  const int attempt = 1;
  while (policy->has_retry()) policy = &policy->retry().then();
  if (policy->has_skip()) {
    ++skipped_;
    return Status::Ok();
  }
  const RawRecord* in = ctx_.current_input();
  if (policy->has_dlq() && in != nullptr) {
    const TopicSpec* dlq = ctx_.topology().topic(policy->dlq());
    RawRecord dead;
    dead.topic = policy->dlq();
    dead.partition = Partition(DeadLetterPartition(*in, dlq ? dlq->partitions : 1));
    dead.timestamp = in->timestamp;
    dead.key = in->key;
    dead.value = in->value;
    dead.headers = in->headers;
    dead.headers.emplace_back("topo.error", error.message());
    dead.headers.emplace_back("topo.node", node_.id);
    dead.headers.emplace_back("topo.source.topic", in->topic);
    dead.headers.emplace_back("topo.source.partition", std::to_string(in->partition.value()));
    dead.headers.emplace_back("topo.source.offset", std::to_string(in->offset.value()));
    dead.headers.emplace_back("topo.attempt", std::to_string(attempt));
    RETURN_IF_ERROR(FitDeadLetter(&dead, dlq ? dlq->max_record_bytes : log::kDefaultMaxMessageBytes));
    Status sent = ctx_.collector().Send(std::move(dead));
    // This node's policy has run: whatever leaves it now is task-fatal or ok,
    // so no node upstream applies its own policy to it (operator.h). A dead
    // letter that cannot be written leaves the record nowhere: stop.
    if (!sent.ok() && !IsTaskFatal(sent))
      return Status::Aborted("node '" + node_.id + "' (" + node_.type + "): " + error.message() +
                             "; its dead letter to '" + policy->dlq() + "' failed: " + sent.message() +
                             Position(in));
    if (sent.ok()) ++dead_lettered_;
    return sent;
  }
  return Status::Aborted("node '" + node_.id + "' (" + node_.type + "): " + error.message() + Position(in));
}

Result<std::unique_ptr<Task>> Task::Create(const CompiledTopology& topology, int subtopology,
                                           Partition partition, RecordCollector* collector,
                                           const Clock* clock) {
  std::unique_ptr<Task> task(new Task(TaskContext(topology, subtopology, partition, collector, clock)));
  std::map<std::string, NodeRunner*> by_id;
  for (const auto& cn : topology.nodes()) {
    if (cn.subtopology != subtopology) continue;
    if (!cn.spec) return Status::Internal("node '" + cn.id + "' was not compiled");
    ASSIGN_OR_RETURN(auto op, cn.spec->Instantiate(task->ctx_));
    task->runners_.push_back(std::make_unique<NodeRunner>(cn, task->ctx_, std::move(op)));
    NodeRunner* runner = task->runners_.back().get();
    by_id[cn.id] = runner;
    if (cn.proto->has_source())
      for (const auto& t : cn.proto->source().topics()) task->sources_by_topic_[t].push_back(runner);
  }
  for (const auto& runner : task->runners_) {
    for (const auto& [child, port] : runner->node().readers) runner->op().AddReader(port, by_id.at(child));
  }
  return task;
}

Status Task::Process(const RawRecord& raw) {
  auto it = sources_by_topic_.find(raw.topic);
  if (it == sources_by_topic_.end())
    return Status::Internal("task has no source for topic '" + raw.topic + "'");
  ctx_.set_current_input(&raw);
  ctx_.AdvanceStreamTime(raw.timestamp);
  Status result;
  for (NodeRunner* runner : it->second) {
    result = runner->ReceiveRaw(raw);
    if (!result.ok()) break;
  }
  ctx_.set_current_input(nullptr);
  return result;
}

}  // namespace topo::runtime
