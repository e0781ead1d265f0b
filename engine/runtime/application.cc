#include "engine/runtime/application.h"

#include <map>
#include <mutex>
#include <random>

#include "engine/expr/time.h"
#include "engine/runtime/task.h"

namespace topo::runtime {

namespace {

constexpr int kPollTimeoutMs = 100;

}  // namespace

// One thread: a consumer in the application's group, a producer (transactional
// under exactly-once), and the tasks of the partitions assigned to it.
class Application::StreamThread : public log::RebalanceListener, public RecordCollector {
 public:
  StreamThread(Application& app, int index) : app_(app), index_(index) {}

  Status Init() {
    const std::string client =
        app_.options_.application_id + "-" + app_.process_id_ + "-thread-" + std::to_string(index_);
    ASSIGN_OR_RETURN(consumer_, app_.log_->NewConsumer(app_.options_.application_id, client));
    // Transactional ids must be unique per running producer: two instances of
    // one application must not fence each other (EOS v2 needs no stable ids).
    ASSIGN_OR_RETURN(producer_, app_.log_->NewProducer(app_.exactly_once_ ? client : ""));
    std::vector<std::string> topics;
    for (const auto& sub : app_.topology_->graph().subtopologies)
      for (const auto& t : sub.source_topics) topics.push_back(t);
    return consumer_->Subscribe(topics, this);
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
    ++records_out_;
    return producer_->Send(std::move(record));
  }

  void OnAssigned(const std::vector<log::TopicPartition>& added) override {
    for (const auto& tp : added) {
      for (int sub : app_.SubtopologiesReading(tp.topic)) {
        auto key = std::make_pair(sub, tp.partition.value());
        if (tasks_.count(key)) continue;
        auto task = Task::Create(*app_.topology_, sub, tp.partition, this, &clock_);
        if (!task.ok()) {
          SetError(task.status());
          continue;
        }
        std::lock_guard<std::mutex> lock(mu_);
        tasks_[key] = std::move(task).value();
      }
    }
  }

  void OnRevoked(const std::vector<log::TopicPartition>& removed) override {
    // Whatever was processed from these partitions is committed before they move.
    SetError(Commit());
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& tp : removed) {
      RetireMetrics(tp);
      consumed_.erase(tp);
      committed_.erase(tp);
    }
  }

  void AddTo(AppSnapshot* s, std::map<std::string, uint64_t>* node_in) {
    std::lock_guard<std::mutex> lock(mu_);
    s->records_in += records_in_;
    s->records_out += records_out_;
    s->commits += commits_;
    s->tasks += static_cast<int>(tasks_.size());
    s->errors += retired_.errors;
    s->skipped += retired_.skipped;
    s->dead_lettered += retired_.dead_lettered;
    s->dropped += retired_.dropped;
    for (const auto& [id, n] : retired_node_in_) (*node_in)[id] += n;
    for (const auto& [tp, offset] : committed_) s->positions[tp] = offset;
    for (const auto& [k, task] : tasks_) {
      for (const auto& r : task->nodes()) {
        (*node_in)[r->node().id] += r->metrics().in;
        s->errors += r->metrics().errors;
        s->skipped += r->metrics().skipped;
        s->dead_lettered += r->metrics().dead_lettered;
        s->dropped += r->op().dropped();
      }
    }
  }

 private:
  Status Run() {
    Status st = app_.exactly_once_ ? producer_->BeginTransaction() : Status::Ok();
    int64_t last_commit = clock_.NowMs();
    std::vector<RawRecord> batch;
    while (st.ok() && !app_.stop_.load()) {
      batch.clear();
      st = consumer_->Poll(kPollTimeoutMs, app_.options_.max_poll_records, &batch);
      if (!st.ok()) break;
      if (!error_.ok()) {
        st = error_;
        break;
      }
      for (const RawRecord& r : batch) {
        st = ProcessOne(r);
        if (!st.ok()) break;
      }
      if (!st.ok()) break;
      if (clock_.NowMs() - last_commit >= commit_interval_ms_) {
        st = Commit();
        last_commit = clock_.NowMs();
      }
    }
    if (st.ok()) {
      st = Commit();  // graceful stop: everything processed is committed
    } else if (app_.exactly_once_) {
      // Nothing of the failed transaction may become visible.
      producer_->AbortTransaction().IgnoreError();  // the original error is what the user needs
    }
    // Nothing is left to commit; OnRevoked during Close must not try again.
    consumed_.clear();
    uncommitted_ = 0;
    if (!st.ok()) app_.stop_.store(true);
    // The consumer leaves the group later (CloseConsumer), once every thread has
    // made its final commit: a member leaving starts a rebalance, during which
    // the group refuses the other threads' offset commits.
    return st;
  }

