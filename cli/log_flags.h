#pragma once
// The backend flags shared by run, produce and consume: --data-dir for the
// embedded log (default), or --bootstrap-servers [+ -X key=value] for Kafka.

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/log/log.h"

namespace topo::cli {

struct LogFlags {
  std::string data_dir = "./.topo";
  std::string bootstrap_servers;
  std::vector<std::string> properties;  // -X key=value
  double kafka_timeout_s = 30;          // metadata and topic creation (admin_timeout_ms)
  // The knobs of EmbeddedLogOptions and KafkaLogOptions users need; their
  // defaults (and what they mean) are those structs'.
  bool no_topic_config_check = false;       // --no-topic-config-check (Kafka)
  bool sync_writes = false;                 // --sync-writes (embedded)
  size_t producer_batch_records = 1;        // --producer-batch (embedded)
  double kafka_transaction_timeout_s = 60;  // --kafka-transaction-timeout
  double kafka_flush_timeout_s = 60;        // --kafka-flush-timeout
  int producer_transaction_timeout_ms = 0;  // set by FitTransactionTimeout
  void AddTo(CLI::App* cmd);
  // Opens the embedded log in data_dir, or Kafka when bootstrap_servers is set.
  Result<std::unique_ptr<log::Log>> Open() const;
  // Kafka under exactly-once: the producers' transaction.timeout.ms, after
  // which the broker aborts a transaction its producer left open (a dead
  // instance's; read_committed readers of its partitions wait until then).
  // Unless -X sets it, max(10 s, 2 x commit interval): Kafka Streams' 10 s, kept
  // above the commit interval, since a transaction stays open from one commit
  // to the next. A -X value not above the commit interval is an error (every
  // transaction would be aborted). No-op on the embedded log.
  Status FitTransactionTimeout(int64_t commit_interval_ms);
  // For commands that read an existing log (produce, consume): on the embedded
  // backend, a data_dir that does not exist or holds no log is a NotFound
  // error (Open would create one there). Ok on Kafka.
  Status CheckDataDirExists() const;
};

}  // namespace topo::cli
