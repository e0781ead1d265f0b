#include "engine/runtime/task_manager.h"

#include <algorithm>
#include <charconv>
#include <utility>

namespace topo::runtime {

namespace {
constexpr std::string_view kMetadataPrefix = "topo1 pt=";
}  // namespace

std::string EncodeCommitMetadata(TimestampMs partition_time) {
  return std::string(kMetadataPrefix) + std::to_string(partition_time.value());
}

std::optional<TimestampMs> DecodeCommitMetadata(const std::string& metadata) {
  if (metadata.rfind(kMetadataPrefix, 0) != 0) return std::nullopt;
  int64_t ms = 0;
  const char* begin = metadata.data() + kMetadataPrefix.size();
  const char* end = metadata.data() + metadata.size();
  auto [ptr, ec] = std::from_chars(begin, end, ms);
  if (ec != std::errc() || ptr != end || begin == end) return std::nullopt;
  return TimestampMs(ms);
}

TaskManager::TaskManager(std::shared_ptr<const CompiledTopology> topology, TaskManagerOptions options,
                         const Clock* clock, RecordCollector* out, ConsumerView consumer)
    : topology_(std::move(topology)),
      options_(options),
      clock_(clock),
      out_(out),
      consumer_(std::move(consumer)) {}

TaskManager::~TaskManager() { CloseAllDirty(); }

std::optional<plan::TaskId> TaskManager::TaskOf(const log::TopicPartition& tp) const {
  const int sub = topology_->graph().SubtopologyReading(tp.topic);
  if (sub < 0) return std::nullopt;
  return topology_->graph().subtopologies[sub].Task(tp.partition.value());
}

const TaskManager::Entry* TaskManager::Find(const log::TopicPartition& tp) const {
  std::optional<plan::TaskId> id = TaskOf(tp);
  auto it = id ? tasks_.find(*id) : tasks_.end();
  return it == tasks_.end() ? nullptr : &it->second;
}

TaskManager::Entry* TaskManager::Find(const log::TopicPartition& tp) {
  return const_cast<Entry*>(std::as_const(*this).Find(tp));
}

std::vector<plan::TaskId> TaskManager::TaskIds() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<plan::TaskId> ids;
  for (const auto& [id, entry] : tasks_) ids.push_back(id);
  return ids;
}

Result<int> TaskManager::Assign(const std::vector<log::TopicPartition>& added) {
  // New tasks are created and restored aside, and appear (to the metrics
  // readers too) only once running.
  Map fresh;
  for (const auto& tp : added) {
    std::optional<plan::TaskId> id = TaskOf(tp);
    if (!id) continue;
    InputCounters* counters;
    {
      std::lock_guard<std::mutex> lock(mu_);
      counters = &topic_in_[tp.topic];
      if (auto it = tasks_.find(*id); it != tasks_.end()) {  // a task gaining a partition back
        if (!it->second.inputs.Find(tp)) it->second.inputs.Add(tp, counters);
        last_queue_ = nullptr;  // queues moved
        continue;
      }
    }
    auto it = fresh.find(*id);
    if (it == fresh.end()) {
      const int sub = topology_->graph().SubtopologyReading(tp.topic);
      ASSIGN_OR_RETURN(auto task, Task::Create(*topology_, sub, tp.partition, out_, clock_, record_limits_));
      it = fresh.emplace(*id, Entry{std::move(task), {}, -1, false}).first;
    }
    if (!it->second.inputs.Find(tp)) it->second.inputs.Add(tp, counters);
  }
  for (auto& [id, e] : fresh) {
    RETURN_IF_ERROR(e.task->TransitionTo(TaskState::kRestoring));
    RETURN_IF_ERROR(Restore(e).WithContext("restoring task " + id.ToString()));
    RETURN_IF_ERROR(e.task->TransitionTo(TaskState::kRunning));
  }
  const int created = static_cast<int>(fresh.size());
  std::lock_guard<std::mutex> lock(mu_);
  tasks_.merge(fresh);
  last_queue_ = nullptr;
  return created;
}

