#include "cli/topic_text.h"

#include <cstdio>
#include <utility>

namespace topo::cli {

std::string Retention(int64_t ms) {
  if (ms < 0) return "forever";
  static const std::pair<int64_t, const char*> kUnits[] = {
      {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
  for (const auto& [unit, suffix] : kUnits)
    if (ms > 0 && ms % unit == 0) return std::to_string(ms / unit) + suffix;
  return std::to_string(ms) + "ms";
}

void PrintTopicSpec(const runtime::TopicSpec& ts, int width) {
  std::string role = runtime::TopicRoleName(ts.role);
  if (ts.internal()) role += " node=" + ts.node;
  std::printf("  %-*s %3d partition(s)  key=%s value=%s  cleanup=%s retention=%s  role=%s\n", width,
              ts.name.c_str(), ts.partitions, ts.key_codec.c_str(), ts.value_codec.c_str(),
              ts.compact ? "compact" : "delete", Retention(ts.retention_ms).c_str(), role.c_str());
  if (!ts.extra.empty()) {
    std::string config;
    for (const auto& [k, v] : ts.extra) config += (config.empty() ? "" : ", ") + k + "=" + v;
    std::printf("      config: %s\n", config.c_str());
  }
}

Value TopicSpecJson(const runtime::TopicSpec& ts) {
  Object config;
  for (const auto& [k, v] : ts.extra) config.Append(k, Value(v));
  Object o{{"name", ts.name}, {"role", runtime::TopicRoleName(ts.role)}};
  if (ts.internal()) o.Append("node", Value(ts.node));
  o.Append("partitions", Value(int64_t{ts.partitions}));
  o.Append("key", Value(ts.key_codec));
  o.Append("value", Value(ts.value_codec));
  o.Append("cleanup", Value(ts.compact ? "compact" : "delete"));
  o.Append("retention_ms", Value(ts.retention_ms));
  o.Append("max_record_bytes", Value(ts.max_record_bytes));
  o.Append("config", Value(std::move(config)));
  return Value(std::move(o));
}

}  // namespace topo::cli
