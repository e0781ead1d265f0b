#pragma once
// TestDriver: runs a compiled topology in-process, with no log backend and
// controllable time — the analogue of Kafka Streams' TopologyTestDriver.
//
// Records piped into a source topic are encoded with the topic's codecs (so the
// decode path is exercised), assigned a partition like the Kafka Java client
// would (murmur2 of the key bytes), and processed by the task of that
// (sub-topology, partition) — through the same TaskManager and task code as
// `topo run` (task_manager.h): buffering, event time, lifecycle, collectors.
// Every partition of every source topic is assigned from the start. Everything
// tasks write is kept per topic; records written to a topic another
// sub-topology reads are processed in turn, in the order they were written,
// until nothing is pending.
//
// Thread-safety: single-threaded.

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/base/clock.h"
#include "engine/runtime/compiled_topology.h"
#include "engine/runtime/task.h"
#include "engine/runtime/task_manager.h"

namespace topo::runtime {

class TestDriver {
 public:
  explicit TestDriver(std::shared_ptr<const CompiledTopology> topology, int64_t start_time_ms = 0);
  ~TestDriver();

  // Encodes and pipes one record. timestamp: nullopt = the driver's clock.
  Status Pipe(const std::string& topic, const Value& key, const Value& value,
              std::optional<int64_t> timestamp = std::nullopt, Headers headers = {});
  // Pipes an already-encoded record; its partition is used as given, unless
  // `assign_partition` (then it is derived from the key like a producer would).
  Status PipeRaw(RawRecord raw, bool assign_partition = true, bool from_task = false);

  // Every record written to `topic` (by tasks, or piped in), in write order.
  const std::vector<RawRecord>& Written(const std::string& topic) const;
  // Records tasks wrote (not piped in), per topic, in write order.
  const std::map<std::string, std::vector<RawRecord>>& outputs() const { return outputs_; }
  // Decodes a written record's key/value with its topic's codecs.
  Result<Value> DecodeKey(const RawRecord& r);
  Result<Value> DecodeValue(const RawRecord& r);

  // The partition the Kafka Java producer would choose for `key` on `topic`.
  Result<int32_t> PartitionFor(const std::string& topic, const Value& key);

  ManualClock& clock() { return clock_; }
  // Sum of every task's metrics for node `id`.
  NodeMetrics MetricsFor(const std::string& id) const;
  const CompiledTopology& topology() const { return *topology_; }

 private:
  class Collector;
  struct Codecs;
  Status Drain();
  Codecs& CodecsFor(const std::string& topic);

  std::shared_ptr<const CompiledTopology> topology_;
  ManualClock clock_;
  std::unique_ptr<Collector> collector_;
  std::unique_ptr<TaskManager> tasks_;
  Status assigned_;  // of assigning every partition at construction
  std::map<std::string, std::vector<RawRecord>> written_;
  std::map<std::string, std::vector<int64_t>> next_offset_;  // topic -> per partition
  std::deque<RawRecord> pending_;
  std::map<std::string, std::unique_ptr<Codecs>> codecs_;
  std::map<std::string, std::vector<RawRecord>> outputs_;
  int32_t null_key_partition_ = 0;
  bool draining_ = false;
};

}  // namespace topo::runtime
