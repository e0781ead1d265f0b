#include "engine/runtime/physical_plan.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <optional>

#include "engine/base/numbers.h"
#include "engine/expr/time.h"

namespace topo::runtime {

namespace {

bool IsKnownCodec(const std::string& spec, const google::protobuf::DescriptorPool* protos, std::string* why) {
  if (spec == "json" || spec == "string" || spec == "bytes" || spec == "int64") return true;
  if (spec.rfind("proto:", 0) == 0) {
    if (protos && protos->FindMessageTypeByName(spec.substr(6))) return true;
    *why = "protobuf message '" + spec.substr(6) + "' is not in proto/ (compiled into topo)";
    return false;
  }
  *why = "unknown codec '" + spec + "' (use json, string, bytes, int64 or topo.proto('pkg.Message'))";
  return false;
}

}  // namespace

const char* TopicRoleName(TopicRole role) {
  switch (role) {
    case TopicRole::kUser: return "user";
    case TopicRole::kRepartition: return "repartition";
    case TopicRole::kChangelog: return "changelog";
    case TopicRole::kRetry: return "retry";
  }
  return "?";
}

TopicSpec TopicSpecOf(const std::string& name, const plan::Topic& decl,
                      const google::protobuf::DescriptorPool* protos, std::vector<std::string>* problems) {
  auto problem = [&](std::string message) { problems->push_back("topic '" + name + "': " + message); };
  TopicSpec spec;
  spec.name = name;
  if (decl.partitions() >= 1)
    spec.partitions = decl.partitions();
  else
    problem("partitions must be at least 1");
  if (!decl.key().empty()) spec.key_codec = decl.key();
  if (!decl.value().empty()) spec.value_codec = decl.value();
  std::string why;
  if (!IsKnownCodec(spec.key_codec, protos, &why)) problem("key: " + why);
  if (!IsKnownCodec(spec.value_codec, protos, &why)) problem("value: " + why);
  spec.schema.insert(decl.schema().begin(), decl.schema().end());
  if (decl.cleanup() == "compact")
    spec.compact = true;
  else if (!decl.cleanup().empty() && decl.cleanup() != "delete")
    problem("cleanup must be 'delete' or 'compact', not '" + decl.cleanup() + "'");

  // Retention: a duration (`retention='30d'`, '-1': forever) or Kafka's
  // config retention.ms, not both.
  const auto& config = decl.config();
  if (!decl.retention().empty() && decl.retention() != "-1") {
    if (auto ms = expr::ParseDuration(decl.retention()); ms.ok())
      spec.retention_ms = *ms;
    else
      problem("retention '" + decl.retention() +
              "' is not a duration such as '7d', '12h' or '1h30m' ('-1': keep forever)");
  }
  if (!decl.retention().empty() && config.count("retention.ms"))
    problem("retention='" + decl.retention() + "' and config retention.ms both set the retention; keep one");
  else if (auto it = config.find("retention.ms"); it != config.end())
    spec.retention_ms = ParseInt64(it->second).value_or(-1);  // a bad number is reported just below
  // Kafka's own lower bounds (-1: no limit), which the embedded log applies too.
  static const std::pair<const char*, int64_t> kNumeric[] = {
      {"retention.bytes", -1}, {"retention.ms", -1}, {"delete.retention.ms", 0}, {"segment.bytes", 14}};
  for (const auto& [key, min] : kNumeric) {
    auto it = config.find(key);
    if (it == config.end()) continue;
    std::optional<int64_t> n = ParseInt64(it->second);
    if (!n || *n < min)
      problem("config " + std::string(key) + " must be a whole number >= " + std::to_string(min) +
              (min < 0 ? " (bytes or ms; -1: no limit)" : "") + ", not '" + it->second + "'");
  }
  if (auto limit = log::MaxMessageBytes(name, config); limit.ok())
    spec.max_record_bytes = *limit;
  else
    problems->push_back(limit.status().message());  // names the topic already
  spec.extra.insert(config.begin(), config.end());
  return spec;
}

PhysicalPlan PhysicalPlan::FromUser(const plan::LoadedTopology& user,
                                    const google::protobuf::DescriptorPool* protos,
                                    plan::Diagnostics* diags) {
  PhysicalPlan p;
  p.user_ = &user;
  p.protos_ = protos;
  p.topology_ = user.proto;
  p.topology_.clear_tests();  // the user's, run by the test runner; not part of what runs
  // In name order: protobuf maps have none, and diagnostics must not change from run to run.
  std::vector<std::string> names;
  for (const auto& [name, decl] : user.proto.topics()) names.push_back(name);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    std::vector<std::string> problems;
    p.topics_.emplace(name, TopicSpecOf(name, user.proto.topics().at(name), protos, &problems));
    for (auto& m : problems) diags->push_back({user.file, 0, "", std::move(m)});
  }
  p.Split(diags);
  return p;
}

