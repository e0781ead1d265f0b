#include "engine/log/kafka_topic_configs.h"

#include <cstdlib>
#include <memory>

#include "engine/log/kafka_client.h"

namespace topo::log::kafka {
namespace {

struct ConfigResourceFree {
  void operator()(rd_kafka_ConfigResource_t* p) const { rd_kafka_ConfigResource_destroy(p); }
};
using ConfigResourcePtr = std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceFree>;

}  // namespace

Result<std::map<std::string, std::map<std::string, std::string>>> DescribeTopicConfigs(
    rd_kafka_t* rk, const std::vector<std::string>& topics, int timeout_ms) {
  std::map<std::string, std::map<std::string, std::string>> out;
  if (topics.empty()) return out;
  std::vector<ConfigResourcePtr> owned;
  std::vector<rd_kafka_ConfigResource_t*> raw;
  for (const std::string& t : topics) {
    owned.emplace_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t.c_str()));
    raw.push_back(owned.back().get());
  }
  AdminOptionsPtr opts(rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS));
  char errstr[512];
  if (rd_kafka_AdminOptions_set_request_timeout(opts.get(), timeout_ms, errstr, sizeof errstr))
    return Status::Invalid(std::string("bad admin timeout: ") + errstr);
  QueuePtr queue(rd_kafka_queue_new(rk));
  rd_kafka_DescribeConfigs(rk, raw.data(), raw.size(), opts.get(), queue.get());
  const std::string unanswered =
      "the cluster did not answer DescribeConfigs within " + Seconds(timeout_ms) +
      " (to check the configs of existing topics; --no-topic-config-check skips it)";
  // librdkafka's own timer fires at timeout_ms; the margin only guards against a hang.
  EventPtr event(rd_kafka_queue_poll(queue.get(), timeout_ms + 5000));
  if (!event) return Status::IoError(unanswered, false);
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (rd_kafka_event_error(event.get()) == RD_KAFKA_RESP_ERR__TIMED_OUT)
      return Status::IoError(unanswered, false);
    return Status::IoError(std::string("DescribeConfigs failed: ") +
                               rd_kafka_event_error_string(event.get()) +
                               " (--no-topic-config-check skips it)",
                           false);
  }
  const rd_kafka_DescribeConfigs_result_t* result = rd_kafka_event_DescribeConfigs_result(event.get());
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(result, &n);
  for (size_t i = 0; i < n; ++i) {
    const std::string name = rd_kafka_ConfigResource_name(resources[i]);
    if (rd_kafka_ConfigResource_error(resources[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* why = rd_kafka_ConfigResource_error_string(resources[i]);
      return Status::IoError("cannot read the configs of topic " + Quoted(name) + ": " +
                                 (why ? why : rd_kafka_err2str(rd_kafka_ConfigResource_error(resources[i]))),
                             false);
    }
    size_t m = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[i], &m);
    auto& configs = out[name];
    for (size_t j = 0; j < m; ++j) {
      const char* value = rd_kafka_ConfigEntry_value(entries[j]);
      configs[rd_kafka_ConfigEntry_name(entries[j])] = value ? value : "";
    }
  }
  return out;
}

TopicConfig TopicConfigFromKafka(const std::string& name, int32_t partitions,
                                 const std::map<std::string, std::string>& configs) {
  TopicConfig c;
  c.name = name;
  c.partitions = partitions;
  auto get = [&](const char* key) {
    auto it = configs.find(key);
    return it == configs.end() ? std::string() : it->second;
  };
  const std::string policy = get("cleanup.policy");
  c.compact = policy.find("compact") != std::string::npos;
  // Retention applies to a compacted topic only together with `delete`.
  const bool deletes = !c.compact || policy.find("delete") != std::string::npos;
  const std::string retention = get("retention.ms");
  if (deletes && !retention.empty()) c.retention_ms = std::strtoll(retention.c_str(), nullptr, 10);
  const std::string max_bytes = get("max.message.bytes");
  if (!max_bytes.empty()) c.extra["max.message.bytes"] = max_bytes;
  return c;
}

}  // namespace topo::log::kafka
