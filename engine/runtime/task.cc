#include "engine/runtime/task.h"

#include <algorithm>

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

NodeRunner::NodeRunner(const CompiledNode& node, TaskContext& ctx, std::unique_ptr<Operator> op)
    : node_(node), ctx_(ctx), op_(std::move(op)), source_(op_->AsSource()) {}

Status NodeRunner::Receive(Record&& record) {
  // Dead-lettered whole at another node: nothing more of it runs.
  if (ctx_.collector().abandoned()) return Status::Ok();
  ++in_;
  Status s = op_->Process(std::move(record));
  if (s.ok() || IsTaskFatal(s)) return s;
  return HandleError(s);
}

Status NodeRunner::ReceiveDecoded(Result<Record>&& decoded) {
  if (ctx_.collector().abandoned()) return Status::Ok();
  ++in_;
  if (!decoded.ok()) {
    if (IsTaskFatal(decoded.status())) return decoded.status();
    return HandleError(decoded.status());
  }
  Status s = op_->Process(std::move(decoded).value());
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
    RETURN_IF_ERROR(FitDeadLetter(
        &dead, ctx_.RecordLimit(dead.topic, dlq ? dlq->max_record_bytes : log::kDefaultMaxMessageBytes)));
    // Held until the record finished every branch (task_collector.h).
    RETURN_IF_ERROR(ctx_.collector().DeadLetter(
        std::move(dead), "node '" + node_.id + "' (" + node_.type + "): " + error.message() +
                             "; its dead letter to '" + policy->dlq() + "'"));
    ++dead_lettered_;
    return Status::Ok();
  }
  return Status::Aborted("node '" + node_.id + "' (" + node_.type + "): " + error.message() + Position(in));
}

Result<std::unique_ptr<Task>> Task::Create(const CompiledTopology& topology, int subtopology,
                                           Partition partition, RecordCollector* collector,
                                           const Clock* clock,
                                           const std::map<std::string, int64_t>* record_limits) {
  std::unique_ptr<Task> task(
      new Task(TaskContext(topology, subtopology, partition, collector, clock, record_limits)));
  std::map<std::string, NodeRunner*> by_id;
  for (const auto& cn : topology.nodes()) {
    if (cn.subtopology != subtopology) continue;
    if (!cn.spec) return Status::Internal("node '" + cn.id + "' was not compiled");
    ASSIGN_OR_RETURN(auto op, cn.spec->Instantiate(task->ctx_));
    task->runners_.push_back(std::make_unique<NodeRunner>(cn, task->ctx_, std::move(op)));
    NodeRunner* runner = task->runners_.back().get();
    by_id[cn.id] = runner;
    if (cn.proto->has_source()) {
      if (runner->source() == nullptr)
        return Status::Internal("source node '" + cn.id + "' has no source operator");
      for (const auto& t : cn.proto->source().topics()) {
        auto& list = task->sources_by_topic_;
        auto it = std::find_if(list.begin(), list.end(), [&](const TopicSources& s) { return s.topic == t; });
        if (it == list.end()) it = list.insert(list.end(), TopicSources{t, {}});
        it->runners.push_back(runner);
      }
    }
  }
  for (const auto& runner : task->runners_) {
    for (const auto& [child, port] : runner->node().readers) runner->op().AddReader(port, by_id.at(child));
  }
  // Sources of one topic in node-id order: the first one's `timestamp=` is the
  // topic's event time (CompiledTopology checks that they agree).
  for (auto& [topic, runners] : task->sources_by_topic_)
    std::sort(runners.begin(), runners.end(),
              [](const NodeRunner* a, const NodeRunner* b) { return a->node().id < b->node().id; });
  for (const auto& runner : task->runners_)
    RETURN_IF_ERROR(runner->op().Init(task->ctx_).WithContext("node '" + runner->node().id + "'"));
  return task;
}

const std::vector<NodeRunner*>* Task::SourcesOf(const std::string& topic) const {
  for (const auto& s : sources_by_topic_)
    if (s.topic == topic) return &s.runners;
  return nullptr;
}

Result<Record> Task::Decode(const RawRecord& raw) {
  const std::vector<NodeRunner*>* sources = SourcesOf(raw.topic);
  if (sources == nullptr) return Status::Internal("task has no source for topic '" + raw.topic + "'");
  return sources->front()->source()->Decode(raw);
}

Status Task::Process(const RawRecord& raw, Result<Record> decoded) {
  const std::vector<NodeRunner*>* sources = SourcesOf(raw.topic);
  if (sources == nullptr) return Status::Internal("task has no source for topic '" + raw.topic + "'");
  // A record that does not decode has no event time: stream time stays.
  if (decoded.ok()) ctx_.AdvanceStreamTime(decoded->timestamp);
  ctx_.set_current_input(&raw);
  TaskCollector& collector = ctx_.collector();
  collector.BeginRecord();
  Status result = sources->front()->ReceiveDecoded(std::move(decoded));
  for (size_t i = 1; i < sources->size() && result.ok(); ++i) {
    NodeRunner* runner = (*sources)[i];
    result = runner->ReceiveDecoded(runner->source()->Decode(raw));
  }
  Status sent = collector.EndRecord(result.ok());
  // Sinks checked each record against the topic's limit, so a refusal here is
  // the log's (a full disk, a closed producer): it stops the task.
  if (result.ok() && !sent.ok()) {
    if (sent.code() == StatusCode::kAborted)  // a dead letter that failed: the message names the node
      result = Status::Aborted(sent.message() + Position(&raw));
    else if (IsTaskFatal(sent))
      result = sent;
    else
      result =
          Status::Aborted("writing the outputs of the record failed: " + sent.message() + Position(&raw));
  }
  ctx_.set_current_input(nullptr);
  return result;
}

Status Task::Flush() {
  for (const auto& runner : runners_)
    RETURN_IF_ERROR(runner->op().Flush().WithContext("node '" + runner->node().id + "'"));
  return Status::Ok();
}

void Task::Close() {
  for (const auto& runner : runners_) runner->op().Close();
}

Status Task::TransitionTo(TaskState next) {
  if (!CanTransition(state_, next))
    return Status::Internal(std::string("task transition ") + std::string(TaskStateName(state_)) + " -> " +
                            std::string(TaskStateName(next)) + " is not allowed");
  state_ = next;
  return Status::Ok();
}

}  // namespace topo::runtime
