#pragma once
// Application: one running instance of a topology on a Log — the analogue of a
// KafkaStreams instance. It creates/checks the topology's topics, starts N
// stream threads that share the input partitions through one consumer group
// (the application id), and stops them gracefully.
//
// Each StreamThread owns a consumer and a producer. Partitions assigned to it
// become tasks (sub-topology x partition, DESIGN §4). Polled records are
// buffered per partition in the task's PartitionGroup; a task reading several
// partitions processes them in timestamp order, and a partition whose buffer
// is full is paused until it drains (back-pressure). Outputs go to the
// producer. Every commit_interval_ms the thread commits:
//   exactly_once:  the producer's transaction, with the consumed offsets inside
//                  it (EOS v2) — outputs and progress become visible together.
//   at_least_once: flush the producer, then commit the consumed offsets.
// A task error under the `fail` policy aborts the open transaction (nothing of
// the failing batch becomes visible) and stops the application with the error,
// which names the node and the input's topic/partition/offset.
// A fenced producer or consumer (another instance took the work over), or an
// I/O error of the log (an aborted transaction, a failed producer, a lost
// delivery, a refused commit), closes the thread's tasks without committing,
// and the thread rejoins the group with a new consumer and producer;
// processing resumes from the committed offsets. A rejoin that fails (say, the
// new transactional producer cannot initialize while brokers are down) is
// retried; after the first, each attempt waits twice as long (1 s, 2 s, ...).
// Five attempts in a row with no successful commit between them stop the
// application with the last error.
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
#include "engine/base/histogram.h"
#include "engine/log/log.h"
#include "engine/runtime/compiled_topology.h"
#include "engine/runtime/task.h"

namespace topo::runtime {

struct RunOptions {
  // Stream threads. Default: 1
  int threads = 1;
  // Consumer group and transactional-id prefix. Default: the topology's
  // config.application_id, else its name.
  std::string application_id;
  // 0 = the guarantee's default (100 ms exactly-once, 30 s at-least-once).
  int64_t commit_interval_ms = 0;
  // Records one Poll may return. Default: 2000
  size_t max_poll_records = 2000;
  // Records buffered per input partition before it is paused (Kafka Streams'
  // buffered.records.per.partition). Default: 1000
  size_t max_buffered_records = 1000;
  // Retention/compaction runs (embedded log), the first at Start. 0: never.
  // Default: 30000
  int64_t maintenance_interval_ms = 30000;
  // Random per instance when empty: part of client and transactional ids, so
  // two instances never fence each other.
  std::string instance_id;
  // Called from the stream threads with one line about what happened
  // (partitions assigned or revoked, a fenced thread rejoining). Must be thread-safe.
  std::function<void(const std::string&)> on_event;
};

// Counters of the whole instance, summed over threads and tasks.
struct AppSnapshot {
  uint64_t records_in = 0;
  uint64_t records_out = 0;
  uint64_t errors = 0;  // records that failed at some node (then skipped, dead-lettered or fatal)
  uint64_t skipped = 0;
  uint64_t dead_lettered = 0;
  uint64_t dropped = 0;          // by design (a branch without default), not errors
  HistogramData commit_latency;  // of every commit; its count() is the number of commits
  uint64_t last_commit_latency_us = 0;
  uint64_t rejoins = 0;     // times a thread closed its tasks and rejoined (fenced, log I/O error)
  double process_rate = 0;  // input records/s over the last ~5 s
  int tasks = 0;
  int threads = 0;
  // Threads whose consumer completed a rebalance since it (re)joined the
  // group (possibly owning nothing: more consumers than partitions).
  int threads_joined = 0;
  int paused_partitions = 0;  // back-pressure: buffers full now
  uint64_t pauses = 0;        // times a partition was paused
  // Records processed before a lagging input partition of their task was
  // fetched (possibly out of timestamp order), after waiting 1 s for it.
  uint64_t enforced_processing = 0;
  bool running = false;
  // Per topic: records read (source topics) and written (sinks, dead letters).
  std::map<std::string, uint64_t> topic_in, topic_out;
  // Per source topic: records whose processing failed at some node (the
  // numerator of an error rate; each record counts once).
  std::map<std::string, uint64_t> topic_errors;
  // Per topic written: end-to-end latency, Kafka Streams' record-e2e-latency —
  // the wall-clock time of the write minus the record's timestamp (which an
  // output inherits from its input), to the stream thread's poll-loop clock
  // (a few ms). Records without a timestamp (<= 0) are left out.
  std::map<std::string, HistogramData> topic_e2e_latency;
  // Per node id: received, failed, ... (tasks that moved away keep counting).
  std::map<std::string, NodeMetrics> nodes;
  // Consumer lag per input partition this instance owns: records on the log
  // not yet processed (buffered, or beyond what the consumer fetched, as far
  // as it knows without asking the broker). Updated 4 times a second.
  std::map<log::TopicPartition, int64_t> lag;
};

class Application {
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
  void RequestStop();
  // Waits for every thread; returns the first thread's fatal error, if any.
  Status Wait();
  AppSnapshot Snapshot() const;
  bool exactly_once() const { return exactly_once_; }
  const std::string& application_id() const { return options_.application_id; }

 private:
  class StreamThread;
  Application(std::shared_ptr<const CompiledTopology> topology, log::Log* log, RunOptions options);
  void Event(const std::string& line) const {
    if (options_.on_event) options_.on_event(line);
  }
  void MaintenanceLoop();
  // Waits up to `ms` or until RequestStop; returns whether a stop was requested.
  bool WaitForStop(int64_t ms);

  std::shared_ptr<const CompiledTopology> topology_;
  log::Log* log_;
  RunOptions options_;
  bool exactly_once_ = true;
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
