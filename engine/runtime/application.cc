#include "engine/runtime/application.h"

#include <map>
#include <mutex>
#include <random>
#include <set>

#include "engine/base/numbers.h"
#include "engine/expr/time.h"
#include "engine/runtime/partition_group.h"

namespace topo::runtime {

namespace {

constexpr int kPollTimeoutMs = 100;
// How long a task with buffered records waits for an empty input partition
// that is known to hold more records, before it processes what it has anyway
// (a fetch that never comes must not stall the task; counted as enforced).
constexpr int64_t kMaxTaskIdleMs = 1000;
// The process rate is measured over windows of at least this length.
constexpr int64_t kRateWindowMs = 5000;
// How often a stream thread updates the consumer lag it reports.
constexpr int64_t kLagRefreshMs = 250;
// A thread that keeps failing right after rejoining stops instead: this many
// rejoins in a row without a successful commit between them.
constexpr int kMaxRejoinsWithoutCommit = 5;

// Errors a thread recovers from by closing its tasks without committing and
// rejoining with a new consumer and producer (processing resumes from the
// committed offsets): fenced, and the log's I/O errors — an aborted
// transaction (retryable), a producer that failed for good, a lost delivery
// under at_least_once, a commit refused during a rebalance.
bool RecoverByRejoining(const Status& s) {
  return s.code() == StatusCode::kFenced || s.code() == StatusCode::kIoError;
}

// "deal.events[0-3,7] escrow.commands[3]".
std::string Describe(const std::vector<log::TopicPartition>& tps) {
  std::map<std::string, std::set<int32_t>> by_topic;
  for (const auto& tp : tps) by_topic[tp.topic].insert(tp.partition.value());
  std::string out;
  for (const auto& [topic, parts] : by_topic) {
    std::string ranges;
    for (auto it = parts.begin(); it != parts.end();) {
      int32_t first = *it, last = *it;
      while (++it != parts.end() && *it == last + 1) last = *it;
      ranges += (ranges.empty() ? "" : ",") + std::to_string(first) +
                (last > first ? "-" + std::to_string(last) : "");
    }
    out += (out.empty() ? "" : " ") + topic + "[" + ranges + "]";
  }
  return out;
}

}  // namespace

// One thread: a consumer in the application's group, a producer (transactional
// under exactly-once), and the tasks of the partitions assigned to it.
class Application::StreamThread : public log::RebalanceListener, public RecordCollector {
 public:
  StreamThread(Application& app, int index) : app_(app), index_(index) {}

  // Creates the consumer and producer and subscribes (again, after a rejoin);
  // on failure the thread has neither.
  Status Init() {
    const std::string client =
        app_.options_.application_id + "-" + app_.options_.instance_id + "-thread-" + std::to_string(index_);
    ASSIGN_OR_RETURN(auto consumer, app_.log_->NewConsumer(app_.options_.application_id, client, index_));
    // Transactional ids must be unique per running producer: two instances of
    // one application must not fence each other (EOS v2 needs no stable ids).
    ASSIGN_OR_RETURN(auto producer, app_.log_->NewProducer(app_.exactly_once_ ? client : ""));
    // A task's input partitions are assigned together.
    std::vector<std::vector<std::string>> copartitioned;
    for (const auto& sub : app_.topology_->graph().subtopologies)
      if (!sub.source_topics.empty()) copartitioned.push_back(sub.source_topics);
    RETURN_IF_ERROR(consumer->SubscribeCopartitioned(copartitioned, this));
    consumer_ = std::move(consumer);
    producer_ = std::move(producer);
    consumer_closed_ = false;
    return Status::Ok();
  }

  void Start() {
    thread_ = std::thread([this] { result_ = Run(); });
  }
  Status Join() {
    if (thread_.joinable()) thread_.join();
    return result_;
  }

  // RecordCollector: a task's output.
  Status Send(RawRecord record) override {
    if (record.topic != out_topic_) {  // a task mostly writes runs to one topic: skip the map lookup
      std::lock_guard<std::mutex> lock(mu_);
      out_counters_ = &topic_out_[record.topic];
      out_topic_ = record.topic;
    }
    out_counters_->written.Add();
    if (record.timestamp.value() > 0)
      out_counters_->e2e_latency.Observe((now_ms_ - record.timestamp.value()) * 1000);
    ++records_out_;
    return producer_->Send(std::move(record));
  }

