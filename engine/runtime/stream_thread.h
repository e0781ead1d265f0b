#pragma once
// StreamThread: one thread of a running Application (Kafka Streams'
// StreamThread) — a consumer in the application's group, a producer
// (transactional under exactly-once), and a TaskManager with the tasks of the
// partitions assigned to it.
//
// Its loop: poll; buffer the records in their tasks (pausing full partitions);
// let the tasks process what they can (resuming drained partitions); every
// commit_interval_ms, commit in two phases when a task is dirty (the
// TaskManager flushes and says what to commit; then the transaction with the
// consumed offsets and their metadata, or flush + offsets under
// at-least-once).
//
// Recovery: a fenced producer or consumer (another instance took the work
// over), lost partitions, or an I/O error of the log (an aborted transaction,
// a failed producer, a lost delivery, a refused commit) closes every task
// without committing, and the thread rejoins the group with a new consumer
// and producer; processing resumes from the committed offsets. Any other error
// (a `fail` policy, a record the log refuses for good: too large, no such
// partition) stops the thread at once — a rejoin would only replay it. A
// rejoin that fails is retried; after the first, each attempt waits twice as
// long (1 s, 2 s, ...). Five rejoins in a row without one successful commit
// point between them (a commit, or a commit interval with nothing to commit)
// stop the application with the last error.
//
// Thread-safety: Init/Start/Join/CloseConsumer from the controlling thread;
// AddTo from any thread.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/base/clock.h"
#include "engine/base/histogram.h"
#include "engine/log/log.h"
#include "engine/runtime/app_snapshot.h"
#include "engine/runtime/compiled_topology.h"
#include "engine/runtime/task_manager.h"

namespace topo::runtime {

struct StreamThreadOptions {
  std::string application_id;  // the consumer group
  std::string instance_id;     // part of client and transactional ids
  int index = 0;               // this thread's number in the instance
  bool exactly_once = true;
  int64_t commit_interval_ms = 100;
  size_t max_poll_records = 2000;  // records one Poll may return
  TaskManagerOptions tasks;
  const Clock* clock = nullptr;  // never null when the thread starts
  // The log's own record-size limits per topic (TaskContext::RecordLimit).
  const std::map<std::string, int64_t>* record_limits = nullptr;
};

// What a thread needs from the instance that runs it.
class StreamThreadOwner {
 public:
  virtual ~StreamThreadOwner() = default;
  virtual bool stopping() const = 0;
  // Waits up to `ms` or until a stop is requested; returns whether one was.
  virtual bool WaitForStop(int64_t ms) = 0;
  virtual void RequestStop() = 0;
  virtual void Event(const std::string& line) const = 0;
};

class StreamThread final : public log::RebalanceListener, public RecordCollector {
 public:
  StreamThread(std::shared_ptr<const CompiledTopology> topology, log::Log* log, StreamThreadOptions options,
               StreamThreadOwner* owner);
  ~StreamThread() override;

  // Creates the consumer and producer and subscribes (again, after a rejoin);
  // on failure the thread has neither.
  Status Init();
  void Start();
  // The thread's result: ok after a graceful stop.
  Status Join();
  // Leaves the group. Idempotent; after every thread made its final commit (a
  // member leaving starts a rebalance, during which the group refuses the
  // other threads' commits).
  void CloseConsumer();
  // Adds this thread's counters.
  void AddTo(AppSnapshot* s) const;

  // RecordCollector: a task's outputs, to the producer.
  Status Send(RawRecord record) override;
  // log::RebalanceListener.
  void OnAssigned(const std::vector<log::TopicPartition>& added) override;
  void OnRevoked(const std::vector<log::TopicPartition>& removed) override;
  void OnLost(const std::vector<log::TopicPartition>& lost) override;

 private:
  Status Run();
  Status Step(bool* more);
  Status Commit();
  Status Rejoin(const Status& cause);
  void SetError(const Status& s) {
    if (!s.ok() && error_.ok()) error_ = s;
  }
  std::string Name() const { return "thread " + std::to_string(options_.index); }

  std::shared_ptr<const CompiledTopology> topology_;
  log::Log* log_;
  StreamThreadOptions options_;
  StreamThreadOwner* owner_;
  const Clock& clock_;
  std::unique_ptr<log::Consumer> consumer_;
  std::unique_ptr<log::Producer> producer_;
  // Kept across rejoins (it closes its tasks), so its counters keep counting.
  std::unique_ptr<TaskManager> tasks_;
  std::thread thread_;
  bool consumer_closed_ = false;
  bool rejoining_ = false;
  std::atomic<bool> joined_{false};  // its consumer completed a rebalance since it (re)joined
  Status result_;
  Status error_;  // from rebalance callbacks, surfaced by the loop
  std::vector<RawRecord> batch_;
  int rejoins_without_commit_ = 0;
  int64_t lag_refreshed_ms_ = 0;
  int64_t now_ms_ = 0;  // wall clock, read once per poll-process round (Step)

  struct OutputCounters {
    Counter written;
    Histogram e2e_latency;
  };
  // Guards the maps below (not the counters) against AddTo.
  mutable std::mutex mu_;
  std::map<std::string, OutputCounters> topic_out_;
  std::map<log::TopicPartition, int64_t> lag_;  // see AppSnapshot::lag
  std::string out_topic_;                       // Send's cache
  OutputCounters* out_counters_ = nullptr;
  Counter records_out_, rejoins_;
  Histogram commit_latency_;
  std::atomic<int64_t> last_commit_latency_us_{0};
};

}  // namespace topo::runtime
