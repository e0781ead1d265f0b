#include "engine/plan/graph.h"

#include <algorithm>
#include <deque>

#include "engine/base/suggest.h"

namespace topo::plan {

std::string NodeType(const Node& node) {
  if (node.op_case() == Node::OP_NOT_SET) return "";
  return node.GetDescriptor()->FindFieldByNumber(node.op_case())->name();
}

std::pair<std::string, std::string> SplitInput(const Topology& topology, const std::string& ref) {
  if (topology.nodes().count(ref)) return {ref, ""};
  auto dot = ref.rfind('.');
  if (dot != std::string::npos) {
    std::string base = ref.substr(0, dot);
    auto it = topology.nodes().find(base);
    if (it != topology.nodes().end() && it->second.has_branch()) return {base, ref.substr(dot + 1)};
  }
  return {ref, ""};
}

namespace {

// Sorted, so names passed to DidYouMean (where the first of equally close
// candidates wins) come in the same order on every run.
std::vector<std::string> Keys(const auto& map) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : map) keys.push_back(k);
  std::sort(keys.begin(), keys.end());  // protobuf maps iterate in no fixed order
  return keys;
}

struct UnionFind {
  std::map<std::string, std::string> parent;
  std::string Find(const std::string& x) {
    auto it = parent.find(x);
    if (it == parent.end() || it->second == x) return parent[x] = x;
    return it->second = Find(it->second);
  }
  void Union(const std::string& a, const std::string& b) { parent[Find(a)] = Find(b); }
};

// The cycles among `nodes` (sorted ids): strongly connected components with
// more than one node, or one node that reads itself; each sorted, in order of
// their first node. Tarjan's algorithm with an explicit stack, so a long chain
// cannot overflow the native one.
std::vector<std::vector<std::string>> Cycles(const std::vector<std::string>& nodes,
                                             const std::map<std::string, std::vector<Edge>>& children) {
  std::map<std::string, int> index_of;
  for (size_t i = 0; i < nodes.size(); ++i) index_of[nodes[i]] = static_cast<int>(i);
  std::vector<std::vector<int>> out(nodes.size());
  std::vector<bool> self_loop(nodes.size(), false);
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto it = children.find(nodes[i]);
    if (it == children.end()) continue;
    for (const auto& e : it->second) {
      auto c = index_of.find(e.child);
      if (c == index_of.end()) continue;
      out[i].push_back(c->second);
      if (c->second == static_cast<int>(i)) self_loop[i] = true;
    }
  }
  const int n = static_cast<int>(nodes.size());
  std::vector<int> index(n, -1), low(n, 0);
  std::vector<bool> on_stack(n, false);
  std::vector<int> stack;
  std::vector<std::pair<int, size_t>> calls;  // (node, next edge to follow)
  std::vector<std::vector<std::string>> cycles;
  int next_index = 0;
  for (int root = 0; root < n; ++root) {
    if (index[root] >= 0) continue;
    calls.push_back({root, 0});
    while (!calls.empty()) {
      auto& [v, edge] = calls.back();
      if (edge == 0 && index[v] < 0) {
        index[v] = low[v] = next_index++;
        stack.push_back(v);
        on_stack[v] = true;
      }
      if (edge < out[v].size()) {
        int w = out[v][edge++];
        if (index[w] < 0) {
          calls.push_back({w, 0});
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      if (low[v] == index[v]) {
        std::vector<std::string> component;
        int w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = false;
          component.push_back(nodes[w]);
        } while (w != v);
        if (component.size() > 1 || self_loop[v]) {
          std::sort(component.begin(), component.end());
          cycles.push_back(std::move(component));
        }
      }
      const int done = v;
      calls.pop_back();
      if (!calls.empty()) low[calls.back().first] = std::min(low[calls.back().first], low[done]);
    }
  }
  std::sort(cycles.begin(), cycles.end());
  return cycles;
}

}  // namespace

Graph BuildGraph(const LoadedTopology& lt, Diagnostics* diags) { return BuildGraph(lt, lt.proto, diags); }