// Stream time survives restarts: each input partition's partition time was
// committed with its offset; the task's stream time is their maximum.
Status TaskManager::Restore(Entry& entry) {
  if (!consumer_.committed_metadata) return Status::Ok();
  for (auto& q : entry.inputs.queues()) {
    ASSIGN_OR_RETURN(std::optional<std::string> metadata, consumer_.committed_metadata(q.tp));
    if (!metadata) continue;
    if (std::optional<TimestampMs> t = DecodeCommitMetadata(*metadata)) {
      q.partition_time = *t;
      entry.task->context().AdvanceStreamTime(*t);
    }
  }
  return Status::Ok();
}

Status TaskManager::Suspend(const std::vector<log::TopicPartition>& removed) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& tp : removed) {
    Entry* entry = Find(tp);
    if (entry == nullptr) continue;
    Task& task = *entry->task;
    if (task.state() == TaskState::kSuspended) continue;
    if (task.state() == TaskState::kRunning) RETURN_IF_ERROR(task.Flush());
    RETURN_IF_ERROR(task.TransitionTo(TaskState::kSuspended));
  }
  return Status::Ok();
}

void TaskManager::CloseSuspended() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    auto next = std::next(it);
    if (it->second.task->state() == TaskState::kSuspended) Retire(it);
    it = next;
  }
  last_queue_ = nullptr;
}

void TaskManager::CloseAllDirty() {
  std::lock_guard<std::mutex> lock(mu_);
  while (!tasks_.empty()) Retire(tasks_.begin());
  last_queue_ = nullptr;
}

void TaskManager::Retire(Map::iterator it) {
  Task& task = *it->second.task;
  for (const auto& q : it->second.inputs.queues())
    if (q.paused) paused_.fetch_sub(1);
  task.Close();
  task.TransitionTo(TaskState::kClosed).IgnoreError();  // every state may close
  for (const auto& r : task.nodes()) retired_nodes_[r->node().id] += r->metrics();
  tasks_.erase(it);
}

PartitionGroup::Queue* TaskManager::QueueOf(const RawRecord& r) {
  // Polled records come in runs of one partition: remember the last queue.
  if (last_queue_ && last_queue_->tp.partition == r.partition && last_queue_->tp.topic == r.topic)
    return last_queue_;
  const log::TopicPartition tp{r.topic, r.partition};
  Entry* entry = Find(tp);
  last_queue_ = entry == nullptr ? nullptr : entry->inputs.Find(tp);
  return last_queue_;
}

Status TaskManager::Buffer(std::vector<RawRecord>* batch, std::vector<log::TopicPartition>* pause) {
  const size_t max_buffered = options_.max_buffered_records;
  for (RawRecord& r : *batch) {
    PartitionGroup::Queue* q = QueueOf(r);
    if (q == nullptr)
      return Status::Internal("no task for " + r.topic + "[" + std::to_string(r.partition.value()) + "]");
    q->records.push_back(std::move(r));
    if (!q->paused && q->records.size() >= max_buffered) {
      q->paused = true;
      paused_.fetch_add(1);
      ++pauses_;
      pause->push_back(q->tp);
    }
  }
  return Status::Ok();
}

Status TaskManager::Process(std::vector<log::TopicPartition>* resume, bool* more) {
  ++round_;
  *more = false;
  for (auto& [key, entry] : tasks_) {
    if (entry.task->state() != TaskState::kRunning) continue;
    bool task_more = false;
    RETURN_IF_ERROR(ProcessTask(entry, resume, &task_more));
    *more = *more || task_more;
  }
  return Status::Ok();
}