  void OnAssigned(const std::vector<log::TopicPartition>& added) override {
    std::lock_guard<std::mutex> lock(mu_);
    joined_.store(true);
    int created = 0;
    for (const auto& tp : added) {
      int sub = app_.topology_->graph().SubtopologyReading(tp.topic);
      if (sub < 0) continue;
      auto key = std::make_pair(sub, tp.partition.value());
      auto it = tasks_.find(key);
      if (it == tasks_.end()) {
        auto task = Task::Create(*app_.topology_, sub, tp.partition, this, &clock_);
        if (!task.ok()) {
          SetError(task.status());
          continue;
        }
        it = tasks_.emplace(key, TaskEntry{std::move(task).value(), {}, -1}).first;
        ++created;
      }
      if (!it->second.inputs.Find(tp)) it->second.inputs.Add(tp, &topic_in_[tp.topic]);
    }
    last_queue_ = nullptr;  // queues moved
    if (added.empty()) {    // a rebalance that gave this thread nothing new
      app_.Event("thread " + std::to_string(index_) + ": assigned nothing new (" +
                 std::to_string(tasks_.size()) + " task(s) in all)");
    } else {
      app_.Event("thread " + std::to_string(index_) + ": assigned " + Describe(added) + " (" +
                 std::to_string(created) + " new task(s), " + std::to_string(tasks_.size()) + " in all)");
    }
  }

  void OnRevoked(const std::vector<log::TopicPartition>& removed) override {
    // Whatever was processed from these partitions is committed before they
    // move — unless this thread is rejoining after being fenced: then nothing
    // may be committed (another instance owns the work now).
    if (!rejoining_) SetError(Commit());
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& tp : removed) {
      int sub = app_.topology_->graph().SubtopologyReading(tp.topic);
      auto it = tasks_.find({sub, tp.partition.value()});
      if (it == tasks_.end()) continue;
      if (auto* q = it->second.inputs.Find(tp); q && q->paused) paused_.fetch_sub(1);
      if (it->second.inputs.Remove(tp)) RetireTask(it);
      lag_.erase(tp);
    }
    last_queue_ = nullptr;
    app_.Event("thread " + std::to_string(index_) + ": revoked " + Describe(removed) + " (" +
               std::to_string(tasks_.size()) + " task(s) left)");
  }

  void AddTo(AppSnapshot* s, std::map<std::string, NodeMetrics>* nodes) {
    std::lock_guard<std::mutex> lock(mu_);
    s->records_in += records_in_.Get();
    s->records_out += records_out_.Get();
    s->commit_latency += commit_latency_.Read();
    s->last_commit_latency_us =
        std::max<uint64_t>(s->last_commit_latency_us, static_cast<uint64_t>(last_commit_latency_us_.load()));
    s->rejoins += rejoins_.Get();
    s->tasks += static_cast<int>(tasks_.size());
    ++s->threads;
    if (joined_.load()) ++s->threads_joined;
    s->paused_partitions += paused_.load();
    s->pauses += pauses_.Get();
    s->enforced_processing += enforced_.Get();
    for (const auto& [topic, c] : topic_in_) {
      s->topic_in[topic] += c.processed.Get();
      s->topic_errors[topic] += c.failed.Get();
    }
    for (const auto& [topic, c] : topic_out_) {
      s->topic_out[topic] += c.written.Get();
      s->topic_e2e_latency[topic] += c.e2e_latency.Read();
    }
    for (const auto& [id, m] : retired_nodes_) (*nodes)[id] += m;
    for (const auto& [tp, n] : lag_) s->lag[tp] = n;
    for (const auto& [k, entry] : tasks_)
      for (const auto& r : entry.task->nodes()) (*nodes)[r->node().id] += r->metrics();
  }