Graph BuildGraph(const LoadedTopology& lt, const Topology& t, Diagnostics* diags) {
  auto error = [&](const std::string& node, std::string msg) {
    diags->push_back({lt.file, node.empty() ? 0 : lt.NodeLine(node), node, std::move(msg)});
  };
  const std::vector<std::string> node_ids = Keys(t.nodes());
  const std::vector<std::string> topic_names = Keys(t.topics());
  auto check_topic = [&](const std::string& node, const std::string& topic, const char* role) {
    if (!t.topics().count(topic)) {
      error(node, std::string(role) + " topic '" + topic + "' is not declared in topics" +
                      DidYouMean(topic, topic_names));
      return false;
    }
    return true;
  };

  Graph g;
  if (t.nodes().empty()) error("", "topology '" + t.name() + "' has no nodes");
  std::map<std::string, int> indegree;
  UnionFind uf;
  std::map<std::string, std::string> first_reader;  // topic -> first source node reading it
  // Iterate in id order: protobuf maps have no fixed order, and diagnostics
  // and edge order must not change from run to run.
  for (const auto& id : node_ids) {
    indegree[id] = 0;
    uf.Find(id);
  }
  for (const auto& id : node_ids) {
    const Node& node = t.nodes().at(id);
    const std::string type = NodeType(node);
    if (type.empty()) {
      error(id, "node has no operator: build it with a topo.libsonnet constructor such as topo.filter(...)");
      continue;
    }
    if (node.has_source()) {
      if (node.inputs_size() > 0) error(id, "a source reads topics, not nodes");
      for (const auto& topic : node.source().topics()) {
        check_topic(id, topic, "source");
        // Every reader of a topic joins one sub-topology (as in Kafka Streams):
        // then each input partition belongs to exactly one task.
        auto [first, fresh] = first_reader.emplace(topic, id);
        if (!fresh) uf.Union(first->second, id);
      }
    } else if (node.inputs_size() == 0) {
      error(id, type + " has no input");
    }
    if (node.has_sink()) check_topic(id, node.sink().topic(), "sink");
    // Dead-letter topics anywhere in the node's error policy must be declared too.
    for (const ErrorPolicy* p = &node.on_error(); p != nullptr;) {
      if (p->has_dlq()) check_topic(id, p->dlq(), "dead-letter");
      p = p->has_retry() ? &p->retry().then() : nullptr;
    }
    for (const auto& ref : node.inputs()) {
      auto [parent, port] = SplitInput(t, ref);
      auto pit = t.nodes().find(parent);
      if (pit == t.nodes().end()) {
        error(id, "input '" + ref + "' does not exist" + DidYouMean(ref, node_ids));
        continue;
      }
      if (pit->second.has_sink()) {
        error(id, "input '" + ref + "' is a sink; read its topic with topo.source('" +
                      pit->second.sink().topic() + "') instead");
        continue;
      }
      if (!port.empty()) {
        const Branch& b = pit->second.branch();
        if (!b.cases().count(port) && !(port == "default" && b.default_())) {
          std::vector<std::string> ports = Keys(b.cases());
          if (b.default_()) ports.push_back("default");
          error(id, "branch '" + parent + "' has no output '" + port + "'" + DidYouMean(port, ports));
          continue;
        }
      } else if (pit->second.has_branch()) {
        error(id, "input '" + ref + "' is a branch: read one of its outputs, e.g. '" + ref + "." +
                      (pit->second.branch().cases().empty() ? "default"
                                                            : pit->second.branch().cases().begin()->first) +
                      "'");
        continue;
      }
      g.children[parent].push_back({id, port});
      indegree[id]++;
      uf.Union(parent, id);
    }
  }

  // Kahn's algorithm; whatever is left over sits on a cycle.
  std::deque<std::string> ready;
  for (const auto& [id, d] : indegree)
    if (d == 0) ready.push_back(id);
  std::map<std::string, int> remaining = indegree;
  while (!ready.empty()) {
    std::string id = ready.front();
    ready.pop_front();
    g.order.push_back(id);
    for (const auto& e : g.children[id])
      if (--remaining[e.child] == 0) ready.push_back(e.child);
  }
  if (g.order.size() < t.nodes().size()) {
    // What is left sits on a cycle or downstream of one: report each cycle (a
    // strongly connected component) once, naming only its own nodes.
    std::vector<std::string> left;
    for (const auto& [id, d] : remaining)
      if (d > 0) left.push_back(id);
    for (const auto& cycle : Cycles(left, g.children)) {
      if (cycle.size() == 1) {
        error(cycle[0],
              "cycle: the node reads its own output (feed a node's output back through a topic instead)");
        continue;
      }
      std::string members;
      for (const auto& id : cycle) members += (members.empty() ? "" : ", ") + id;
      error(cycle[0],
            "cycle between nodes: " + members + " (feed a node's output back through a topic instead)");
    }
    for (const auto& id : left) g.order.push_back(id);  // keep them for describe
  }

  // Sub-topologies: connected components, each named after its first source
  // topic and ordered by name, so no edit elsewhere renames one.
  std::map<std::string, size_t> root_to_sub;
  for (const auto& id : g.order) {
    auto [it, inserted] = root_to_sub.emplace(uf.Find(id), g.subtopologies.size());
    if (inserted) g.subtopologies.emplace_back();
    Subtopology& sub = g.subtopologies[it->second];
    sub.nodes.push_back(id);
    const Node& node = t.nodes().at(id);
    if (node.has_source())
      for (const auto& topic : node.source().topics())
        if (std::find(sub.source_topics.begin(), sub.source_topics.end(), topic) == sub.source_topics.end())
          sub.source_topics.push_back(topic);
    if (node.has_sink() && std::find(sub.sink_topics.begin(), sub.sink_topics.end(), node.sink().topic()) ==
                               sub.sink_topics.end())
      sub.sink_topics.push_back(node.sink().topic());
  }
  for (auto& sub : g.subtopologies) {
    sub.name = sub.source_topics.empty()
                   ? "<" + *std::min_element(sub.nodes.begin(), sub.nodes.end()) + ">"
                   : *std::min_element(sub.source_topics.begin(), sub.source_topics.end());
  }
  std::sort(g.subtopologies.begin(), g.subtopologies.end(),
            [](const Subtopology& a, const Subtopology& b) { return a.name < b.name; });
  for (size_t i = 0; i < g.subtopologies.size(); ++i) {
    Subtopology& sub = g.subtopologies[i];
    sub.id = static_cast<int>(i);
    for (const auto& id : sub.nodes) g.subtopology_of[id] = sub.id;
  }
  for (const auto& sub : g.subtopologies)
    for (const auto& topic : sub.source_topics) g.reader_of_topic[topic] = sub.id;
  return g;
}

int Graph::SubtopologyReading(const std::string& topic) const {
  auto it = reader_of_topic.find(topic);
  return it == reader_of_topic.end() ? -1 : it->second;
}

const Subtopology* Graph::SubtopologyNamed(std::string_view name) const {
  auto it = std::lower_bound(subtopologies.begin(), subtopologies.end(), name,
                             [](const Subtopology& s, std::string_view n) { return s.name < n; });
  return it != subtopologies.end() && it->name == name ? &*it : nullptr;
}

}  // namespace topo::plan
