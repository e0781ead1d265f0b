#pragma once
// CompiledTopology: a loaded topology after validation — its physical plan
// (every topic's TopicSpec, the nodes as they run, the sub-topologies), every
// node's compiled OperatorSpec, and the readers wired by port. Immutable and
// shared by every task that runs it (DESIGN §8: the plan is immutable).
//
// Compile reports *all* problems of a file as diagnostics: the topics' and the
// structural ones from the physical plan (plan::BuildGraph inside it) and the
// expression/type ones from each operator's factory. It returns an error
// status when there is at least one.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/log/log.h"
#include "engine/plan/graph.h"
#include "engine/plan/loader.h"
#include "engine/runtime/operator.h"
#include "engine/runtime/physical_plan.h"

namespace topo::runtime {

struct CompiledNode {
  std::string id;
  std::string type;
  // The node in the physical plan (owned by the CompiledTopology): the user's
  // node as written, or one a step added (PhysicalPlan::IsInternalNode).
  const plan::Node* proto = nullptr;
  std::shared_ptr<const OperatorSpec> spec;
  int subtopology = 0;
  // Readers of each output port: (child node id, port index in this node's OutputPorts()).
  std::vector<std::pair<std::string, int>> readers;
};

// A step that edits the physical plan before any node is compiled: it adds
// internal topics and nodes (physical_plan.h says how). None runs by default
// yet; repartition, changelog and retry topics will be such steps.
using PlanPass = std::function<Status(PhysicalPlan& plan)>;

class CompiledTopology {
 public:
  // Builds the physical plan, runs `passes` on it in order (when the user's
  // plan has no problems so far; a pass's error is a problem of the file),
  // splits it again, and compiles every node against the result.
  static Result<std::shared_ptr<const CompiledTopology>> Compile(plan::LoadedTopology loaded,
                                                                 plan::Diagnostics* diags,
                                                                 const std::vector<PlanPass>& passes = {});

  const plan::LoadedTopology& loaded() const { return loaded_; }
  // The user's plan as written (describe's JSON shows it; config and tests live here).
  const plan::Topology& proto() const { return loaded_.proto; }
  const std::string& name() const { return loaded_.proto.name(); }
  const PhysicalPlan& physical() const { return physical_; }
  // The physical plan's sub-topologies (its nodes, user and internal).
  const plan::Graph& graph() const { return physical_.graph(); }
  // Every topic, user and internal, by name.
  const std::map<std::string, TopicSpec>& topics() const { return physical_.topics(); }
  // nullptr when not declared.
  const TopicSpec* topic(const std::string& name) const { return physical_.topic(name); }
  // What the application passes to Log::EnsureTopics: every topic, sorted by name.
  std::vector<log::TopicConfig> TopicConfigs() const { return physical_.TopicConfigs(); }
  // Nodes in topological order.
  const std::vector<CompiledNode>& nodes() const { return nodes_; }
  const CompiledNode* node(const std::string& id) const;
  const google::protobuf::DescriptorPool* protos() const { return protos_; }

  // Codecs for a declared topic (or an override spec); each task makes its own.
  Result<std::unique_ptr<Codec>> MakeCodec(const std::string& spec) const;

  // What the nodes downstream of source node `id` read of its records' keys
  // (slot kSlotKey) or values (kSlotValue), following every reader that
  // forwards it unchanged (filter, branch, merge, map of the other part...)
  // until one replaces it (map, rekey, flatMap) or writes it (sink). The source
  // decodes only that — nothing, for a key nobody reads. All() for unknown ids.
  const Projection& SourceProjection(const std::string& id, int slot) const;

  // Warnings that do not fail validation (e.g. features accepted but not yet run).
  const std::vector<plan::Diagnostic>& warnings() const { return warnings_; }

 private:
  explicit CompiledTopology(plan::LoadedTopology loaded) : loaded_(std::move(loaded)) {}
  plan::LoadedTopology loaded_;
  PhysicalPlan physical_;
  std::vector<CompiledNode> nodes_;
  std::map<std::string, size_t> node_index_;
  const google::protobuf::DescriptorPool* protos_ = nullptr;
  std::vector<plan::Diagnostic> warnings_;
  Projection ReadOf(const CompiledNode& source, int slot) const;
  std::map<std::string, std::pair<Projection, Projection>> source_projections_;  // id -> (key, value)
};

// The protobuf schemas compiled into the binary from proto/ (process-wide, built once).
const google::protobuf::DescriptorPool* EmbeddedProtos();

}  // namespace topo::runtime
