#pragma once
// CompiledTopology: a loaded topology after validation — the graph, every
// node's compiled OperatorSpec, and the topics with their codecs. Immutable and
// shared by every task that runs it (DESIGN §8: the plan is immutable).
//
// Compile reports *all* problems of a file as diagnostics: the structural ones
// from plan::BuildGraph and the expression/type ones from each operator's
// factory. It returns an error status when there is at least one.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/log/record_size.h"
#include "engine/plan/graph.h"
#include "engine/plan/loader.h"
#include "engine/runtime/operator.h"

namespace topo::runtime {

struct TopicSpec {
  std::string name;
  int32_t partitions = 1;
  std::string key_codec;    // codec spec, "string" by default
  std::string value_codec;  // codec spec, "json" by default
  // The largest record a sink or dead letter may write (engine/log/record_size.h),
  // from config max.message.bytes. Default: 1048588 (Kafka's)
  int64_t max_record_bytes = log::kDefaultMaxMessageBytes;
};

struct CompiledNode {
  std::string id;
  std::string type;
  const plan::Node* proto = nullptr;
  std::shared_ptr<const OperatorSpec> spec;
  int subtopology = 0;
  // Readers of each output port: (child node id, port index in this node's OutputPorts()).
  std::vector<std::pair<std::string, int>> readers;
};

class CompiledTopology {
 public:
  static Result<std::shared_ptr<const CompiledTopology>> Compile(plan::LoadedTopology loaded,
                                                                 plan::Diagnostics* diags);

  const plan::LoadedTopology& loaded() const { return loaded_; }
  const plan::Topology& proto() const { return loaded_.proto; }
  const std::string& name() const { return loaded_.proto.name(); }
  const plan::Graph& graph() const { return graph_; }
  const std::map<std::string, TopicSpec>& topics() const { return topics_; }
  // nullptr when not declared.
  const TopicSpec* topic(const std::string& name) const;
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
  plan::Graph graph_;
  std::map<std::string, TopicSpec> topics_;
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