  // Idempotent (Wait may run twice: from the caller and the destructor).
  void CloseConsumer() {
    if (consumer_ && !consumer_closed_)
      consumer_->Close().IgnoreError();  // the threads' results decide the exit
    consumer_closed_ = true;
  }

 private:
  struct TaskEntry {
    std::unique_ptr<Task> task;
    PartitionGroup inputs;
    int64_t waiting_since_ms = -1;  // for a lagging empty partition; -1: not waiting
  };
  using TaskMap = std::map<std::pair<int, int32_t>, TaskEntry>;

  Status Run() {
    Status st = app_.exactly_once_ ? producer_->BeginTransaction() : Status::Ok();
    int64_t last_commit = clock_.NowMs();
    bool more = false;  // records buffered that can be processed now: poll without waiting
    while (!app_.stop_.load()) {
      if (st.ok()) st = Step(&more);
      if (st.ok() && clock_.NowMs() - last_commit >= commit_interval_ms_) {
        st = Commit();
        last_commit = clock_.NowMs();
      }
      // A failed rejoin (its new producer or consumer failed too) is tried
      // again, after a growing pause, within the same budget.
      while (RecoverByRejoining(st) && rejoins_without_commit_ < kMaxRejoinsWithoutCommit) {
        const int64_t backoff_ms = rejoins_without_commit_ == 0 ? 0 : 1000 << (rejoins_without_commit_ - 1);
        ++rejoins_without_commit_;
        if (backoff_ms > 0 && app_.WaitForStop(backoff_ms)) break;
        st = Rejoin(st);
      }
      if (!st.ok()) break;
    }
    if (st.ok()) {
      st = Commit();  // graceful stop: everything processed is committed
    } else if (app_.exactly_once_ && producer_) {
      // Nothing of the failed transaction may become visible.
      producer_->AbortTransaction().IgnoreError();  // the original error is what the user needs
    }
    // Nothing is left to commit; OnRevoked during Close must not try again.
    uncommitted_ = 0;
    if (!st.ok()) app_.RequestStop();  // wakes the others, also from a rejoin backoff
    // The consumer leaves the group later (CloseConsumer), once every thread has
    // made its final commit: a member leaving starts a rebalance, during which
    // the group refuses the other threads' offset commits.
    return st;
  }

  // One round: poll, buffer, pause full partitions, process what can be
  // processed in order, resume drained partitions.
  Status Step(bool* more) {
    batch_.clear();
    RETURN_IF_ERROR(consumer_->Poll(*more ? 0 : kPollTimeoutMs, app_.options_.max_poll_records, &batch_));
    if (!error_.ok()) return std::exchange(error_, Status::Ok());  // from a rebalance callback
    now_ms_ = clock_.NowMs();
    const size_t max_buffered = app_.options_.max_buffered_records;
    std::vector<log::TopicPartition> pause, resume;
    for (RawRecord& r : batch_) {
      PartitionGroup::Queue* q = QueueOf(r);
      if (q == nullptr) {
        return Status::Internal("no task for " + r.topic + "[" + std::to_string(r.partition.value()) + "]");
      }
      q->records.push_back(std::move(r));
      if (!q->paused && q->records.size() >= max_buffered) {
        q->paused = true;
        paused_.fetch_add(1);
        ++pauses_;
        pause.push_back(q->tp);
      }
    }
    if (!pause.empty()) RETURN_IF_ERROR(consumer_->Pause(pause));
    *more = false;
    ++round_;
    for (auto& [key, entry] : tasks_) {
      bool task_more = false;
      RETURN_IF_ERROR(ProcessTask(entry, &resume, &task_more));
      *more = *more || task_more;
    }
    if (!resume.empty()) RETURN_IF_ERROR(consumer_->Resume(resume));
    if (const int64_t now = clock_.NowMs(); now - lag_refreshed_ms_ >= kLagRefreshMs) {
      RefreshLag();
      lag_refreshed_ms_ = now;
    }
    return Status::Ok();
  }

