#include "cli/log_flags.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "engine/log/embedded_log.h"
#include "engine/log/kafka_log.h"

namespace topo::cli {

void LogFlags::AddTo(CLI::App* cmd) {
  cmd->add_option("--data-dir", data_dir, "Embedded log directory (when no --bootstrap-servers)")
      ->capture_default_str();
  cmd->add_option("--bootstrap-servers", bootstrap_servers,
                  "Kafka brokers host:port,... (selects the Kafka backend)");
  cmd->add_option("-X", properties, "librdkafka property key=value for every Kafka client (repeatable)");
  cmd->add_option("--kafka-timeout", kafka_timeout_s,
                  "Seconds to wait for the Kafka cluster (metadata, topic creation) before failing")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 86400.0));  // up to a day: the milliseconds fit an int
  cmd->add_flag("--no-topic-config-check", no_topic_config_check,
                "Kafka: do not read existing topics' configs (DescribeConfigs) to check their cleanup.policy "
                "and max.message.bytes; partition counts are still checked");
  cmd->add_flag("--sync-writes", sync_writes,
                "Embedded log: fsync every commit, so exactly-once also survives power loss (without it, "
                "a killed process loses nothing, a machine crash may lose the last commits)");
  cmd->add_option("--producer-batch", producer_batch_records,
                  "Embedded log: records a plain (at-least-once) producer writes at a time")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  cmd->add_option("--kafka-transaction-timeout", kafka_transaction_timeout_s,
                  "Seconds each transactional call (init, send offsets, commit, abort) may take on Kafka")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 86400.0));
  cmd->add_option("--kafka-flush-timeout", kafka_flush_timeout_s,
                  "Seconds a Kafka flush, or a send waiting for queue room, may take before failing")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 86400.0));
}

Result<std::unique_ptr<log::Log>> LogFlags::Open() const {
  if (bootstrap_servers.empty()) {
    if (!properties.empty()) return Status::Invalid("-X applies to Kafka only: add --bootstrap-servers");
    log::EmbeddedLogOptions o;
    o.dir = data_dir;
    o.sync_writes = sync_writes;
    o.producer_batch_records = producer_batch_records;
    return log::OpenEmbeddedLog(o);
  }
  log::KafkaLogOptions o;
  o.bootstrap_servers = bootstrap_servers;
  o.admin_timeout_ms = static_cast<int>(kafka_timeout_s * 1000);
  o.check_topic_configs = !no_topic_config_check;
  o.transaction_timeout_ms = static_cast<int>(kafka_transaction_timeout_s * 1000);
  o.flush_timeout_ms = static_cast<int>(kafka_flush_timeout_s * 1000);
  o.producer_transaction_timeout_ms = producer_transaction_timeout_ms;
  for (const auto& kv : properties) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return Status::Invalid("-X expects key=value, got '" + kv + "'");
    o.properties[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return log::OpenKafkaLog(o);
}

Status LogFlags::FitTransactionTimeout(int64_t commit_interval_ms) {
  if (bootstrap_servers.empty()) return Status::Ok();
  constexpr std::string_view kKey = "transaction.timeout.ms=";
  for (const auto& kv : properties) {
    if (kv.rfind(kKey, 0) != 0) continue;
    const std::string value = kv.substr(kKey.size());
    char* end = nullptr;
    const long long ms = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || ms <= 0)
      return Status::Invalid("-X transaction.timeout.ms expects milliseconds, got '" + value + "'");
    if (ms <= commit_interval_ms)
      return Status::Invalid("-X transaction.timeout.ms=" + value + " is not above the commit interval (" +
                             std::to_string(commit_interval_ms) +
                             " ms): the broker would abort every transaction before its commit; raise it or "
                             "lower --commit-interval");
    return Status::Ok();
  }
  producer_transaction_timeout_ms = static_cast<int>(std::max<int64_t>(10000, 2 * commit_interval_ms));
  return Status::Ok();
}

Status LogFlags::CheckDataDirExists() const {
  if (!bootstrap_servers.empty()) return Status::Ok();
  std::error_code ec;
  if (!std::filesystem::is_directory(data_dir, ec))
    return Status::NotFound("no such data dir: " + data_dir +
                            " (topo run creates it; --data-dir chooses another, --bootstrap-servers Kafka)");
  if (!std::filesystem::exists(std::filesystem::path(data_dir) / "db", ec))
    return Status::NotFound("data dir " + data_dir +
                            " holds no topo log (no db/ inside; topo run creates it)");
  return Status::Ok();
}

}  // namespace topo::cli
