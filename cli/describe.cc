// topo describe FILE --format text|mermaid|dot|json: the compiled graph.
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "cli/common.h"
#include "cli/topic_text.h"

namespace topo::cli {

namespace {

// The parameters worth showing for a node: (name, text).
std::vector<std::pair<std::string, std::string>> Params(const plan::Node& n) {
  std::vector<std::pair<std::string, std::string>> p;
  auto add = [&](const std::string& k, const std::string& v) {
    if (!v.empty()) p.emplace_back(k, v);
  };
  switch (n.op_case()) {
    case plan::Node::kSource: add("timestamp", n.source().timestamp()); break;
    case plan::Node::kFilter: add("where", n.filter().where()); break;
    case plan::Node::kMap:
      add("key", n.map().key());
      add("value", n.map().value());
      break;
    case plan::Node::kFlatMap:
      add("items", n.flat_map().items());
      add("key", n.flat_map().key());
      add("value", n.flat_map().value());
      break;
    case plan::Node::kBranch: {
      std::map<std::string, std::string> cases(n.branch().cases().begin(), n.branch().cases().end());
      for (const auto& [k, v] : cases) add("case " + k, v);
      if (!n.branch().default_()) add("default", "dropped (counted)");
      break;
    }
    case plan::Node::kRekey: add("key", n.rekey().key()); break;
    case plan::Node::kSink:
      add("key", n.sink().key());
      add("value", n.sink().value());
      add("partition", n.sink().partition());
      break;
    default: break;
  }
  const auto& e = n.on_error();
  if (e.has_skip()) add("onError", "skip");
  if (e.has_dlq()) add("onError", "dlq " + e.dlq());
  if (e.has_retry()) {
    std::string d;
    for (const auto& x : e.retry().delays()) d += (d.empty() ? "" : ",") + x;
    add("onError",
        "retry [" + d + "]" + (e.retry().then().has_dlq() ? " then dlq " + e.retry().then().dlq() : ""));
  }
  return p;
}

std::vector<std::string> DeadLetterTopics(const plan::Node& n) {
  std::vector<std::string> out;
  for (const plan::ErrorPolicy* p = &n.on_error(); p; p = p->has_retry() ? &p->retry().then() : nullptr)
    if (p->has_dlq()) out.push_back(p->dlq());
  return out;
}

std::string Id(const std::string& s) {  // mermaid/dot-safe identifier
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

std::string Esc(const std::string& s) {  // for quoted labels
  std::string out;
  for (char c : s) {
    if (c == '"')
      out += "#quot;";
    else
      out += c;
  }
  return out;
}

// "deal.events_0 .. deal.events_11": a sub-topology's task ids (plan/task_id.h).
std::string TaskRange(const plan::Subtopology& sub) {
  std::string first = sub.Task(0).ToString();
  return sub.partitions == 1 ? first : first + " .. " + sub.Task(sub.partitions - 1).ToString();
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The dead-letter topics the nodes of `sub` write, in node order, once each.
std::vector<std::string> DeadLetterTopics(const runtime::CompiledTopology& t, const plan::Subtopology& sub) {
  std::vector<std::string> out;
  for (const auto& id : sub.nodes)
    for (const auto& d : DeadLetterTopics(*t.node(id)->proto))
      if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
  return out;
}

void Text(const runtime::CompiledTopology& t) {
  const auto& cfg = t.proto().config();
  std::printf("Topology %s  (guarantee: %s)\n\n", t.name().c_str(),
              cfg.guarantee().empty() ? "exactly_once" : cfg.guarantee().c_str());
  std::printf("Topics:\n");
  int width = 0;
  bool any_internal = false;
  for (const auto& [name, ts] : t.topics()) {
    width = std::max(width, static_cast<int>(name.size()));
    any_internal = any_internal || ts.internal();
  }
  for (const auto& [name, ts] : t.topics())
    if (!ts.internal()) PrintTopicSpec(ts, width);
  for (const auto& sub : t.graph().subtopologies) {
    std::printf("\nSub-topology %s  (%d task%s: %s)\n", sub.name.c_str(), sub.partitions,
                sub.partitions == 1 ? "" : "s", TaskRange(sub).c_str());
    std::printf("  reads:  %s\n", Joined(sub.source_topics).c_str());
    if (!sub.sink_topics.empty()) std::printf("  writes: %s\n", Joined(sub.sink_topics).c_str());
    if (auto dead = DeadLetterTopics(t, sub); !dead.empty())
      std::printf("  dead letters: %s\n", Joined(dead).c_str());
    for (const auto& id : sub.nodes) {
      const auto* cn = t.node(id);
      const plan::Node& n = *cn->proto;
      std::string extra;
      if (n.has_source())
        for (const auto& s : n.source().topics()) extra += (extra.empty() ? " <- " : ", ") + s;
      if (n.has_sink()) extra = " -> topic " + n.sink().topic();
      if (t.physical().IsInternalNode(id)) extra += "  (internal)";
      std::printf("  %s  [%s]%s\n", id.c_str(), cn->type.c_str(), extra.c_str());
      for (const auto& [k, v] : Params(n)) std::printf("      %s: %s\n", k.c_str(), v.c_str());
      std::vector<std::string> ports = cn->spec ? cn->spec->OutputPorts() : std::vector<std::string>{""};
      for (const auto& [child, port] : cn->readers) {
        std::string p = ports[port].empty() ? "" : "." + ports[port];
        std::printf("      %s -> %s\n", p.empty() ? "" : p.c_str(), child.c_str());
      }
    }
  }
  std::printf("\nInternal topics:%s\n", any_internal ? "" : " (none)");
  for (const auto& [name, ts] : t.topics())
    if (ts.internal()) PrintTopicSpec(ts, width);
}

// One edge of the drawn graph, shared by the mermaid and dot renderers.
struct DrawnEdge {
  enum class Kind { kTopicToNode, kNodeToTopic, kDeadLetter, kNodeToNode } kind;
  std::string from, to, label;  // label: a branch output, or empty
};

// Every edge of the graph, and (in *topics) every topic an edge touches.
std::vector<DrawnEdge> Edges(const runtime::CompiledTopology& t, std::set<std::string>* topics) {
  using K = DrawnEdge::Kind;
  std::vector<DrawnEdge> edges;
  for (const auto& cn : t.nodes()) {
    const plan::Node& n = *cn.proto;
    if (n.has_source())
      for (const auto& s : n.source().topics()) edges.push_back({K::kTopicToNode, s, cn.id, ""});
    if (n.has_sink()) edges.push_back({K::kNodeToTopic, cn.id, n.sink().topic(), ""});
    for (const auto& d : DeadLetterTopics(n)) edges.push_back({K::kDeadLetter, cn.id, d, ""});
    std::vector<std::string> ports = cn.spec ? cn.spec->OutputPorts() : std::vector<std::string>{""};
    for (const auto& [child, port] : cn.readers) edges.push_back({K::kNodeToNode, cn.id, child, ports[port]});
  }
  for (const auto& e : edges) {
    if (e.kind == K::kTopicToNode) topics->insert(e.from);
    if (e.kind == K::kNodeToTopic || e.kind == K::kDeadLetter) topics->insert(e.to);
  }
  return edges;
}

void Mermaid(const runtime::CompiledTopology& t) {
  using K = DrawnEdge::Kind;
  std::printf("flowchart LR\n");
  // S<index>: an identifier inside the drawing only; the label shows the stable name.
  for (const auto& sub : t.graph().subtopologies) {
    std::printf("  subgraph S%d[\"sub-topology %s (%d tasks)\"]\n", sub.id, Esc(sub.name).c_str(),
                sub.partitions);
    for (const auto& id : sub.nodes)
      std::printf("    N_%s[\"%s<br/><i>%s</i>\"]\n", Id(id).c_str(), Esc(id).c_str(),
                  t.node(id)->type.c_str());
    std::printf("  end\n");
  }
  std::set<std::string> topics;
  for (const auto& e : Edges(t, &topics)) {
    const std::string from = (e.kind == K::kTopicToNode ? "T_" : "N_") + Id(e.from);
    const std::string to = (e.kind == K::kNodeToTopic || e.kind == K::kDeadLetter ? "T_" : "N_") + Id(e.to);
    const char* arrow = e.kind == K::kDeadLetter ? "-. on error .->" : "-->";
    std::string label = e.label.empty() ? "" : "|" + Esc(e.label) + "|";
    std::printf("  %s %s%s %s\n", from.c_str(), arrow, label.c_str(), to.c_str());
  }
  for (const auto& s : topics) std::printf("  T_%s[(\"%s\")]\n", Id(s).c_str(), Esc(s).c_str());
  if (!topics.empty()) {
    std::string list;
    for (const auto& s : topics) list += (list.empty() ? "" : ",") + ("T_" + Id(s));
    std::printf("  class %s kafka;\n", list.c_str());
    std::printf("  classDef kafka fill:#f2f9ff,stroke:#7aa7ff,color:#1c3d7a;\n");
  }
}

void Dot(const runtime::CompiledTopology& t) {
  using K = DrawnEdge::Kind;
  std::printf("digraph \"%s\" {\n  rankdir=LR;\n", t.name().c_str());
  for (const auto& sub : t.graph().subtopologies) {
    std::printf("  subgraph cluster_%d {\n    label=\"sub-topology %s (%d tasks)\";\n", sub.id,
                sub.name.c_str(), sub.partitions);
    for (const auto& id : sub.nodes)
      std::printf("    \"n:%s\" [label=\"%s\\n%s\", shape=box];\n", id.c_str(), id.c_str(),
                  t.node(id)->type.c_str());
    std::printf("  }\n");
  }
  std::set<std::string> topics;
  for (const auto& e : Edges(t, &topics)) {
    const std::string from = (e.kind == K::kTopicToNode ? "t:" : "n:") + e.from;
    const std::string to = (e.kind == K::kNodeToTopic || e.kind == K::kDeadLetter ? "t:" : "n:") + e.to;
    std::string attrs = e.kind == K::kDeadLetter ? " [style=dashed, label=\"on error\"]"
                        : e.label.empty()        ? ""
                                                 : " [label=\"" + e.label + "\"]";
    std::printf("  \"%s\" -> \"%s\"%s;\n", from.c_str(), to.c_str(), attrs.c_str());
  }
  for (const auto& s : topics)
    std::printf("  \"t:%s\" [label=\"%s\", shape=cylinder];\n", s.c_str(), s.c_str());
  std::printf("}\n");
}

void Json(const runtime::CompiledTopology& t) {
  std::string plan_json;
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(t.proto(), &plan_json, o);
  Array subs;
  for (const auto& sub : t.graph().subtopologies) {
    Array nodes, sources, sinks, dead, task_ids;
    for (const auto& n : sub.nodes) nodes.push_back(n);
    for (const auto& s : sub.source_topics) sources.push_back(s);
    for (const auto& s : sub.sink_topics) sinks.push_back(s);
    for (const auto& s : DeadLetterTopics(t, sub)) dead.push_back(s);
    for (int32_t p = 0; p < sub.partitions; ++p) task_ids.push_back(sub.Task(p).ToString());
    subs.push_back(Value(Object{{"id", sub.name},
                                {"tasks", sub.partitions},
                                {"task_ids", std::move(task_ids)},
                                {"nodes", std::move(nodes)},
                                {"source_topics", std::move(sources)},
                                {"sink_topics", std::move(sinks)},
                                {"dead_letter_topics", std::move(dead)}}));
  }
  Array topics, internal;
  for (const auto& [name, ts] : t.topics()) {
    topics.push_back(TopicSpecJson(ts));
    if (ts.internal()) internal.push_back(TopicSpecJson(ts));
  }
  Value extra(Object{{"subtopologies", std::move(subs)},
                     {"topics", std::move(topics)},
                     {"internal_topics", std::move(internal)}});
  std::string extra_json = ToJson(extra);
  // {"plan": <the IR>, "subtopologies": [...], "topics": [every TopicSpec], "internal_topics": [...]}
  std::printf("{\"plan\":%s,%s\n", plan_json.c_str(), extra_json.substr(1).c_str());
}

}  // namespace

void RegisterDescribe(CLI::App& app, int* exit_code) {
  auto* cmd =
      app.add_subcommand("describe", "Show the compiled graph: sub-topologies, nodes, expressions, topics");
  struct Args {
    std::string file;
    std::string format = "text";
    LoadFlags load;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("file", args->file, "Topology file (.jsonnet)")->required();
  cmd->add_option("--format", args->format, "text, mermaid, dot or json")
      ->check(CLI::IsMember({"text", "mermaid", "dot", "json"}));
  args->load.AddTo(cmd);
  cmd->callback([args, exit_code] {
    auto opts = args->load.ToOptions();
    if (!opts.ok()) {
      std::fprintf(stderr, "topo describe: %s\n", opts.status().message().c_str());
      *exit_code = kExitUsage;
      return;
    }
    Compiled c = LoadAndCompile(args->file, *opts);
    if (!c.topology) {
      if (!c.load_error.empty()) std::fprintf(stderr, "%s\n", c.load_error.c_str());
      for (const auto& d : c.diagnostics) std::fprintf(stderr, "%s\n", d.ToString().c_str());
      *exit_code = c.exit_code;
      return;
    }
    if (args->format == "text")
      Text(*c.topology);
    else if (args->format == "mermaid")
      Mermaid(*c.topology);
    else if (args->format == "dot")
      Dot(*c.topology);
    else
      Json(*c.topology);
    *exit_code = kExitOk;
  });
}

}  // namespace topo::cli