  // Per input partition: records buffered here plus those the consumer knows
  // are on the log beyond what it fetched (no request: cached by the consumer).
  void RefreshLag() {
    std::map<log::TopicPartition, int64_t> lag;
    for (auto& [key, entry] : tasks_) {
      for (const auto& q : entry.inputs.queues()) {
        if (auto known = consumer_->KnownLag(q.tp))
          lag[q.tp] = *known + static_cast<int64_t>(q.records.size());
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    lag_ = std::move(lag);
  }

  // Processes up to max_poll_records of one task's buffered records, earliest
  // timestamp first; *more: it stopped with records it could still process.
  Status ProcessTask(TaskEntry& entry, std::vector<log::TopicPartition>* resume, bool* more) {
    PartitionGroup& group = entry.inputs;
    const bool ordered = group.queues().size() > 1;
    auto known_lag = [this](const log::TopicPartition& tp) { return consumer_->KnownLag(tp); };
    const size_t resume_below = std::max<size_t>(1, app_.options_.max_buffered_records / 2);
    for (size_t n = 0; n < app_.options_.max_poll_records; ++n) {
      if (ordered && !group.Ready(round_, known_lag)) {
        if (group.buffered() == 0) return Status::Ok();
        const int64_t now = clock_.NowMs();
        if (entry.waiting_since_ms < 0) entry.waiting_since_ms = now;
        if (now - entry.waiting_since_ms < kMaxTaskIdleMs) return Status::Ok();
        ++enforced_;  // waited long enough: process out of order rather than stall
      }
      entry.waiting_since_ms = -1;
      PartitionGroup::Queue* q = group.Next();
      if (q == nullptr) return Status::Ok();
      const RawRecord& r = q->records.front();
      const uint64_t failures = entry.task->context().failures();
      Status st = entry.task->Process(r);
      if (entry.task->context().failures() != failures) q->counters->failed.Add();  // also under `fail`
      RETURN_IF_ERROR(st);
      q->next_offset = r.offset.value() + 1;
      q->counters->processed.Add();
      ++records_in_;
      ++uncommitted_;
      q->records.pop_front();
      if (q->paused && q->records.size() < resume_below) {
        q->paused = false;
        paused_.fetch_sub(1);
        resume->push_back(q->tp);
      }
    }
    *more = group.buffered() > 0;
    return Status::Ok();
  }

  PartitionGroup::Queue* QueueOf(const RawRecord& r) {
    // Polled records come in runs of one partition: remember the last queue.
    if (last_queue_ && last_queue_->tp.partition == r.partition && last_queue_->tp.topic == r.topic)
      return last_queue_;
    log::TopicPartition tp{r.topic, r.partition};
    auto it = tasks_.find({app_.topology_->graph().SubtopologyReading(r.topic), r.partition.value()});
    last_queue_ = it == tasks_.end() ? nullptr : it->second.inputs.Find(tp);
    return last_queue_;
  }

  Status Commit() {
    if (uncommitted_ == 0) return Status::Ok();
    const int64_t start_us = MonotonicUs();
    log::OffsetMap offsets;
    for (auto& [key, entry] : tasks_)
      for (const auto& q : entry.inputs.queues())
        if (q.next_offset >= 0) offsets[q.tp] = Offset(q.next_offset);
    if (app_.exactly_once_) {
      RETURN_IF_ERROR(producer_->CommitTransaction(offsets, *consumer_));
      RETURN_IF_ERROR(producer_->BeginTransaction());
    } else {
      RETURN_IF_ERROR(producer_->Flush());
      if (!offsets.empty()) RETURN_IF_ERROR(consumer_->CommitOffsets(offsets));
    }
    uncommitted_ = 0;
    rejoins_without_commit_ = 0;
    const int64_t us = MonotonicUs() - start_us;
    commit_latency_.Observe(us);
    last_commit_latency_us_.store(us);
    return Status::Ok();
  }

  // Fenced (another instance owns this thread's work now) or another
  // RecoverByRejoining error: closes every task without committing, leaves the
  // group and joins it again with a new consumer and producer; the tasks come
  // back (here or elsewhere) from the committed offsets, so nothing is lost or
  // (exactly_once) written twice.
  // A previous attempt that failed in Init left no consumer or producer.
  Status Rejoin(const Status& cause) {
    app_.Event(
        "thread " + std::to_string(index_) + ": " + cause.message() + "; closing " +
        std::to_string(tasks_.size()) + " task(s) without committing and rejoining the group" +
        (rejoins_without_commit_ > 1 ? " (attempt " + std::to_string(rejoins_without_commit_) + ")" : ""));
    if (app_.exactly_once_ && producer_)
      producer_->AbortTransaction().IgnoreError();  // fenced: the broker aborts it anyway
    rejoining_ = true;
    joined_.store(false);
    if (consumer_) consumer_->Close().IgnoreError();  // may fail when fenced; the new member joins regardless
    rejoining_ = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      while (!tasks_.empty()) RetireTask(tasks_.begin());
      lag_.clear();
      paused_.store(0);
    }
    last_queue_ = nullptr;
    uncommitted_ = 0;
    error_ = Status::Ok();
    ++rejoins_;
    consumer_.reset();
    producer_.reset();
    RETURN_IF_ERROR(Init());
    return app_.exactly_once_ ? producer_->BeginTransaction() : Status::Ok();
  }

  // Keeps the counters of a task that closes; mu_ must be held.
  void RetireTask(TaskMap::iterator it) {
    for (const auto& r : it->second.task->nodes()) retired_nodes_[r->node().id] += r->metrics();
    tasks_.erase(it);
  }

  void SetError(const Status& s) {
    if (!s.ok() && error_.ok()) error_ = s;
  }

  static int64_t MonotonicUs() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  Application& app_;
  int index_;
  SystemClock clock_;
  std::unique_ptr<log::Consumer> consumer_;
  std::unique_ptr<log::Producer> producer_;
  std::thread thread_;
  bool consumer_closed_ = false;
  bool rejoining_ = false;
  std::atomic<bool> joined_{false};  // its consumer completed a rebalance since it (re)joined
  Status result_;
  Status error_;  // from rebalance callbacks, surfaced by the loop
  int64_t commit_interval_ms_ = 100;
  std::vector<RawRecord> batch_;
  PartitionGroup::Queue* last_queue_ = nullptr;  // QueueOf's cache
  uint64_t uncommitted_ = 0;
  int rejoins_without_commit_ = 0;
  int64_t lag_refreshed_ms_ = 0;
  uint64_t round_ = 0;  // poll-process cycles (PartitionGroup::Ready's memo key)

  // Guards the maps below (not the counters) against Snapshot().
  mutable std::mutex mu_;
  TaskMap tasks_;
  std::map<std::string, NodeMetrics> retired_nodes_;  // counters of closed tasks, by node id
  std::map<log::TopicPartition, int64_t> lag_;        // see AppSnapshot::lag; RefreshLag
  struct OutputCounters {
    Counter written;
    Histogram e2e_latency;
  };
  std::map<std::string, InputCounters> topic_in_;
  std::map<std::string, OutputCounters> topic_out_;
  std::string out_topic_;  // Send's cache
  OutputCounters* out_counters_ = nullptr;
  int64_t now_ms_ = 0;  // wall clock, read once per poll-process round (Step)

  Counter records_in_, records_out_, rejoins_, pauses_, enforced_;
  Histogram commit_latency_;
  std::atomic<int64_t> last_commit_latency_us_{0};
  std::atomic<int> paused_{0};

  friend class Application;
};

Application::Application(std::shared_ptr<const CompiledTopology> topology, log::Log* log, RunOptions options)
    : topology_(std::move(topology)), log_(log), options_(std::move(options)) {}

Application::~Application() {
  RequestStop();
  Wait().IgnoreError();  // destruction after an error: the caller already saw it from Wait()
}

Result<std::unique_ptr<Application>> Application::Create(std::shared_ptr<const CompiledTopology> topology,
                                                         log::Log* log, RunOptions options) {
  const auto& cfg = topology->proto().config();
  if (options.application_id.empty())
    options.application_id = cfg.application_id().empty() ? topology->name() : cfg.application_id();
  if (options.threads < 1) return Status::Invalid("--threads must be at least 1");
  if (options.max_buffered_records < 1) return Status::Invalid("max_buffered_records must be at least 1");
  if (options.instance_id.empty()) {
    std::random_device rd;
    char id[16];
    std::snprintf(id, sizeof id, "%08x", rd());
    options.instance_id = id;
  }
  std::unique_ptr<Application> app(new Application(std::move(topology), log, std::move(options)));
  app->exactly_once_ = cfg.guarantee() != "at_least_once";
  int64_t interval = app->options_.commit_interval_ms > 0 ? app->options_.commit_interval_ms
                     : cfg.commit_interval_ms() > 0       ? cfg.commit_interval_ms()
                     : app->exactly_once_                 ? 100
                                                          : 30000;
  for (int i = 0; i < app->options_.threads; ++i) {
    app->threads_.push_back(std::make_unique<StreamThread>(*app, i));
    app->threads_.back()->commit_interval_ms_ = interval;
  }
  return app;
}

std::vector<log::TopicConfig> Application::TopicConfigs() const {
  std::vector<log::TopicConfig> out;
  for (const auto& [name, decl] : topology_->proto().topics()) {
    log::TopicConfig c;
    c.name = name;
    c.partitions = std::max(1, decl.partitions());
    c.compact = decl.cleanup() == "compact";
    if (!decl.retention().empty() && decl.retention() != "-1") {
      auto ms = expr::ParseDuration(decl.retention());
      c.retention_ms = ms.ok() ? *ms : -1;
    } else if (auto it = decl.config().find("retention.ms"); it != decl.config().end()) {
      c.retention_ms = ParseInt64(it->second).value_or(-1);  // BuildGraph checked it (one of the two)
    }
    c.extra.insert(decl.config().begin(), decl.config().end());
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

Status Application::EnsureTopics(std::vector<std::string>* report) {
  return log_->EnsureTopics(TopicConfigs(), report);
}

Status Application::Start() {
  for (auto& t : threads_) RETURN_IF_ERROR(t->Init());
  for (auto& t : threads_) t->Start();
  if (options_.maintenance_interval_ms > 0) maintenance_ = std::thread([this] { MaintenanceLoop(); });
  return Status::Ok();
}

void Application::MaintenanceLoop() {
  while (!stop_.load()) {
    Status s = log_->Maintain(SystemClock().NowMs());
    // Retention failing is worth saying but not worth stopping the processing for.
    if (!s.ok()) Event("retention/compaction failed (will retry): " + s.message());
    WaitForStop(options_.maintenance_interval_ms);
  }
}

bool Application::WaitForStop(int64_t ms) {
  std::unique_lock<std::mutex> lock(stop_mu_);
  return stop_cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stop_.load(); });
}

void Application::RequestStop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);  // a waiter cannot miss the wake-up
    stop_.store(true);
  }
  stop_cv_.notify_all();
}

