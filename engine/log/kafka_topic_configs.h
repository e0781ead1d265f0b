#pragma once
// DescribeConfigs for topics: the configs a topic has on the cluster, which
// EnsureTopics checks against the topology (cleanup.policy) and reads limits
// from (max.message.bytes), and `topo topics describe` shows.
//
// librdkafka's mock cluster does not answer DescribeConfigs (it waits for a
// controller the mock never names): callers that may run against it turn the
// check off (KafkaLogOptions::check_topic_configs).

#include <librdkafka/rdkafka.h>

#include <map>
#include <string>
#include <vector>

#include "engine/base/status.h"
#include "engine/log/log.h"

namespace topo::log::kafka {

// Each topic's configs by name (every config the broker reports, defaults
// included). A topic the broker reports an error for is an error naming it;
// no answer within timeout_ms is an IoError saying so.
Result<std::map<std::string, std::map<std::string, std::string>>> DescribeTopicConfigs(
    rd_kafka_t* rk, const std::vector<std::string>& topics, int timeout_ms);

// The TopicConfig a topic's configs describe (compact: cleanup.policy holds
// "compact"; retention_ms; extra: max.message.bytes).
TopicConfig TopicConfigFromKafka(const std::string& name, int32_t partitions,
                                 const std::map<std::string, std::string>& configs);

}  // namespace topo::log::kafka
