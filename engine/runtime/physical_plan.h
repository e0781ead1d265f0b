#pragma once
// PhysicalPlan: the step between the user's plan and the tasks (DESIGN §3).
// It owns every topic the application uses — the ones the user declared, and
// the internal ones later steps add (repartition, changelog, retry) — as one
// TopicSpec each, the nodes as they run (the user's, and any a step
// synthesized), and their split into sub-topologies. Operators, the
// application (EnsureTopics through TopicConfigs), `topo describe` and
// `topo validate` read topics from here; nothing else derives a topic's
// defaults (TopicSpecOf is the one place).
//
// Building: FromUser declares every user topic, copies the user's nodes and
// splits them (plan::BuildGraph over this plan's nodes); Split then gives each
// sub-topology the partition count of its source topics and checks that they
// agree (co-partitioning). Problems become diagnostics of the user's file.
//
// Adding an internal topic (the seam for the repartition, changelog and retry
// steps). A step is a CompiledTopology::Compile pass: it runs after FromUser,
// before any node is compiled, so operators compile against the final plan.
// To put a repartition topic in front of node `count` that reads `rekeyed`:
//
//   plan.AddInternalTopic(app + "-count-repartition", TopicRole::kRepartition, "count", decl);
//   plan.AddNode("count-repartition-sink", <sink: input rekeyed, topic ...-repartition>);
//   plan.AddNode("count-repartition-source", <source: topics [...-repartition]>);
//   plan.ReplaceInput("count", "rekeyed", "count-repartition-source");
//   // Compile calls Split once the passes are done.
//
// The graph splits only at topics, so the sub-topology that held `rekeyed`
// and `count` becomes two: the upstream part keeps its name (its sources did
// not change) and the new one is named after the repartition topic, a name
// derived from ids the user wrote (DESIGN §4), so edits elsewhere keep it. The
// internal topic's spec comes from `decl` through TopicSpecOf, like a user
// topic's; it is listed by TopicConfigs (created by EnsureTopics) and shown by
// describe as internal, with its role and node.
//
// Thread-safety: immutable once CompiledTopology::Compile has returned (node
// protos and specs point into it); the Add* calls are for passes only.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/base/status.h"
#include "engine/log/log.h"
#include "engine/log/record_size.h"
#include "engine/plan/diagnostic.h"
#include "engine/plan/graph.h"
#include "engine/plan/loader.h"

namespace google::protobuf {
class DescriptorPool;
}

namespace topo::runtime {

// Why a topic exists. Only kUser is produced today; the others are for the
// steps that add internal topics (DESIGN §4 names them).
enum class TopicRole {
  kUser,         // declared in the topology's `topics:`
  kRepartition,  // <app>-<node>-repartition: records re-keyed before `node`
  kChangelog,    // <app>-<store>-changelog: a state store's changes, compacted
  kRetry,        // a node's non-blocking retry topic
};
// "user", "repartition", "changelog", "retry": as describe prints it.
const char* TopicRoleName(TopicRole role);

struct TopicSpec {
  std::string name;
  TopicRole role = TopicRole::kUser;
  // For an internal topic, the node it exists for (the reader of a
  // repartition topic, the owner of a changelog's store, the node whose
  // failures a retry topic holds). Empty for a user topic.
  std::string node;
  // Default: 1
  int32_t partitions = 1;
  // Codec specs (engine/serde/codec.h): json, string, bytes, int64, proto:<Message>.
  // Default: "string"
  std::string key_codec = "string";
  // Default: "json"
  std::string value_codec = "json";
  // The declared types of a JSON value's fields (field -> type name; "*":
  // open), as written. Default: none (any value)
  std::map<std::string, std::string> schema;
  // cleanup.policy=compact. Default: false (cleanup.policy=delete)
  bool compact = false;
  // From `retention=` (a duration) or config `retention.ms`; -1 keeps records
  // forever. Default: -1
  int64_t retention_ms = -1;
  // The largest record a sink or dead letter may write (engine/log/record_size.h),
  // from config max.message.bytes. Default: 1048588 (Kafka's)
  int64_t max_record_bytes = log::kDefaultMaxMessageBytes;
  // The declaration's `config`, passed through to the backend as written
  // (so it includes retention.ms and max.message.bytes when set). Default: empty
  std::map<std::string, std::string> extra;

  bool internal() const { return role != TopicRole::kUser; }
};

// The spec of topic `name` declared as `decl` (a user's `topics:` entry, or an
// internal topic's declaration made by a step): every default of a topic is
// here and nowhere else. Each problem of the declaration (partitions below 1,
// an unknown codec, a retention or numeric config that does not parse, both
// retention= and retention.ms) is appended to *problems as a message naming
// the topic, and that field keeps its default. The role is kUser.
TopicSpec TopicSpecOf(const std::string& name, const plan::Topic& decl,
                      const google::protobuf::DescriptorPool* protos, std::vector<std::string>* problems);

class PhysicalPlan {
 public:
  // The plan of `user` as written: every declared topic as a kUser spec, the
  // user's nodes, split. Appends every problem to *diags (the plan is still
  // usable for describe). `user` must outlive the plan (diagnostics name its
  // file and lines).
  static PhysicalPlan FromUser(const plan::LoadedTopology& user,
                               const google::protobuf::DescriptorPool* protos, plan::Diagnostics* diags);

  // The topology as it runs: the user's topics and nodes plus internal ones
  // (the user's own plan stays as written, CompiledTopology::proto()).
  const plan::Topology& topology() const { return topology_; }
  const plan::Graph& graph() const { return graph_; }
  // Every topic, user and internal, by name.
  const std::map<std::string, TopicSpec>& topics() const { return topics_; }
  // nullptr when not declared.
  const TopicSpec* topic(const std::string& name) const;
  // Whether node `id` was added by a step rather than written by the user.
  bool IsInternalNode(const std::string& id) const { return internal_nodes_.count(id) > 0; }

  // What EnsureTopics creates or checks: every topic, sorted by name.
  std::vector<log::TopicConfig> TopicConfigs() const;

  // --- For steps that add internal topics (see the header comment). Each
  // takes effect in the graph at the next Split. ---

  // Declares internal topic `name` (role != kUser) for `node`, its spec from
  // `decl` through TopicSpecOf. Invalid when a topic of that name exists or
  // the declaration has a problem.
  Status AddInternalTopic(const std::string& name, TopicRole role, const std::string& node,
                          const plan::Topic& decl);
  // Adds a node the user did not write. Invalid when the id is taken (the
  // message names it, since a user's node may be what took it).
  Status AddNode(const std::string& id, plan::Node node);
  // Makes `reader` read `to` wherever it read `from`. Invalid when `reader`
  // does not exist or does not read `from`.
  Status ReplaceInput(const std::string& reader, const std::string& from, const std::string& to);
  // Splits the nodes into sub-topologies again, appending problems to *diags.
  void Split(plan::Diagnostics* diags);

 private:
  const plan::LoadedTopology* user_ = nullptr;
  const google::protobuf::DescriptorPool* protos_ = nullptr;
  plan::Topology topology_;
  std::map<std::string, TopicSpec> topics_;
  std::set<std::string> internal_nodes_;
  plan::Graph graph_;
};

}  // namespace topo::runtime