const TopicSpec* PhysicalPlan::topic(const std::string& name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second;
}

std::vector<log::TopicConfig> PhysicalPlan::TopicConfigs() const {
  std::vector<log::TopicConfig> out;
  for (const auto& [name, spec] : topics_) {  // a std::map: sorted by name
    log::TopicConfig c;
    c.name = name;
    c.partitions = spec.partitions;
    c.compact = spec.compact;
    c.retention_ms = spec.retention_ms;
    c.extra = spec.extra;
    out.push_back(std::move(c));
  }
  return out;
}

Status PhysicalPlan::AddInternalTopic(const std::string& name, TopicRole role, const std::string& node,
                                      const plan::Topic& decl) {
  if (role == TopicRole::kUser)
    return Status::Invalid("'" + name + "': an internal topic needs an internal role");
  if (topics_.count(name))
    return Status::Invalid("topic '" + name + "' is declared in the topology, but the " +
                           TopicRoleName(role) + " topic of node '" + node +
                           "' has that name; rename the declared topic");
  std::vector<std::string> problems;
  TopicSpec spec = TopicSpecOf(name, decl, protos_, &problems);
  if (!problems.empty()) return Status::Invalid(problems.front());
  spec.role = role;
  spec.node = node;
  (*topology_.mutable_topics())[name] = decl;  // declared, so the graph sees its readers and writers
  topics_.emplace(name, std::move(spec));
  return Status::Ok();
}

Status PhysicalPlan::AddNode(const std::string& id, plan::Node node) {
  if (topology_.nodes().count(id))
    return Status::Invalid("node id '" + id + "' is taken, but topo needs it for an internal node; rename '" +
                           id + "'");
  (*topology_.mutable_nodes())[id] = std::move(node);
  internal_nodes_.insert(id);
  return Status::Ok();
}

Status PhysicalPlan::ReplaceInput(const std::string& reader, const std::string& from, const std::string& to) {
  auto it = topology_.mutable_nodes()->find(reader);
  if (it == topology_.mutable_nodes()->end()) return Status::Internal("no node '" + reader + "'");
  bool replaced = false;
  for (auto& input : *it->second.mutable_inputs()) {
    if (input != from) continue;
    input = to;
    replaced = true;
  }
  if (!replaced) return Status::Internal("node '" + reader + "' does not read '" + from + "'");
  return Status::Ok();
}

void PhysicalPlan::Split(plan::Diagnostics* diags) {
  graph_ = plan::BuildGraph(*user_, topology_, diags);
  // A task reads the same partition of every source topic of its sub-topology,
  // so they must have one partition count, and that is the number of tasks.
  for (auto& sub : graph_.subtopologies) {
    const TopicSpec* first = nullptr;
    for (const auto& name : sub.source_topics) {
      const TopicSpec* ts = topic(name);
      if (ts == nullptr) continue;  // undeclared: reported by BuildGraph
      if (first == nullptr) {
        first = ts;
      } else if (ts->partitions != first->partitions) {
        auto source = std::find_if(sub.nodes.begin(), sub.nodes.end(), [&](const std::string& id) {
          return topology_.nodes().at(id).has_source();
        });
        const std::string node = source == sub.nodes.end() ? "" : *source;
        diags->push_back({user_->file, node.empty() ? 0 : user_->NodeLine(node), node,
                          "sources of one sub-topology must be co-partitioned: '" + first->name + "' has " +
                              std::to_string(first->partitions) + " partitions but '" + name + "' has " +
                              std::to_string(ts->partitions)});
      }
    }
    sub.partitions = first ? first->partitions : 1;
  }
}

}  // namespace topo::runtime
