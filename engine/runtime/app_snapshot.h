#pragma once
// AppSnapshot: the counters of one running Application (summed over its
// threads and tasks), read for the status line, /metrics and /health.

#include <cstdint>
#include <map>
#include <string>

#include "engine/base/histogram.h"
#include "engine/log/log.h"
#include "engine/runtime/task.h"

namespace topo::runtime {

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
  // Per task (its id, e.g. deal.events_3): its stream time in epoch ms, the
  // highest event time it processed (restored from the commit metadata when
  // the task was created). Tasks that have none yet are left out.
  std::map<std::string, int64_t> stream_time;
};

}  // namespace topo::runtime
