#pragma once
// The operator contract: how a node of the plan is compiled once and run per task.
//
// Compile time: an OperatorFactory turns a plan node into an immutable
// OperatorSpec (its expressions compiled and type-checked against the types of
// its inputs). Specs are shared by all tasks.
//
// Run time: each task calls OperatorSpec::Instantiate to get its own Operator
// (Kafka Streams' ProcessorSupplier -> Processor). An operator receives a
// Record, and emits zero or more records to the readers of its output ports
// through Emit(). It never knows which backend it runs on.
//
// Lifecycle, driven by the task (engine/runtime/task_state.h):
//   Init(ctx)      once, after every operator of the task is instantiated and
//                  wired, before the first record (stores are open then);
//   Process(r)     per record, only while the task is running;
//   Punctuate(t)   when a timer the operator scheduled is due (stream time or
//                  wall clock), on the task's thread, between records;
//   Flush()        before each commit: write out anything held back (caches),
//                  so the commit covers it;
//   Close()        once, when the task closes (after a last Flush unless the
//                  task is dropped without committing).
//
// Errors: Process returns a non-ok Status for a failure of *this* record at
// *this* node (a bad expression result, a decode error). The task applies the
// node's error policy (fail, skip, dlq, retry). A status returned from Emit()
// belongs to a node downstream whose policy already ran: propagate it unchanged.
//
// Thread-safety: specs are immutable and shared; operators are owned by one task.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/counter.h"
#include "engine/base/status.h"
#include "engine/expr/expr.h"
#include "engine/plan/diagnostic.h"
#include "engine/plan/loader.h"
#include "engine/runtime/record_collector.h"
#include "engine/value/record.h"
#include "topo/plan.pb.h"

namespace topo {
class Codec;
}

namespace topo::runtime {

class NodeRunner;
class TaskContext;
class CompiledTopology;

// Key and value types flowing along an edge, for type-checking expressions.
struct StreamType {
  expr::Type key;
  expr::Type value;
};

// The variables every per-record expression sees, in slot order.
enum RecordSlot : int {
  kSlotKey = 0,
  kSlotValue,
  kSlotHeaders,
  kSlotTimestamp,
  kSlotTopic,
  kSlotPartition,
  kSlotOffset,
  kNumRecordSlots
};

class SourceOperator;

// Why a punctuation fires: the task's stream time or the wall clock passed it.
enum class PunctuationType { kStreamTime, kWallClock };

class Operator {
 public:
  virtual ~Operator() = default;
  virtual Status Init(TaskContext& task) {
    (void)task;
    return Status::Ok();
  }
  virtual Status Process(Record&& record) = 0;
  virtual Status Punctuate(PunctuationType type, int64_t time_ms) {
    (void)type, (void)time_ms;
    return Status::Ok();
  }
  virtual Status Flush() { return Status::Ok(); }
  virtual void Close() {}
  // Non-null for the operators that read topics (engine/runtime/source_operator.h).
  virtual SourceOperator* AsSource() { return nullptr; }

  // Wiring, done once by the task after instantiation.
  void AddReader(int port, NodeRunner* reader);
  // Records this operator dropped by design (e.g. a branch without default);
  // reported with the node's metrics so nothing vanishes uncounted. Any thread.
  uint64_t dropped() const { return dropped_.Get(); }
  // Records this operator passed on: to the next nodes (Emit), or for a sink,
  // written to its topic (CountWritten). Any thread.
  uint64_t out() const { return out_.Get(); }

 protected:
  // Sends a record to every reader of `port` (copies for all but the last reader;
  // Values are copy-on-write, so a copy is cheap).
  Status Emit(Record&& record, int port = 0);
  void CountDropped() { ++dropped_; }
  void CountWritten() { ++out_; }

 private:
  std::vector<std::vector<NodeRunner*>> readers_;  // by port
  Counter dropped_, out_;
};

// A state store an operator needs (State I fills these in): the task opens
// it before Init, and the physical plan gives it a changelog topic.
struct StoreSpec {
  enum class Kind { kKeyValue, kWindow, kSession };
  std::string name;
  Kind kind = Kind::kKeyValue;
  bool changelog = true;  // backed by <app>-<name>-changelog
};

class OperatorSpec {
 public:
  virtual ~OperatorSpec() = default;
  virtual Result<std::unique_ptr<Operator>> Instantiate(TaskContext& task) const = 0;
  // The stores each instance needs. Default: none (a stateless operator).
  virtual std::vector<StoreSpec> Stores() const { return {}; }
  // Whether records of one key must reach this operator in one task: its
  // inputs must be partitioned by the key it reads (a join, an aggregation);
  // the physical plan checks it or inserts a repartition topic. Default: no.
  virtual bool RequiresCopartitionedInput() const { return false; }
  // Output port names; port i is named OutputPorts()[i]. Most operators have one, "".
  virtual std::vector<std::string> OutputPorts() const { return {""}; }
  // The type of records on the output ports.
  StreamType output_type;