Status Application::Wait() {
  Status first;
  for (auto& t : threads_) {
    Status s = t->Join();
    if (!s.ok() && first.ok()) first = s;
  }
  for (auto& t : threads_) t->CloseConsumer();
  if (maintenance_.joinable()) {
    RequestStop();  // a thread's error stopped the run: the maintenance loop ends too
    maintenance_.join();
  }
  return first;
}

AppSnapshot Application::Snapshot() const {
  AppSnapshot s;
  for (const auto& t : threads_) t->AddTo(&s, &s.nodes);
  for (const auto& [id, m] : s.nodes) {
    s.errors += m.errors;
    s.skipped += m.skipped;
    s.dead_lettered += m.dead_lettered;
    s.dropped += m.dropped;
  }
  s.running = !stop_.load();
  std::lock_guard<std::mutex> lock(rate_mu_);
  const int64_t now = SystemClock().NowMs();
  if (rate_window_start_ms_ == 0) {
    rate_window_start_ms_ = now, rate_window_start_in_ = s.records_in;
  } else if (now - rate_window_start_ms_ >= kRateWindowMs) {
    rate_ = (s.records_in - rate_window_start_in_) * 1000.0 / (now - rate_window_start_ms_);
    rate_window_start_ms_ = now, rate_window_start_in_ = s.records_in;
  }
  s.process_rate = rate_;
  return s;
}

}  // namespace topo::runtime
