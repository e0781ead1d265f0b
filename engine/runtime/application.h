#pragma once
// Application: one running instance of a topology on a Log — the analogue of a
// KafkaStreams instance. It creates/checks the topology's topics, starts N
// stream threads (stream_thread.h) that share the input partitions through one
// consumer group (the application id), and stops them gracefully.
//
// Partitions assigned to a thread become tasks (sub-topology x partition,
// DESIGN §4) in the thread's TaskManager (task_manager.h): polled records are
// buffered per partition, a task reading several partitions processes them in
// event-time order, a full buffer pauses its partition (back-pressure).
// Every commit_interval_ms a thread with dirty tasks commits:
//   exactly_once:  the producer's transaction, with the consumed offsets (and
//                  each partition's stream time as commit metadata) inside it
//                  (EOS v2) — outputs and progress become visible together.
//   at_least_once: flush the producer, then commit the consumed offsets.
// A task error under the `fail` policy aborts the open transaction (nothing of
// the failing batch becomes visible) and stops the application with the error,
// which names the node and the input's topic/partition/offset. Recovery from
// fencing, lost partitions and log I/O errors: stream_thread.h.
//
// Retention and compaction of a backend that needs it (embedded) run on a
// maintenance thread every maintenance_interval_ms.
//
// Thread-safety: Start/Wait from one controlling thread; RequestStop and
// Snapshot() from any thread.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/base/clock.h"
#include "engine/log/log.h"
#include "engine/runtime/app_snapshot.h"
#include "engine/runtime/compiled_topology.h"
#include "engine/runtime/state_dir.h"
#include "engine/runtime/stream_thread.h"

namespace topo::runtime {

struct RunOptions {
  // Stream threads. Default: 1
  int threads = 1;
  // Consumer group and transactional-id prefix. Default: the topology's
  // config.application_id, else its name.
  std::string application_id;
  // How often each thread commits. 0: the topology's config.commit_interval_ms,
  // else the guarantee's default. Default: 100 (exactly_once), 30000 (at_least_once)
  int64_t commit_interval_ms = 0;
  // Records one Poll may return. Default: 2000
  size_t max_poll_records = 2000;
  // Records buffered per input partition before it is paused (Kafka Streams'
  // buffered.records.per.partition). 0: the topology's
  // config.buffered_records_per_partition, else 1000. Default: 0
  size_t max_buffered_records = 0;
  // How long a task waits for an input partition with nothing buffered before
  // it processes the others out of order (Kafka Streams' max.task.idle.ms).
  // -1: the topology's config.max_task_idle_ms, else 1000. Default: -1
  int64_t max_task_idle_ms = -1;
  // Retention/compaction runs (embedded log), the first at Start. 0: never.
  // Default: 30000
  int64_t maintenance_interval_ms = 30000;
  // Where the instance keeps what outlives a process (state_dir.h):
  // <state_dir>/<application-id>/, locked while the application runs. Its
  // instance id names the Kafka clients and transactional ids, so a restart
  // fences the previous process's open transaction at once. Empty: nothing is
  // kept. Default: empty (topo run: <data-dir>/state, or ./.topo-state on Kafka)
  std::string state_dir;
  // Part of client and transactional ids. Empty: the state dir's, else random
  // per start. Two instances running at once must have different ids.
  std::string instance_id;
  // Called from the stream threads with one line about what happened
  // (partitions assigned or revoked, a fenced thread rejoining). Must be thread-safe.
  std::function<void(const std::string&)> on_event;
  // The wall clock of commit intervals, task idling and timers; must outlive
  // the application. Default: nullptr, the system clock
  const Clock* clock = nullptr;
};

class Application final : private StreamThreadOwner {
 public:
  static Result<std::unique_ptr<Application>> Create(std::shared_ptr<const CompiledTopology> topology,
                                                     log::Log* log, RunOptions options);
  ~Application();

  // The topics the topology declares, as the log should have them.
  std::vector<log::TopicConfig> TopicConfigs() const;
  // Creates missing topics and checks existing ones (lines for the user in
  // *report). Call before Start.
  Status EnsureTopics(std::vector<std::string>* report);
  // Joins the consumer group and starts the threads.
  Status Start();
  // Asks every thread to commit what it processed and stop. Any thread may
  // call it (a stream thread does when it fails).
  void RequestStop() override;
  // Waits for every thread; returns the first thread's fatal error, if any.
  Status Wait();
  AppSnapshot Snapshot() const;
  bool exactly_once() const { return exactly_once_; }
  // The guarantee and commit interval Create resolves for `topology` under
  // `options` (flags over the topology's config over the defaults), for callers
  // that configure the log before the application exists.
  static bool ExactlyOnce(const CompiledTopology& topology);
  static int64_t CommitIntervalMs(const CompiledTopology& topology, const RunOptions& options);
  const std::string& instance_id() const { return options_.instance_id; }
  // The application's directory in the state dir; empty without one.
  std::string state_path() const { return state_dir_ ? state_dir_->path() : std::string(); }
  const std::string& application_id() const { return options_.application_id; }

 private:
  Application(std::shared_ptr<const CompiledTopology> topology, log::Log* log, RunOptions options);
  // StreamThreadOwner.
  bool stopping() const override { return stop_.load(); }
  void Event(const std::string& line) const override {
    if (options_.on_event) options_.on_event(line);
  }
  // Waits up to `ms` or until RequestStop; returns whether a stop was requested.
  bool WaitForStop(int64_t ms) override;
  void MaintenanceLoop();

  std::shared_ptr<const CompiledTopology> topology_;
  log::Log* log_;
  std::unique_ptr<StateDir> state_dir_;  // null without RunOptions::state_dir
  RunOptions options_;
  bool exactly_once_ = true;
  SystemClock system_clock_;
  const Clock* clock_ = &system_clock_;
  // The log's record-size limits of the topics written (TaskContext::RecordLimit).
  std::map<std::string, int64_t> record_limits_;
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<StreamThread>> threads_;
  std::thread maintenance_;
  // Wakes whoever waits for stop_ (the maintenance loop, a rejoin's backoff).
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  // Process rate: records_in at the start of the current window.
  mutable std::mutex rate_mu_;
  mutable int64_t rate_window_start_ms_ = 0;
  mutable uint64_t rate_window_start_in_ = 0;
  mutable double rate_ = 0;
};

}  // namespace topo::runtime
