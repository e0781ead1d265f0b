#pragma once
// Graph: the structure of a loaded topology — edges between nodes, a
// topological order, and the split into sub-topologies (connected groups of
// nodes, where sources of the same topic count as connected; topics are the
// only links between groups, as in Kafka Streams).
//
// BuildGraph checks everything structural and reports each problem as a
// Diagnostic (all of them, not just the first): inputs that do not exist,
// cycles, undeclared source/sink/dead-letter topics, branch outputs that do not
// exist, and sources of one sub-topology with different partition counts.

#include <map>
#include <string>
#include <vector>

#include "engine/plan/diagnostic.h"
#include "engine/plan/loader.h"

namespace topo::plan {

// The operator type of a node: the name of its `op` field ("filter", "flat_map", ...).
std::string NodeType(const Node& node);

struct Edge {
  std::string child;
  std::string port;  // "" for a plain output; a branch's case name or "default"
};

struct Subtopology {
  int id = 0;
  std::vector<std::string> nodes;  // topological order
  std::vector<std::string> source_topics;
  std::vector<std::string> sink_topics;
  int32_t partitions = 1;  // of its source topics (one task per partition)
};

struct Graph {
  std::vector<std::string> order;                     // all nodes, inputs before their readers
  std::map<std::string, std::vector<Edge>> children;  // node id -> readers
  std::vector<Subtopology> subtopologies;
  std::map<std::string, int> subtopology_of;  // node id -> subtopology id

  // The sub-topology that reads `topic`, or -1 when none does. All sources of a
  // topic are in one sub-topology, so an input partition feeds exactly one task.
  int SubtopologyReading(const std::string& topic) const;
  std::map<std::string, int> reader_of_topic;  // filled by BuildGraph
};

// Builds the graph; appends every structural problem to *diags. The graph is
// usable for describe even when there are problems (bad edges are left out).
Graph BuildGraph(const LoadedTopology& topology, Diagnostics* diags);

// Splits an input reference "b.case" into (node, port) when `b` is a branch
// node; otherwise returns (ref, "").
std::pair<std::string, std::string> SplitInput(const Topology& topology, const std::string& ref);

}  // namespace topo::plan