  // Idempotent (Wait may run twice: from the caller and the destructor).
  void CloseConsumer() {
    if (consumer_ && !consumer_closed_)
      consumer_->Close().IgnoreError();  // the threads' results decide the exit
    consumer_closed_ = true;
  }

  Status ProcessOne(const RawRecord& r) {
    ++records_in_;
    for (int sub : app_.SubtopologiesReading(r.topic)) {
      auto it = tasks_.find({sub, r.partition.value()});
      if (it == tasks_.end())
        return Status::Internal("no task for " + r.topic + "[" + std::to_string(r.partition.value()) + "]");
      RETURN_IF_ERROR(it->second->Process(r));
    }
    consumed_[log::TopicPartition{r.topic, r.partition}] = Offset(r.offset.value() + 1);
    ++uncommitted_;
    return Status::Ok();
  }

  Status Commit() {
    if (uncommitted_ == 0 && app_.exactly_once_) return Status::Ok();
    if (app_.exactly_once_) {
      RETURN_IF_ERROR(producer_->CommitTransaction(consumed_, *consumer_));
      RETURN_IF_ERROR(producer_->BeginTransaction());
    } else {
      RETURN_IF_ERROR(producer_->Flush());
      if (!consumed_.empty()) RETURN_IF_ERROR(consumer_->CommitOffsets(consumed_));
    }
    uncommitted_ = 0;
    std::lock_guard<std::mutex> lock(mu_);
    ++commits_;
    for (const auto& [tp, offset] : consumed_) committed_[tp] = offset;
    return Status::Ok();
  }

  // Keeps the counters of a task that moves away; tasks_ must be locked.
  void RetireMetrics(const log::TopicPartition& tp) {
    for (int sub : app_.SubtopologiesReading(tp.topic)) {
      auto it = tasks_.find({sub, tp.partition.value()});
      if (it == tasks_.end()) continue;
      for (const auto& r : it->second->nodes()) {
        retired_node_in_[r->node().id] += r->metrics().in;
        retired_.errors += r->metrics().errors;
        retired_.skipped += r->metrics().skipped;
        retired_.dead_lettered += r->metrics().dead_lettered;
        retired_.dropped += r->op().dropped();
      }
      tasks_.erase(it);
    }
  }

  void SetError(const Status& s) {
    if (!s.ok() && error_.ok()) error_ = s;
  }

  Application& app_;
  int index_;
  SystemClock clock_;
  std::unique_ptr<log::Consumer> consumer_;
  std::unique_ptr<log::Producer> producer_;
  std::thread thread_;
  bool consumer_closed_ = false;
  Status result_;
  Status error_;  // from rebalance callbacks, surfaced by the loop
  int64_t commit_interval_ms_ = 100;
  mutable std::mutex mu_;  // guards tasks_ and counters against Snapshot()
  std::map<std::pair<int, int32_t>, std::unique_ptr<Task>> tasks_;
  log::OffsetMap consumed_;
  uint64_t uncommitted_ = 0;
  std::atomic<uint64_t> records_in_{0}, records_out_{0};
  uint64_t commits_ = 0;
  NodeMetrics retired_;
  std::map<std::string, uint64_t> retired_node_in_;  // node id -> records received
  log::OffsetMap committed_;                         // positions as of the last commit

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
  std::unique_ptr<Application> app(new Application(std::move(topology), log, std::move(options)));
  app->exactly_once_ = cfg.guarantee() != "at_least_once";
  std::random_device rd;
  char id[16];
  std::snprintf(id, sizeof id, "%08x", rd());
  app->process_id_ = id;
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

const std::vector<int>& Application::SubtopologiesReading(const std::string& topic) const {
  return topology_->graph().SubtopologiesReading(topic);
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
  return Status::Ok();
}

void Application::RequestStop() { stop_.store(true); }

Status Application::Wait() {
  Status first;
  for (auto& t : threads_) {
    Status s = t->Join();
    if (!s.ok() && first.ok()) first = s;
  }
  for (auto& t : threads_) t->CloseConsumer();
  return first;
}

AppSnapshot Application::Snapshot() const {
  AppSnapshot s;
  std::map<std::string, uint64_t> node_in;
  for (const auto& t : threads_) t->AddTo(&s, &node_in);
  s.node_in.assign(node_in.begin(), node_in.end());
  s.running = !stop_.load();
  return s;
}

}  // namespace topo::runtime