Status TaskManager::ProcessTask(Entry& entry, std::vector<log::TopicPartition>* resume, bool* more) {
  PartitionGroup& group = entry.inputs;
  Task& task = *entry.task;
  const bool ordered = group.queues().size() > 1;
  auto known_lag = [this](const log::TopicPartition& tp) {
    return consumer_.known_lag ? consumer_.known_lag(tp) : std::optional<int64_t>(0);
  };
  const PartitionGroup::Decoder decode = [&task](const RawRecord& raw) { return task.Decode(raw); };
  const size_t resume_below = std::max<size_t>(1, options_.max_buffered_records / 2);
  for (size_t n = 0; n < options_.max_records_per_round; ++n) {
    if (ordered && !group.Ready(round_, known_lag)) {
      if (group.buffered() == 0) return Status::Ok();
      // The deadline runs from when the task started waiting and holds until
      // every partition can be ordered again, so after it passed the task
      // processes at full speed (enforced), not one record per wait.
      const int64_t now = clock_->NowMs();
      if (entry.waiting_since_ms < 0) entry.waiting_since_ms = now;
      if (now - entry.waiting_since_ms < options_.max_task_idle_ms) return Status::Ok();
      ++enforced_;
    } else {
      entry.waiting_since_ms = -1;
    }
    PartitionGroup::Queue* q = group.Next(decode);
    if (q == nullptr) return Status::Ok();
    const RawRecord& r = q->records.front();
    Result<Record> decoded = q->TakeHead(decode);
    if (decoded.ok() && decoded->timestamp > q->partition_time) q->partition_time = decoded->timestamp;
    const uint64_t failures = task.context().failures();
    Status st = task.Process(r, std::move(decoded));
    if (task.context().failures() != failures) q->counters->failed.Add();  // also under `fail`
    if (!st.ok()) {
      // The task stops here; the record is not committed (next_offset stays),
      // but it is not offered again either.
      q->PopHead();
      return st;
    }
    q->next_offset = r.offset.value() + 1;
    q->counters->processed.Add();
    ++records_in_;
    entry.processed = true;
    q->PopHead();
    if (q->paused && q->records.size() < resume_below) {
      q->paused = false;
      paused_.fetch_sub(1);
      resume->push_back(q->tp);
    }
  }
  *more = group.buffered() > 0;
  return Status::Ok();
}

bool TaskManager::CommitNeeded() const {
  for (const auto& [key, entry] : tasks_)
    if (entry.dirty()) return true;
  return false;
}

Status TaskManager::PrepareCommit(log::OffsetMap* offsets,
                                  std::map<log::TopicPartition, std::string>* metadata) {
  for (auto& [key, entry] : tasks_) {
    Task& task = *entry.task;
    if (task.state() == TaskState::kRunning && entry.dirty()) RETURN_IF_ERROR(task.Flush());
    for (const auto& q : entry.inputs.queues()) {
      if (q.next_offset < 0) continue;
      (*offsets)[q.tp] = Offset(q.next_offset);
      if (q.partition_time.value() != INT64_MIN) (*metadata)[q.tp] = EncodeCommitMetadata(q.partition_time);
    }
  }
  return Status::Ok();
}

void TaskManager::CommitSucceeded() {
  for (auto& [key, entry] : tasks_) {
    entry.processed = false;
    entry.task->context().collector().MarkClean();
  }
}

std::map<log::TopicPartition, int64_t> TaskManager::Lag() {
  std::map<log::TopicPartition, int64_t> lag;
  if (!consumer_.known_lag) return lag;
  for (auto& [key, entry] : tasks_) {
    for (const auto& q : entry.inputs.queues()) {
      if (auto known = consumer_.known_lag(q.tp)) lag[q.tp] = *known + static_cast<int64_t>(q.records.size());
    }
  }
  return lag;
}

std::optional<TimestampMs> TaskManager::StreamTimeOf(const log::TopicPartition& input) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Entry* entry = Find(input);
  if (entry == nullptr) return std::nullopt;
  return entry->task->context().stream_time();
}

void TaskManager::AddStreamTimes(std::map<std::string, int64_t>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, entry] : tasks_) {
    const TimestampMs t = entry.task->context().stream_time();
    if (t.value() != INT64_MIN) (*out)[id.ToString()] = t.value();
  }
}

int TaskManager::tasks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(tasks_.size());
}

void TaskManager::AddNodeMetrics(std::map<std::string, NodeMetrics>* nodes) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, m] : retired_nodes_) (*nodes)[id] += m;
  for (const auto& [k, entry] : tasks_)
    for (const auto& r : entry.task->nodes()) (*nodes)[r->node().id] += r->metrics();
}

void TaskManager::AddTopicMetrics(std::map<std::string, uint64_t>* in,
                                  std::map<std::string, uint64_t>* errors) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [topic, c] : topic_in_) {
    (*in)[topic] += c.processed.Get();
    (*errors)[topic] += c.failed.Get();
  }
}

}  // namespace topo::runtime
