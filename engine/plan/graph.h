#pragma once
// Graph: the structure of a loaded topology — edges between nodes, a
// topological order, and the split into sub-topologies (connected groups of
// nodes, where sources of the same topic count as connected; topics are the
// only links between groups, as in Kafka Streams).
//
// Sub-topologies are identified by a name derived from what the user wrote —
// the alphabetically first topic they read — not by position, so adding,
// removing or renaming a node elsewhere never renames an existing
// sub-topology or its tasks (plan/task_id.h), whose ids name state
// directories and changelog checkpoints.
//
// BuildGraph checks everything structural and reports each problem as a
// Diagnostic (all of them, not just the first): inputs that do not exist,
// cycles, undeclared source/sink/dead-letter topics, and branch outputs that
// do not exist. What depends on topics' settings — their partition counts
// (co-partitioning), codecs, retention — is the physical plan's
// (engine/runtime/physical_plan.h), which splits its own nodes with BuildGraph.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/plan/diagnostic.h"
#include "engine/plan/loader.h"
#include "engine/plan/task_id.h"

namespace topo::plan {

// The operator type of a node: the name of its `op` field ("filter", "flat_map", ...).
std::string NodeType(const Node& node);

struct Edge {
  std::string child;
  std::string port;  // "" for a plain output; a branch's case name or "default"
};

struct Subtopology {
  // The stable id: the alphabetically first of its source topics. Unique,
  // since every reader of a topic is in one sub-topology. (Only a plan with
  // errors has a sub-topology without a source; it is named "<first node id>".)
  std::string name;
  // The index of this sub-topology in Graph::subtopologies, which are ordered
  // by name: valid in this plan only, and it shifts when a sub-topology with a
  // smaller name appears. Never store it, and never show it as an identity;
  // use `name` and TaskId.
  int id = 0;
  std::vector<std::string> nodes;  // topological order
  std::vector<std::string> source_topics;
  std::vector<std::string> sink_topics;
  // Of its source topics: one task per partition. Set by the physical plan
  // from their TopicSpecs; BuildGraph alone leaves 1.
  int32_t partitions = 1;

  // The id of this sub-topology's task for `partition`.
  TaskId Task(int32_t partition) const { return {name, partition}; }
};

struct Graph {
  std::vector<std::string> order;                     // all nodes, inputs before their readers
  std::map<std::string, std::vector<Edge>> children;  // node id -> readers
  std::vector<Subtopology> subtopologies;             // ordered by name
  std::map<std::string, int> subtopology_of;          // node id -> Subtopology::id (an index)

  // The sub-topology that reads `topic`, or -1 when none does. All sources of a
  // topic are in one sub-topology, so an input partition feeds exactly one task.
  int SubtopologyReading(const std::string& topic) const;
  std::map<std::string, int> reader_of_topic;  // filled by BuildGraph
  // The sub-topology with stable name `name` (a TaskId's), or nullptr.
  const Subtopology* SubtopologyNamed(std::string_view name) const;
};

// Builds the graph of `topology` (the nodes, and the topics they may use);
// appends every structural problem to *diags, located in `source`'s file. The
// graph is usable for describe even when there are problems (bad edges are
// left out). `topology` is the user's own (source.proto) or a physical plan's,
// which may hold nodes and topics the user did not write.
Graph BuildGraph(const LoadedTopology& source, const Topology& topology, Diagnostics* diags);
// The graph of the user's own topology.
Graph BuildGraph(const LoadedTopology& topology, Diagnostics* diags);

// Splits an input reference "b.case" into (node, port) when `b` is a branch
// node; otherwise returns (ref, "").
std::pair<std::string, std::string> SplitInput(const Topology& topology, const std::string& ref);

}  // namespace topo::plan
