#pragma once
// Internal to the kafka backend (engine/log/kafka_*.cc): what its clients
// (admin, consumer, producer) share — RAII owners of librdkafka's C objects,
// conversions between its partition lists and log.h's types, the checks of
// `-X` properties, and ClientBase, which builds every client's configuration.
//
// Contract:
// - Every client's conf is: bootstrap servers, the engine's defaults for its
//   kind, the user's -X properties, then the pinned settings the guarantees
//   rest on and the per-client ones (group.id, transactional.id), so -X may
//   change a default but never a pinned value (CheckUserProperties refuses
//   that before any client exists).
// - A ClientBase is its handle's conf opaque: librdkafka's error and log
//   callbacks reach it; it must outlive the handle.
//
// Thread-safety: ClientBase::LastError may be called from any thread (the
// error callback runs on librdkafka's threads); the rest are pure functions.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/base/status.h"
#include "engine/log/kafka_log.h"
#include "engine/log/log.h"

namespace topo::log::kafka {

using SteadyClock = std::chrono::steady_clock;

// ---- RAII owners of librdkafka's C objects ----

struct ConfFree {
  void operator()(rd_kafka_conf_t* p) const { rd_kafka_conf_destroy(p); }
};
struct ListFree {
  void operator()(rd_kafka_topic_partition_list_t* p) const { rd_kafka_topic_partition_list_destroy(p); }
};
struct MetadataFree {
  void operator()(const rd_kafka_metadata_t* p) const { rd_kafka_metadata_destroy(p); }
};
struct ErrorFree {
  void operator()(rd_kafka_error_t* p) const { rd_kafka_error_destroy(p); }
};
struct QueueFree {
  void operator()(rd_kafka_queue_t* p) const { rd_kafka_queue_destroy(p); }
};
struct EventFree {
  void operator()(rd_kafka_event_t* p) const { rd_kafka_event_destroy(p); }
};
struct AdminOptionsFree {
  void operator()(rd_kafka_AdminOptions_t* p) const { rd_kafka_AdminOptions_destroy(p); }
};
struct NewTopicFree {
  void operator()(rd_kafka_NewTopic_t* p) const { rd_kafka_NewTopic_destroy(p); }
};
struct GroupMetadataFree {
  void operator()(rd_kafka_consumer_group_metadata_t* p) const {
    rd_kafka_consumer_group_metadata_destroy(p);
  }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfFree>;
using ListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, ListFree>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataFree>;
using ErrorPtr = std::unique_ptr<rd_kafka_error_t, ErrorFree>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueFree>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventFree>;
using AdminOptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsFree>;
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, NewTopicFree>;
using GroupMetadataPtr = std::unique_ptr<rd_kafka_consumer_group_metadata_t, GroupMetadataFree>;

// ---- small helpers ----

// "30 s", "2.5 s": timeouts in messages a user reads.
std::string Seconds(int ms);
// Milliseconds left until `deadline`, 0 when it passed.
int RemainingMs(SteadyClock::time_point deadline);
std::string Quoted(const std::string& s);

// ---- partition lists ----

ListPtr ToList(const std::vector<TopicPartition>& tps);
// Each partition with its offset.
ListPtr ToList(const OffsetMap& offsets);
// What rd_kafka_commit and rd_kafka_send_offsets_to_transaction take: each
// partition with its offset and its metadata, when `metadata` has some (none
// is sent as an empty string). Metadata that fails CheckCommitMetadata
// (log.h) is an error naming the partition.
Result<ListPtr> CommitList(const OffsetMap& offsets, const CommitMetadata& metadata);
std::vector<TopicPartition> FromList(const rd_kafka_topic_partition_list_t* list);
// The first per-partition error of a list librdkafka filled in, as "t[p]: why";
// empty when there is none.
std::string FirstPartitionError(const rd_kafka_topic_partition_list_t* list);
rd_kafka_resp_err_t FirstPartitionErrorCode(const rd_kafka_topic_partition_list_t* list);

// Errors meaning this client lost its work to another one: a newer producer
// with its transactional id, or a newer generation of its consumer group.
// The runtime answers them by closing its tasks and rejoining (kFenced), the
// way Kafka Streams handles ProducerFenced and TaskMigrated.
bool IsFencing(rd_kafka_resp_err_t err);

// ---- client configuration ----

enum class ClientKind { kAdmin, kProducer, kConsumer };

// -X properties that would change a pinned or per-client setting: an error naming the first.
Status CheckUserProperties(const std::map<std::string, std::string>& props);

// The per-handle context librdkafka hands back to callbacks (the conf opaque).
class ClientBase {
 public:
  explicit ClientBase(std::shared_ptr<const KafkaLogOptions> options) : options_(std::move(options)) {}
  virtual ~ClientBase() = default;

  // The newest client-level error (e.g. "Connect to ipv4#127.0.0.1:1 failed:
  // Connection refused"), to explain a timeout.
  std::string LastError() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_error_;
  }

 protected:
  // A conf with the bootstrap servers, the engine's defaults for `kind`, the
  // user's -X properties, the pinned settings, and this object's callbacks.
  Result<ConfPtr> NewConf(ClientKind kind, const std::map<std::string, std::string>& per_client);
  // Creates the handle; on success librdkafka owns the conf.
  static Result<rd_kafka_t*> NewHandle(rd_kafka_type_t type, ConfPtr conf, const char* what);
  void OnError(rd_kafka_t* rk, int err, const char* reason);

  std::shared_ptr<const KafkaLogOptions> options_;

 private:
  static void OnErrorCb(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static void OnLogCb(const rd_kafka_t* rk, int level, const char* fac, const char* buf);

  std::mutex mu_;
  std::string last_error_;
};

}  // namespace topo::log::kafka
