#include "engine/runtime/application.h"

#include <map>
#include <mutex>
#include <random>

namespace topo::runtime {

namespace {
// The process rate is measured over windows of at least this length.
constexpr int64_t kRateWindowMs = 5000;
}  // namespace

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
  // Flags first, then the topology's config, then the defaults.
  if (options.max_buffered_records == 0)
    options.max_buffered_records = cfg.buffered_records_per_partition() > 0
                                       ? static_cast<size_t>(cfg.buffered_records_per_partition())
                                       : 1000;
  if (options.max_task_idle_ms < 0)
    options.max_task_idle_ms = cfg.has_max_task_idle_ms() ? cfg.max_task_idle_ms() : 1000;
  std::unique_ptr<StateDir> state_dir;
  if (!options.state_dir.empty()) {
    ASSIGN_OR_RETURN(state_dir, StateDir::Open(options.state_dir, options.application_id));
    if (options.instance_id.empty()) options.instance_id = state_dir->instance_id();
  }
  if (options.instance_id.empty()) {
    std::random_device rd;
    char id[16];
    std::snprintf(id, sizeof id, "%08x", rd());
    options.instance_id = id;
  }
  std::unique_ptr<Application> app(new Application(std::move(topology), log, std::move(options)));
  app->state_dir_ = std::move(state_dir);
  if (app->options_.clock != nullptr) app->clock_ = app->options_.clock;
  app->exactly_once_ = ExactlyOnce(*app->topology_);
  StreamThreadOptions t;
  t.application_id = app->options_.application_id;
  t.instance_id = app->options_.instance_id;
  t.exactly_once = app->exactly_once_;
  t.commit_interval_ms = CommitIntervalMs(*app->topology_, app->options_);
  t.max_poll_records = app->options_.max_poll_records;
  t.tasks.max_records_per_round = app->options_.max_poll_records;
  t.tasks.max_buffered_records = app->options_.max_buffered_records;
  t.tasks.max_task_idle_ms = app->options_.max_task_idle_ms;
  t.clock = app->clock_;
  t.record_limits = &app->record_limits_;
  for (int i = 0; i < app->options_.threads; ++i) {
    t.index = i;
    StreamThreadOwner* owner = app.get();
    app->threads_.push_back(std::make_unique<StreamThread>(app->topology_, log, t, owner));
  }
  return app;
}

bool Application::ExactlyOnce(const CompiledTopology& topology) {
  return topology.proto().config().guarantee() != "at_least_once";
}

int64_t Application::CommitIntervalMs(const CompiledTopology& topology, const RunOptions& options) {
  const auto& cfg = topology.proto().config();
  return options.commit_interval_ms > 0 ? options.commit_interval_ms
         : cfg.commit_interval_ms() > 0 ? cfg.commit_interval_ms()
         : ExactlyOnce(topology)        ? 100
                                        : 30000;
}

std::vector<log::TopicConfig> Application::TopicConfigs() const { return topology_->TopicConfigs(); }

Status Application::EnsureTopics(std::vector<std::string>* report) {
  return log_->EnsureTopics(TopicConfigs(), report);
}

Status Application::Start() {
  // The log's own limits (an existing topic may accept less than declared):
  // records are checked against them while their node's policy can decide.
  for (const auto& [name, spec] : topology_->topics()) {
    auto limit = log_->MaxRecordBytes(name);
    if (limit.ok() && limit->has_value()) record_limits_[name] = **limit;
  }
  for (auto& t : threads_) RETURN_IF_ERROR(t->Init());
  for (auto& t : threads_) t->Start();
  if (options_.maintenance_interval_ms > 0) maintenance_ = std::thread([this] { MaintenanceLoop(); });
  return Status::Ok();
}

void Application::MaintenanceLoop() {
  while (!stop_.load()) {
    Status s = log_->Maintain(clock_->NowMs());
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
  for (const auto& t : threads_) t->AddTo(&s);
  for (const auto& [id, m] : s.nodes) {
    s.errors += m.errors;
    s.skipped += m.skipped;
    s.dead_lettered += m.dead_lettered;
    s.dropped += m.dropped;
  }
  s.running = !stop_.load();
  std::lock_guard<std::mutex> lock(rate_mu_);
  const int64_t now = clock_->NowMs();
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