  // Projection pushdown (see CompiledTopology::SourceProjection): which parts of
  // the input record's key (slot kSlotKey) or value (kSlotValue) this operator
  // reads. Default: all of it.
  virtual Projection Use(int slot) const {
    (void)slot;
    return Projection::All();
  }
  // Whether output records carry the input's key / value unchanged, so what the
  // readers read of it counts as read from the input too.
  virtual bool Forwards(int slot) const {
    (void)slot;
    return false;
  }
};

// The parts of slot `slot` that `exprs` (null entries ignored) read together.
Projection UseOf(int slot, std::initializer_list<const expr::CompiledExpr*> exprs);

class PhysicalPlan;
struct TopicSpec;

// Everything an operator's compile step may look at, and where it reports problems.
class CompileContext {
 public:
  // `source` locates problems (file, line); `plan` is what runs: the node may
  // be one the user did not write. Both must outlive the context.
  CompileContext(const plan::LoadedTopology& source, const PhysicalPlan& plan, const std::string& node_id,
                 const plan::Node& node, std::vector<StreamType> input_types, plan::Diagnostics* diags,
                 const google::protobuf::DescriptorPool* protos);

  const std::string& node_id() const { return node_id_; }
  const plan::Node& node() const { return node_; }
  // The topology as it runs (the physical plan's: the user's nodes and topics plus internal ones).
  const plan::Topology& topology() const;
  // The spec of a topic the node reads or writes, or nullptr when it is not
  // declared (the graph check reports that). Points into the plan, which
  // outlives every OperatorSpec compiled from it.
  const TopicSpec* topic(const std::string& name) const;
  const std::vector<StreamType>& input_types() const { return input_types_; }
  const google::protobuf::DescriptorPool* protos() const { return protos_; }

  // The record scope (key, value, headers, timestamp, topic, partition, offset)
  // typed from `input`, plus `extra` variables after kNumRecordSlots.
  expr::Scope RecordScope(const StreamType& input, std::vector<expr::Variable> extra = {}) const;
  // Compiles `source` for parameter `param` ("where", "value", ...); reports
  // every compile error as a diagnostic with a caret and returns nullopt.
  std::optional<expr::CompiledExpr> Compile(const std::string& param, const std::string& source,
                                            const expr::Scope& scope);
  // The value type a topic's schema declares (Any when it declares none).
  expr::Type TopicValueType(const std::string& topic) const;
  void Error(const std::string& message);
  bool ok() const { return errors_ == 0; }

 private:
  const plan::LoadedTopology& source_;
  const PhysicalPlan& plan_;
  const std::string& node_id_;
  const plan::Node& node_;
  std::vector<StreamType> input_types_;
  plan::Diagnostics* diags_;
  const google::protobuf::DescriptorPool* protos_;
  int errors_ = 0;
};

// Compiles one node type. Returns nullptr after reporting errors through ctx.
using OperatorFactory = std::shared_ptr<const OperatorSpec> (*)(CompileContext& ctx);

// The operator registry: type name (the plan's op field, e.g. "filter") -> factory.
// operators/ registers the built-in ones (RegisterBuiltinOperators); the engine
// sees operators only through here.
class Registry {
 public:
  static Registry& Global();
  void Register(const std::string& type, OperatorFactory factory);
  OperatorFactory Find(const std::string& type) const;
  std::vector<std::string> Types() const;

 private:
  std::vector<std::pair<std::string, OperatorFactory>> factories_;
};

// Binds a record's fields to expression slots, materialising only the ones the
// compiled expressions use (timestamp, headers... cost a Value each).
class RecordBinder {
 public:
  RecordBinder() = default;
  // Considers every expression the operator evaluates.
  void Use(const expr::CompiledExpr& e);
  // Fills slots[0..kNumRecordSlots) for `record`. The slots point into `record`
  // and into this binder; both must outlive the evaluation.
  void Bind(const Record& record, const Value** slots);

 private:
  bool uses_[kNumRecordSlots] = {};
  Value headers_, timestamp_, topic_, partition_, offset_;
};

}  // namespace topo::runtime
