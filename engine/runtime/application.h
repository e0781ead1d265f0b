#pragma once
// Application: one running instance of a topology on a Log — the analogue of a
// KafkaStreams instance. It creates/checks the topology's topics, starts N
// stream threads that share the input partitions through one consumer group
// (the application id), and stops them gracefully.
//
// Each StreamThread owns a consumer and a producer. Partitions assigned to it
// become tasks (sub-topology x partition, DESIGN §4); records are pushed through
// the task's operators and outputs go to the producer. Every
// commit_interval_ms the thread commits:
//   exactly_once:  the producer's transaction, with the consumed offsets inside
//                  it (EOS v2) — outputs and progress become visible together.
//   at_least_once: flush the producer, then commit the consumed offsets.
// A task error under the `fail` policy aborts the open transaction (nothing of
// the failing batch becomes visible) and stops the application with the error,
// which names the node and the input's topic/partition/offset.
//
// Thread-safety: Start/RequestStop/Wait from one controlling thread;
// Snapshot() from any thread.

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/base/clock.h"
#include "engine/log/log.h"
#include "engine/runtime/compiled_topology.h"

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
};

// Counters of the whole instance, summed over threads and tasks.
struct AppSnapshot {
  uint64_t records_in = 0;
  uint64_t records_out = 0;
  uint64_t errors = 0;  // records that failed at some node (then skipped, dead-lettered or fatal)
  uint64_t skipped = 0;
  uint64_t dead_lettered = 0;
  uint64_t dropped = 0;  // by design (a branch without default), not errors
  uint64_t commits = 0;
  int tasks = 0;
  bool running = false;
  // Per node id: records received, sorted by node id (tasks that moved away
  // keep counting).
  std::vector<std::pair<std::string, uint64_t>> node_in;
  // Per input partition this instance processed: the position of the next
  // record to read, as of the last commit (for consumer lag: EndOffset - it).
  log::OffsetMap positions;
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
  // Asks every thread to commit what it processed and stop.
  void RequestStop();
  // Waits for every thread; returns the first thread's fatal error, if any.
  Status Wait();
  AppSnapshot Snapshot() const;
  bool exactly_once() const { return exactly_once_; }
  const std::string& application_id() const { return options_.application_id; }

 private:
  class StreamThread;
  Application(std::shared_ptr<const CompiledTopology> topology, log::Log* log, RunOptions options);
  // The sub-topologies that read `topic` (a topic may feed several).
  const std::vector<int>& SubtopologiesReading(const std::string& topic) const;

  std::shared_ptr<const CompiledTopology> topology_;
  log::Log* log_;
  RunOptions options_;
  bool exactly_once_ = true;
  std::string process_id_;  // random per instance: client and transactional ids
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<StreamThread>> threads_;
};

}  // namespace topo::runtime
