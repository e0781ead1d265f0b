#include "engine/log/kafka_log.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace topo::log {
namespace {

using SteadyClock = std::chrono::steady_clock;

// ---- small RAII wrappers over librdkafka's C objects ----

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

// "30 s", "2.5 s": timeouts in messages a user reads.
std::string Seconds(int ms) {
  char buf[32];
  if (ms % 1000 == 0) {
    std::snprintf(buf, sizeof buf, "%d s", ms / 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000.0);
  }
  return buf;
}

int RemainingMs(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

ListPtr ToList(const std::vector<TopicPartition>& tps) {
  ListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(tps.size())));
  for (const TopicPartition& tp : tps) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition.value());
  }
  return list;
}

ListPtr ToList(const OffsetMap& offsets) {
  ListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [tp, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition.value())->offset =
        offset.value();
  }
  return list;
}

std::vector<TopicPartition> FromList(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  if (list == nullptr) return out;
  out.reserve(list->cnt);
  for (int i = 0; i < list->cnt; ++i) {
    out.push_back(TopicPartition{list->elems[i].topic, Partition(list->elems[i].partition)});
  }
  return out;
}

// The first per-partition error of a list librdkafka filled in, as "t[p]: why".
std::string FirstPartitionError(const rd_kafka_topic_partition_list_t* list) {
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& e = list->elems[i];
    if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return std::string(e.topic) + "[" + std::to_string(e.partition) + "]: " + rd_kafka_err2str(e.err);
    }
  }
  return "";
}

rd_kafka_resp_err_t FirstPartitionErrorCode(const rd_kafka_topic_partition_list_t* list) {
  for (int i = 0; i < list->cnt; ++i)
    if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) return list->elems[i].err;
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

// ---- client configuration ----

enum class ClientKind { kAdmin, kProducer, kConsumer };

// Settings the engine's guarantees rest on. `-X` may repeat them, not change them.
struct Pinned {
  const char* key;
  const char* value;
  const char* same_value;  // another spelling of the same value, or nullptr
};
constexpr Pinned kPinned[] = {
    {"enable.idempotence", "true", nullptr},        {"acks", "all", "-1"},
    {"request.required.acks", "all", "-1"},         {"partitioner", "murmur2_random", nullptr},
    {"enable.auto.commit", "false", nullptr},       {"enable.auto.offset.store", "false", nullptr},
    {"isolation.level", "read_committed", nullptr},
};
// Set per client from the engine's arguments; a global -X value would be wrong.
constexpr const char* kPerClient[] = {"group.id", "transactional.id"};

}  // namespace

std::map<std::string, std::string> ConsumerClientProperties(const KafkaLogOptions& options,
                                                            const std::string& group,
                                                            const std::string& client_id, int member) {
  std::map<std::string, std::string> props = {{"group.id", group}};
  if (!client_id.empty()) props["client.id"] = client_id;
  if (auto id = options.properties.find("group.instance.id"); id != options.properties.end())
    props["group.instance.id"] = id->second + "-" + std::to_string(member);
  return props;
}

namespace {

Status CheckUserProperties(const std::map<std::string, std::string>& props) {
  for (const auto& [key, value] : props) {
    for (const char* k : kPerClient) {
      if (key == k) {
        return Status::Invalid("Kafka property " + Quoted(key) + " (-X " + key + "=" + value +
                               ") cannot be set: topo sets it per consumer group / producer");
      }
    }
    for (const Pinned& p : kPinned) {
      if (key != p.key) continue;
      if (value != p.value && (p.same_value == nullptr || value != p.same_value)) {
        return Status::Invalid("Kafka property " + Quoted(key) + " (-X " + key + "=" + value +
                               ") cannot be changed: topo needs " + key + "=" + p.value +
                               " for its delivery guarantees");
      }
    }
  }
  return Status::Ok();
}

Status SetProperty(rd_kafka_conf_t* conf, const std::string& key, const std::string& value, bool from_user) {
  char errstr[512];
  rd_kafka_conf_res_t res = rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr);
  if (res == RD_KAFKA_CONF_OK) return Status::Ok();
  std::string where = from_user ? " (-X " + key + "=" + value + ")" : "";
  if (res == RD_KAFKA_CONF_UNKNOWN) {
    return Status::Invalid("unknown Kafka property " + Quoted(key) + where + ": librdkafka " +
                           rd_kafka_version_str() + " has no such property");
  }
  return Status::Invalid("invalid value for Kafka property " + Quoted(key) + where + ": " + errstr);
}

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
  Result<ConfPtr> NewConf(ClientKind kind, const std::map<std::string, std::string>& per_client) {
    ConfPtr conf(rd_kafka_conf_new());
    RETURN_IF_ERROR(SetProperty(conf.get(), "bootstrap.servers", options_->bootstrap_servers, false));
    std::vector<std::pair<std::string, std::string>> defaults, pinned;
    switch (kind) {
      case ClientKind::kAdmin:
        // Reading metadata must never create a topic by accident.
        defaults = {{"allow.auto.create.topics", "false"}};
        break;
      case ClientKind::kProducer:
        pinned = {{"enable.idempotence", "true"}, {"acks", "all"}, {"partitioner", "murmur2_random"}};
        break;
      case ClientKind::kConsumer:
        // The prefetch depth. librdkafka stops fetching all of a consumer's
        // partitions once its local queue (one queue for all of them) holds
        // queued.min.messages records or queued.max.messages.kbytes of
        // payload, and checks again only when its broker thread next wakes,
        // up to 1 s later (librdkafka < 2.2 has no fetch.queue.backoff.ms;
        // later ones default it to 1 s). librdkafka's 100,000 records are
        // 0.2-0.5 s of one stream thread's work (~500k records/s on
        // bench/kafka_compare.sh), so the consumer sat idle for the rest:
        // 250,000 ~258-byte records mostly took 1.2-2.7 s (92k-210k/s; 0.45 s
        // when the wake happened to come in time), and its debug log showed
        // 0.83 s from "queued.min.messages exceeded" to the next fetch, the
        // queue long empty. 500,000 records hold about 1 s of that work: then
        // 0.4-0.85 s (at-least-once 450k-660k/s, exactly-once 290k-500k/s).
        // Memory stays bounded by queued.max.messages.kbytes, set to
        // librdkafka's own 64 MiB of payload, which binds first for records
        // over ~134 bytes. A queued record also costs ~320 bytes besides its
        // payload (250,000 ~258-byte records queued: 141 MB RSS), so one
        // consumer's queue stays under ~230 MB. A stream much longer than the
        // queue still gets about one queue per wake (16 MiB: 130k/s, 32 MiB:
        // 240k/s measured), so at least ~260,000 such records/s at 64 MiB. -X
        // overrides both (smaller for less memory; fetch.queue.backoff.ms on
        // librdkafka >= 2.2 shortens the wait instead).
        defaults = {{"auto.offset.reset", "earliest"},
                    {"partition.assignment.strategy", "cooperative-sticky"},
                    {"enable.partition.eof", "false"},
                    {"queued.min.messages", "500000"},
                    {"queued.max.messages.kbytes", "65536"}};
        pinned = {{"enable.auto.commit", "false"},
                  {"enable.auto.offset.store", "false"},
                  {"isolation.level", "read_committed"}};
        break;
    }
    for (const auto& [k, v] : defaults) RETURN_IF_ERROR(SetProperty(conf.get(), k, v, false));
    for (const auto& [k, v] : options_->properties) RETURN_IF_ERROR(SetProperty(conf.get(), k, v, true));
    for (const auto& [k, v] : pinned) RETURN_IF_ERROR(SetProperty(conf.get(), k, v, false));
    for (const auto& [k, v] : per_client) RETURN_IF_ERROR(SetProperty(conf.get(), k, v, false));
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_error_cb(conf.get(), &ClientBase::OnErrorCb);
    if (options_->logger) rd_kafka_conf_set_log_cb(conf.get(), &ClientBase::OnLogCb);
    return conf;
  }

  // Creates the handle; on success librdkafka owns the conf.
  static Result<rd_kafka_t*> NewHandle(rd_kafka_type_t type, ConfPtr conf, const char* what) {
    char errstr[512];
    rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
    if (rk == nullptr) return Status::Invalid(std::string("cannot create the Kafka ") + what + ": " + errstr);
    conf.release();
    return rk;
  }

  void OnError(rd_kafka_t* rk, int err, const char* reason) {
    std::string text = reason;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char buf[512];
      rd_kafka_fatal_error(rk, buf, sizeof buf);
      text = buf;
    }
    std::lock_guard<std::mutex> lock(mu_);
    // "1/1 brokers are down" explains less than the connect error before it.
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && !last_error_.empty()) return;
    last_error_ = std::move(text);
  }

  std::shared_ptr<const KafkaLogOptions> options_;

 private:
  static void OnErrorCb(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    static_cast<ClientBase*>(opaque)->OnError(rk, err, reason);
  }
  static void OnLogCb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
    auto* self = static_cast<ClientBase*>(rd_kafka_opaque(rk));
    if (self != nullptr && self->options_->logger) self->options_->logger(level, fac, buf);
  }

  std::mutex mu_;
  std::string last_error_;
};

// ---- consumer ----

// Errors meaning this client lost its work to another one: a newer producer
// with its transactional id, or a newer generation of its consumer group.
// The runtime answers them by closing its tasks and rejoining (kFenced), the
// way Kafka Streams handles ProducerFenced and TaskMigrated.
bool IsFencing(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__FENCED:  // librdkafka's local code for the ones below
    case RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
    case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
    case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS: return true;
    default: return false;
  }
}

class KafkaConsumer final : public Consumer, public ClientBase {
 public:
  KafkaConsumer(std::shared_ptr<const KafkaLogOptions> options, std::string group)
      : ClientBase(std::move(options)), group_(std::move(group)) {}

  ~KafkaConsumer() override {
    if (rk_ == nullptr) return;
    if (!closed_ && !closing_) {
      listener_ = nullptr;  // it may be gone already; the revocation still happens
      rd_kafka_consumer_close(rk_);
    }
    rd_kafka_destroy(rk_);
  }

  Status Init(const std::string& client_id, int member) {
    ASSIGN_OR_RETURN(ConfPtr conf, NewConf(ClientKind::kConsumer,
                                           ConsumerClientProperties(*options_, group_, client_id, member)));
    rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaConsumer::OnRebalanceCb);
    ASSIGN_OR_RETURN(rk_, NewHandle(RD_KAFKA_CONSUMER, std::move(conf), "consumer"));
    // Errors and rebalances arrive through the consumer queue, i.e. inside Poll.
    rd_kafka_poll_set_consumer(rk_);
    return Status::Ok();
  }

  rd_kafka_t* handle() const { return rk_; }

  // Only the first topic of each co-partitioned group joins the group
  // protocol (librdkafka has no custom assignors); the rebalance callback adds
  // the same partitions of the group's other topics to each assignment and
  // revocation, so a task's inputs always move together (what Kafka Streams'
  // own assignor does).
  Status SubscribeCopartitioned(const std::vector<std::vector<std::string>>& copartitioned,
                                RebalanceListener* listener) override {
    RETURN_IF_ERROR(CheckOpen());
    listener_ = listener;
    followers_.clear();
    ListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(copartitioned.size())));
    for (const auto& group : copartitioned) {
      if (group.empty()) continue;
      rd_kafka_topic_partition_list_add(list.get(), group.front().c_str(), RD_KAFKA_PARTITION_UA);
      followers_[group.front()].assign(group.begin() + 1, group.end());
    }
    if (list->cnt == 0) return Status::Invalid("Subscribe needs at least one topic");
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, list.get());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::Invalid("cannot subscribe group " + Quoted(group_) + ": " + rd_kafka_err2str(err));
    }
    subscribed_ = true;
    return Status::Ok();
  }

  // The high watermark from the latest fetch (under read_committed, librdkafka
  // keeps the last stable offset there) minus the position after the last
  // record Poll returned; both are cached locally, no request.
  std::optional<int64_t> KnownLag(const TopicPartition& tp) override {
    int64_t low = 0, high = 0;
    if (rd_kafka_get_watermark_offsets(rk_, tp.topic.c_str(), tp.partition.value(), &low, &high) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      return std::nullopt;
    }
    ListPtr list = ToList(std::vector<TopicPartition>{tp});
    if (rd_kafka_position(rk_, list.get()) != RD_KAFKA_RESP_ERR_NO_ERROR || list->elems[0].offset < 0)
      return std::nullopt;
    return std::max<int64_t>(0, high - list->elems[0].offset);
  }

  Status Poll(int timeout_ms, size_t max_records, std::vector<RawRecord>* out) override {
    RETURN_IF_ERROR(CheckOpen());
    // As on the embedded backend: polling before subscribing is a caller's bug.
    if (!subscribed_)
      return Status::FailedPrecondition("Poll before Subscribe (group " + Quoted(group_) + ")");
    if (!pending_error_.ok()) return std::exchange(pending_error_, Status::Ok());
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(std::max(0, timeout_ms));
    // A rebalance inside this Poll removes the revoked partitions' records from
    // `out` (see OnRebalance), so the count is out's growth.
    polling_out_ = out;
    polling_first_ = out->size();
    struct StopDropping {
      std::vector<RawRecord>** p;
      ~StopDropping() { *p = nullptr; }
    } stop_dropping{&polling_out_};
    size_t got = 0;
    while ((got = out->size() - polling_first_) < max_records) {
      // Wait only while nothing was read; then take what is already there.
      const int wait = got == 0 ? RemainingMs(deadline) : 0;
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, wait);
      if (m == nullptr) {
        // An empty return before the deadline follows a rebalance callback.
        if (got > 0 || wait == 0) break;
        continue;
      }
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        Status s = ConsumeError(m);
        rd_kafka_message_destroy(m);
        if (s.ok()) continue;
        if (got == 0) return s;
        pending_error_ = std::move(s);  // reported by the next Poll, after these records
        break;
      }
      out->push_back(ToRawRecord(m));
      rd_kafka_message_destroy(m);
    }
    got = out->size() - polling_first_;
    // A fatal error (e.g. a static member fenced) reaches the error callback,
    // not the message stream: look for it here, or Poll would go on silently.
    char fatal[512];
    if (rd_kafka_fatal_error(rk_, fatal, sizeof fatal) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::IoError("the consumer of group " + Quoted(group_) + " failed fatally: " + fatal, false);
    }
    if (got == 0 && !pending_error_.ok()) return std::exchange(pending_error_, Status::Ok());
    return Status::Ok();
  }

  Status Pause(const std::vector<TopicPartition>& tps) override {
    RETURN_IF_ERROR(CheckOpen());
    std::vector<TopicPartition> now;
    for (const TopicPartition& tp : tps) {
      if (assigning_.count(tp)) {
        pending_pauses_.insert(tp);
      } else {
        now.push_back(tp);
      }
    }
    return PauseResume(now, true);
  }

  Status Resume(const std::vector<TopicPartition>& tps) override {
    RETURN_IF_ERROR(CheckOpen());
    std::vector<TopicPartition> now;
    for (const TopicPartition& tp : tps) {
      if (assigning_.count(tp)) {
        pending_pauses_.erase(tp);
      } else {
        now.push_back(tp);
      }
    }
    return PauseResume(now, false);
  }

  Result<std::optional<Offset>> Committed(const TopicPartition& tp) override {
    RETURN_IF_ERROR(CheckOpen());
    ListPtr list = ToList(std::vector<TopicPartition>{tp});
    rd_kafka_resp_err_t err = rd_kafka_committed(rk_, list.get(), options_->admin_timeout_ms);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) err = list->elems[0].err;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::IoError("cannot read the committed offset of " + tp.ToString() + " for group " +
                             Quoted(group_) + " within " + Seconds(options_->admin_timeout_ms) + ": " +
                             rd_kafka_err2str(err));
    }
    int64_t offset = list->elems[0].offset;
    if (offset < 0) return std::optional<Offset>();  // RD_KAFKA_OFFSET_INVALID: never committed
    return std::optional<Offset>(Offset(offset));
  }

  Status Seek(const TopicPartition& tp, Offset offset) override {
    RETURN_IF_ERROR(CheckOpen());
    if (assigning_.count(tp)) {
      pending_seeks_[tp] = offset;
      return Status::Ok();
    }
    ListPtr list = ToList(OffsetMap{{tp, offset}});
    ErrorPtr error(rd_kafka_seek_partitions(rk_, list.get(), options_->admin_timeout_ms));
    std::string why = error ? rd_kafka_error_string(error.get()) : FirstPartitionError(list.get());
    if (!why.empty()) {
      return Status::IoError("cannot seek " + tp.ToString() + " to offset " + std::to_string(offset.value()) +
                             ": " + why);
    }
    return Status::Ok();
  }

  Status CommitOffsets(const OffsetMap& offsets) override {
    RETURN_IF_ERROR(CheckOpen());
    // An empty list would mean "commit the current positions" to librdkafka.
    if (offsets.empty()) return Status::Ok();
    ListPtr list = ToList(offsets);
    rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list.get(), /*async=*/0);
    std::string why;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      why = rd_kafka_err2str(err);
    } else {
      why = FirstPartitionError(list.get());
    }
    if (!why.empty()) {
      if (IsFencing(err) || IsFencing(FirstPartitionErrorCode(list.get())))
        return Status::Fenced("the group " + Quoted(group_) + " moved on: cannot commit offsets: " + why);
      return Status::IoError("cannot commit offsets of group " + Quoted(group_) + ": " + why);
    }
    return Status::Ok();
  }

  Status Close() override {
    if (closed_ || closing_) return Status::Ok();
    // Revokes the assignment through the listener (on this thread) and leaves the
    // group, so the other members take the partitions over at once. The consumer
    // stays usable until then: OnRevoked must still be able to commit.
    closing_ = true;
    rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk_);
    closed_ = true;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::IoError("closing the consumer of group " + Quoted(group_) + ": " + rd_kafka_err2str(err),
                             false);
    }
    return Status::Ok();
  }

 private:
  Status CheckOpen() const {
    if (closed_) return Status::FailedPrecondition("the consumer of group " + Quoted(group_) + " is closed");
    return Status::Ok();
  }

  Status PauseResume(const std::vector<TopicPartition>& tps, bool pause) {
    if (tps.empty()) return Status::Ok();
    ListPtr list = ToList(tps);
    rd_kafka_resp_err_t err =
        pause ? rd_kafka_pause_partitions(rk_, list.get()) : rd_kafka_resume_partitions(rk_, list.get());
    std::string why =
        err != RD_KAFKA_RESP_ERR_NO_ERROR ? rd_kafka_err2str(err) : FirstPartitionError(list.get());
    if (!why.empty()) return Status::IoError(std::string(pause ? "cannot pause " : "cannot resume ") + why);
    return Status::Ok();
  }

  // Consumer errors arrive as messages. Most are transient and librdkafka
  // retries them itself; only those no retry can fix stop the caller.
  Status ConsumeError(const rd_kafka_message_t* m) {
    switch (m->err) {
      case RD_KAFKA_RESP_ERR__FATAL: {
        char buf[512];
        rd_kafka_fatal_error(rk_, buf, sizeof buf);
        return Status::IoError("the consumer of group " + Quoted(group_) + " failed fatally: " + buf, false);
      }
      case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
      case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
        return Status::IoError(
            "the consumer of group " + Quoted(group_) + " is not authorized: " + rd_kafka_message_errstr(m),
            false);
      case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
        return Status::IoError(std::string("a subscribed topic does not exist on the cluster: ") +
                               rd_kafka_message_errstr(m));
      default: return Status::Ok();  // partition EOF, broker down, ...: librdkafka retries
    }
  }

  RawRecord ToRawRecord(const rd_kafka_message_t* m) {
    RawRecord r;
    // Compare names, not handles: a freed handle's address can come back for
    // another topic.
    const char* topic = rd_kafka_topic_name(m->rkt);
    if (last_topic_ != topic) last_topic_ = topic;
    r.topic = last_topic_;
    r.partition = Partition(m->partition);
    r.offset = Offset(m->offset);
    rd_kafka_timestamp_type_t type;
    int64_t ts = rd_kafka_message_timestamp(m, &type);
    r.timestamp = TimestampMs(ts < 0 ? 0 : ts);
    if (m->key != nullptr) r.key.emplace(static_cast<const char*>(m->key), m->key_len);
    if (m->payload != nullptr) r.value.emplace(static_cast<const char*>(m->payload), m->len);
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const size_t n = rd_kafka_header_cnt(headers);
      r.headers.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        const char* name;
        const void* value;
        size_t size;
        if (rd_kafka_header_get_all(headers, i, &name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) break;
        r.headers.emplace_back(name,
                               value ? std::string(static_cast<const char*>(value), size) : std::string());
      }
    }
    return r;
  }

  // Records the current Poll already took from partitions now revoked: they
  // belong to the next owner, which reads them from the committed offset; the
  // caller must never see records of a partition it no longer owns. (librdkafka
  // serves a rebalance ahead of queued records, so this happens only when the
  // rebalance arrives while Poll is already collecting.)
  void DropPolled(const std::vector<TopicPartition>& revoked) {
    if (polling_out_ == nullptr) return;
    std::set<TopicPartition> gone(revoked.begin(), revoked.end());
    auto first = polling_out_->begin() + static_cast<std::ptrdiff_t>(polling_first_);
    polling_out_->erase(std::remove_if(first, polling_out_->end(),
                                       [&](const RawRecord& r) {
                                         return gone.count(TopicPartition{r.topic, r.partition}) > 0;
                                       }),
                        polling_out_->end());
  }

  static void OnRebalanceCb(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                            void* opaque) {
    static_cast<KafkaConsumer*>(static_cast<ClientBase*>(opaque))->OnRebalance(err, parts);
  }

  void OnRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* group_parts) {
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk_), "COOPERATIVE") == 0;
    // What the group assigned, plus the same partitions of co-partitioned topics.
    ListPtr expanded(rd_kafka_topic_partition_list_copy(group_parts));
    for (int i = 0; i < group_parts->cnt; ++i) {
      auto it = followers_.find(group_parts->elems[i].topic);
      if (it == followers_.end()) continue;
      for (const auto& topic : it->second)
        rd_kafka_topic_partition_list_add(expanded.get(), topic.c_str(), group_parts->elems[i].partition);
    }
    rd_kafka_topic_partition_list_t* parts = expanded.get();
    std::vector<TopicPartition> tps = FromList(parts);
    std::string failure;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      // The listener runs before the assignment so that its seeks become the
      // assignment's start offsets: a seek issued after the assignment races with
      // librdkafka's fetch of the committed offset and can be overwritten.
      assigning_.insert(tps.begin(), tps.end());
      pending_seeks_.clear();
      pending_pauses_.clear();
      if (listener_ != nullptr) listener_->OnAssigned(tps);
      for (int i = 0; i < parts->cnt; ++i) {
        auto it =
            pending_seeks_.find(TopicPartition{parts->elems[i].topic, Partition(parts->elems[i].partition)});
        if (it != pending_seeks_.end()) parts->elems[i].offset = it->second.value();
      }
      assigning_.clear();
      if (cooperative) {
        ErrorPtr error(rd_kafka_incremental_assign(rk_, parts));
        if (error) failure = rd_kafka_error_string(error.get());
      } else {
        rd_kafka_resp_err_t e = rd_kafka_assign(rk_, parts);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) failure = rd_kafka_err2str(e);
      }
      std::vector<TopicPartition> pauses(pending_pauses_.begin(), pending_pauses_.end());
      pending_pauses_.clear();
      Status s = PauseResume(pauses, true);
      if (!s.ok() && failure.empty()) failure = s.message();
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      // Lost partitions (session timeout) come here too; the owner's commit then
      // fails, which is what it must learn.
      DropPolled(tps);
      if (listener_ != nullptr) listener_->OnRevoked(tps);
      if (cooperative) {
        ErrorPtr error(rd_kafka_incremental_unassign(rk_, parts));
        if (error) failure = rd_kafka_error_string(error.get());
      } else {
        rd_kafka_resp_err_t e = rd_kafka_assign(rk_, nullptr);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) failure = rd_kafka_err2str(e);
      }
    } else {
      rd_kafka_assign(rk_, nullptr);
      failure = rd_kafka_err2str(err);
    }
    if (!failure.empty() && pending_error_.ok()) {
      pending_error_ = Status::IoError("rebalance of group " + Quoted(group_) + " failed: " + failure);
    }
  }

  const std::string group_;
  rd_kafka_t* rk_ = nullptr;
  RebalanceListener* listener_ = nullptr;
  // Subscribed topic -> the topics co-partitioned with it, assigned alongside.
  std::map<std::string, std::vector<std::string>> followers_;
  bool closing_ = false;  // inside Close: the listener is being told
  bool closed_ = false;
  bool subscribed_ = false;
  Status pending_error_;
  // While Poll runs: its output and where this Poll's records begin in it.
  std::vector<RawRecord>* polling_out_ = nullptr;
  size_t polling_first_ = 0;
  // While OnAssigned runs: the partitions being assigned and what the listener
  // asked for them.
  std::set<TopicPartition> assigning_;
  std::map<TopicPartition, Offset> pending_seeks_;
  std::set<TopicPartition> pending_pauses_;
  // Consecutive records mostly share a topic: one compare instead of a fresh
  // string built from the C name.
  std::string last_topic_;
};

// ---- producer ----

class KafkaProducer final : public Producer, public ClientBase {
 public:
  KafkaProducer(std::shared_ptr<const KafkaLogOptions> options, std::string transactional_id)
      : ClientBase(std::move(options)), txn_id_(std::move(transactional_id)) {}

  ~KafkaProducer() override {
    if (rk_ == nullptr) return;
    for (auto& [name, rkt] : topics_) rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk_);
  }

  Status Init() {
    std::map<std::string, std::string> per_client;
    if (!txn_id_.empty()) per_client = {{"transactional.id", txn_id_}, {"client.id", txn_id_}};
    ASSIGN_OR_RETURN(ConfPtr conf, NewConf(ClientKind::kProducer, per_client));
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaProducer::OnDeliveryCb);
    ASSIGN_OR_RETURN(rk_, NewHandle(RD_KAFKA_PRODUCER, std::move(conf), "producer"));
    if (txn_id_.empty()) return Status::Ok();
    const int timeout = options_->transaction_timeout_ms;
    ErrorPtr error(rd_kafka_init_transactions(rk_, timeout));
    if (!error) return Status::Ok();
    if (rd_kafka_error_code(error.get()) == RD_KAFKA_RESP_ERR__TIMED_OUT) {
      rd_kafka_poll(rk_, 0);  // serve the connection errors behind the timeout
      std::string last = LastError();
      return Status::IoError(Name() + " could not initialize transactions within " + Seconds(timeout) +
                             (last.empty() ? "" : " (" + last + ")") +
                             "; check that the brokers are up and support transactions");
    }
    return Status::IoError(
        Name() + " could not initialize transactions: " + rd_kafka_error_string(error.get()),
        rd_kafka_error_is_retriable(error.get()));
  }

  Status Send(RawRecord record) override {
    if (!fatal_.ok()) return fatal_;
    if (!delivery_error_.ok()) return delivery_error_;
    rd_kafka_topic_t* rkt = Topic(record.topic);
    vus_.clear();
    auto add = [this](rd_kafka_vtype_t type) -> rd_kafka_vu_t& {
      rd_kafka_vu_t& vu = vus_.emplace_back();
      vu.vtype = type;
      return vu;
    };
    add(RD_KAFKA_VTYPE_RKT).u.rkt = rkt;
    // A negative partition: let murmur2_random place it, as a Java producer would.
    add(RD_KAFKA_VTYPE_PARTITION).u.i32 =
        record.partition.value() < 0 ? RD_KAFKA_PARTITION_UA : record.partition.value();
    add(RD_KAFKA_VTYPE_MSGFLAGS).u.i = RD_KAFKA_MSG_F_COPY;
    // A null pointer is a null key / tombstone; an empty string is not.
    rd_kafka_vu_t& key = add(RD_KAFKA_VTYPE_KEY);
    key.u.mem.ptr = record.key ? record.key->data() : nullptr;
    key.u.mem.size = record.key ? record.key->size() : 0;
    rd_kafka_vu_t& value = add(RD_KAFKA_VTYPE_VALUE);
    value.u.mem.ptr = record.value ? record.value->data() : nullptr;
    value.u.mem.size = record.value ? record.value->size() : 0;
    add(RD_KAFKA_VTYPE_TIMESTAMP).u.i64 = record.timestamp.value();
    for (const auto& [name, val] : record.headers) {
      rd_kafka_vu_t& h = add(RD_KAFKA_VTYPE_HEADER);
      h.u.header.name = name.c_str();
      h.u.header.val = val.data();
      h.u.header.size = static_cast<ssize_t>(val.size());
    }

    SteadyClock::time_point deadline{};
    for (;;) {
      ErrorPtr error(rd_kafka_produceva(rk_, vus_.data(), vus_.size()));
      if (!error) break;
      const rd_kafka_resp_err_t code = rd_kafka_error_code(error.get());
      if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        return SendError(record, code, rd_kafka_error_string(error.get()));
      // The local queue is full: serve delivery reports to make room, then retry.
      if (deadline == SteadyClock::time_point{}) {
        deadline = SteadyClock::now() + std::chrono::milliseconds(options_->flush_timeout_ms);
      } else if (SteadyClock::now() >= deadline) {
        return Status::IoError("the Kafka producer's queue stayed full for " +
                               Seconds(options_->flush_timeout_ms) + " while sending to " + record.topic +
                               "; are the brokers up?" + LastErrorSuffix());
      }
      rd_kafka_poll(rk_, 100);
      if (!delivery_error_.ok()) return delivery_error_;
      RETURN_IF_ERROR(CheckFatal());
    }
    // Serve delivery reports now and then: often enough to notice a failure
    // soon, rarely enough to keep the queue lock off the per-record path.
    if ((++sends_ & 63) == 0) rd_kafka_poll(rk_, 0);
    return Status::Ok();
  }

  Status Flush() override {
    if (!fatal_.ok()) return fatal_;
    rd_kafka_resp_err_t err = rd_kafka_flush(rk_, options_->flush_timeout_ms);
    RETURN_IF_ERROR(CheckFatal());
    if (!delivery_error_.ok()) return delivery_error_;
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
      const int left = rd_kafka_outq_len(rk_);
      return Status::IoError(std::to_string(left) + (left == 1 ? " record" : " records") +
                             " still unacknowledged after " + Seconds(options_->flush_timeout_ms) +
                             "; are the brokers up?" + LastErrorSuffix());
    }
    return Status::Ok();
  }

  Status BeginTransaction() override {
    RETURN_IF_ERROR(CheckTransactional());
    ErrorPtr error(rd_kafka_begin_transaction(rk_));
    if (!error) return Status::Ok();
    if (rd_kafka_error_is_fatal(error.get())) return SetFatal("begin a transaction", error.get());
    return Status::FailedPrecondition(Name() +
                                      " cannot begin a transaction: " + rd_kafka_error_string(error.get()));
  }

  Status CommitTransaction(const OffsetMap& consumed, Consumer& consumer) override {
    RETURN_IF_ERROR(CheckTransactional());
    auto* kafka_consumer = dynamic_cast<KafkaConsumer*>(&consumer);
    if (kafka_consumer == nullptr) {
      return Status::Invalid("CommitTransaction needs a consumer of the same kafka log");
    }
    // A record of this transaction was lost: committing would hide the gap.
    if (!delivery_error_.ok()) return AbortBecause("deliver a record", delivery_error_.message());
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(options_->transaction_timeout_ms);
    if (!consumed.empty()) {
      ListPtr offsets = ToList(consumed);
      GroupMetadataPtr group(rd_kafka_consumer_group_metadata(kafka_consumer->handle()));
      RETURN_IF_ERROR(TxnCall("send the consumed offsets", deadline, [&](int timeout_ms) {
        return rd_kafka_send_offsets_to_transaction(rk_, offsets.get(), group.get(), timeout_ms);
      }));
    }
    return TxnCall("commit the transaction", deadline,
                   [&](int timeout_ms) { return rd_kafka_commit_transaction(rk_, timeout_ms); });
  }

  Status AbortTransaction() override {
    RETURN_IF_ERROR(CheckTransactional());
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(options_->transaction_timeout_ms);
    for (;;) {
      ErrorPtr error(rd_kafka_abort_transaction(rk_, RemainingMs(deadline)));
      if (!error) break;
      if (rd_kafka_error_is_fatal(error.get())) return SetFatal("abort the transaction", error.get());
      if (rd_kafka_error_is_retriable(error.get()) && RemainingMs(deadline) > 0) {
        rd_kafka_poll(rk_, 100);
        continue;
      }
      if (rd_kafka_error_code(error.get()) == RD_KAFKA_RESP_ERR__STATE) {
        return Status::FailedPrecondition(Name() + " cannot abort: " + rd_kafka_error_string(error.get()));
      }
      // Neither committed nor aborted: only a new producer with this id (which
      // fences this one) can settle the transaction.
      return SetFatal("abort the transaction", error.get());
    }
    delivery_error_ = Status::Ok();  // the failed records were part of what was aborted
    return Status::Ok();
  }

 private:
  static void OnDeliveryCb(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
    auto* self = static_cast<KafkaProducer*>(static_cast<ClientBase*>(opaque));
    if (!self->delivery_error_.ok()) return;  // keep the first
    const std::string where =
        std::string(rd_kafka_topic_name(m->rkt)) + "[" + std::to_string(m->partition) + "]";
    const bool permanent = m->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
                           m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
                           m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
                           m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    self->delivery_error_ =
        // (rd_kafka_message_errstr is for consumed messages only: here it would read the payload.)
        Status::IoError("delivery to " + where + " failed: " + rd_kafka_err2str(m->err), !permanent);
  }

  Status SendError(const RawRecord& record, rd_kafka_resp_err_t code, const char* why) {
    const std::string where = record.topic + "[" + std::to_string(record.partition.value()) + "]";
    switch (code) {
      case RD_KAFKA_RESP_ERR__FATAL:
        RETURN_IF_ERROR(CheckFatal());
        return Status::IoError("cannot send to " + where + ": " + why, false);
      case RD_KAFKA_RESP_ERR__STATE:
        return Status::FailedPrecondition("cannot send to " + where + ": " + why +
                                          " (a transactional producer sends only inside a transaction)");
      default:
        // Unknown partition, record too large, ...: sending again cannot help.
        return Status::Invalid("cannot send to " + where + ": " + why);
    }
  }

  rd_kafka_topic_t* Topic(const std::string& name) {
    auto it = topics_.find(name);
    if (it != topics_.end()) return it->second;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, name.c_str(), nullptr);
    topics_.emplace(name, rkt);
    return rkt;
  }

  Status CheckTransactional() {
    if (txn_id_.empty()) {
      return Status::FailedPrecondition(
          "this producer is not transactional (it was created without a transactional id)");
    }
    if (!fatal_.ok()) return fatal_;
    return CheckFatal();
  }

  // A fatal error (fencing among them) can arrive with any call or callback.
  Status CheckFatal() {
    if (!fatal_.ok()) return fatal_;
    char buf[512];
    rd_kafka_resp_err_t err = rd_kafka_fatal_error(rk_, buf, sizeof buf);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
    std::string msg = Name() + " failed fatally (" + rd_kafka_err2name(err) + ": " + buf +
                      "); it must not be used again: close its tasks and create a new producer";
    fatal_ = IsFencing(err) ? Status::Fenced(msg) : Status::IoError(msg, false);
    return fatal_;
  }

  Status SetFatal(const char* what, const rd_kafka_error_t* error) {
    std::string msg = Name() + " could not " + what + " (" + rd_kafka_error_name(error) + ": " +
                      rd_kafka_error_string(error) +
                      "); it must not be used again: close its tasks and create a new producer";
    fatal_ = IsFencing(rd_kafka_error_code(error)) ? Status::Fenced(msg) : Status::IoError(msg, false);
    return fatal_;
  }

  // Runs one transactional call: retriable errors are retried until `deadline`;
  // an abortable one aborts; a fatal one poisons the producer.
  template <typename Call>
  Status TxnCall(const char* what, SteadyClock::time_point deadline, Call call) {
    for (;;) {
      ErrorPtr error(call(std::max(1, RemainingMs(deadline))));
      if (!error) return Status::Ok();
      if (rd_kafka_error_is_fatal(error.get())) return SetFatal(what, error.get());
      if (rd_kafka_error_code(error.get()) == RD_KAFKA_RESP_ERR__STATE) {
        // E.g. commit without a begun transaction: a caller's mistake, nothing to abort.
        return Status::FailedPrecondition(Name() + " cannot " + what + ": " +
                                          rd_kafka_error_string(error.get()));
      }
      if (rd_kafka_error_txn_requires_abort(error.get())) {
        Status aborted = AbortBecause(what, rd_kafka_error_string(error.get()));
        // The consumer group moved on (TxnOffsetCommit refused the generation):
        // the partitions belong to someone else now.
        if (aborted.code() == StatusCode::kIoError && IsFencing(rd_kafka_error_code(error.get())))
          return Status::Fenced(aborted.message());
        return aborted;
      }
      if (rd_kafka_error_is_retriable(error.get()) && RemainingMs(deadline) > 0) {
        rd_kafka_poll(rk_, 100);  // a short pause that serves callbacks, not a busy loop
        continue;
      }
      // Out of time or not retriable: try to abort so the caller can start over.
      return AbortBecause(what, rd_kafka_error_string(error.get()));
    }
  }

  Status AbortBecause(const char* what, const std::string& why) {
    Status aborted = AbortTransaction();
    if (!aborted.ok()) {
      // Neither committed nor aborted (e.g. a commit that timed out cannot be
      // aborted): only a new producer with this id settles the transaction.
      if (fatal_.ok()) {
        fatal_ = Status::IoError(
            Name() + " could not " + what + " (" + why + ") nor abort the transaction (" + aborted.message() +
                "); it must not be used again: close its tasks and create a new producer",
            false);
      }
      return fatal_;
    }
    return Status::IoError(Name() + " could not " + what + " (" + why +
                           "); the transaction was aborted: reprocess from the last committed offsets");
  }

  std::string LastErrorSuffix() {
    std::string last = LastError();
    return last.empty() ? "" : " (last error: " + last + ")";
  }

  std::string Name() const { return txn_id_.empty() ? "the Kafka producer" : "producer " + Quoted(txn_id_); }

  const std::string txn_id_;
  rd_kafka_t* rk_ = nullptr;
  std::unordered_map<std::string, rd_kafka_topic_t*> topics_;
  std::vector<rd_kafka_vu_t> vus_;  // reused by every Send
  uint64_t sends_ = 0;
  Status delivery_error_;  // the first asynchronous delivery error
  Status fatal_;           // once set, every call returns it
};

// ---- the log: admin requests and client factory ----

struct TopicInfo {
  int32_t partitions = 0;
};
struct ClusterView {
  int brokers = 0;
  std::map<std::string, TopicInfo> topics;
};

class KafkaLog final : public Log, public ClientBase {
 public:
  explicit KafkaLog(std::shared_ptr<const KafkaLogOptions> options) : ClientBase(std::move(options)) {}
  ~KafkaLog() override {
    if (rk_ != nullptr) rd_kafka_destroy(rk_);
  }

  Status Init() {
    ASSIGN_OR_RETURN(ConfPtr conf, NewConf(ClientKind::kAdmin, {}));
    ASSIGN_OR_RETURN(rk_, NewHandle(RD_KAFKA_PRODUCER, std::move(conf), "admin client"));
    // Fail here, with the reason, when the brokers cannot be reached.
    ASSIGN_OR_RETURN(ClusterView view, Metadata());
    (void)view;  // Metadata() also fills the topic cache
    return Status::Ok();
  }

  std::string Describe() const override { return "kafka " + options_->bootstrap_servers; }

  Status EnsureTopics(const std::vector<TopicConfig>& topics, std::vector<std::string>* report) override {
    ASSIGN_OR_RETURN(ClusterView view, Metadata());
    std::vector<std::string> mismatches;
    std::vector<const TopicConfig*> missing;
    std::set<std::string> seen;
    for (const TopicConfig& t : topics) {
      if (!seen.insert(t.name).second) continue;
      if (t.partitions < 1) {
        return Status::Invalid("topic " + Quoted(t.name) + " declares " + std::to_string(t.partitions) +
                               " partitions; it needs at least 1");
      }
      auto it = view.topics.find(t.name);
      if (it == view.topics.end()) {
        missing.push_back(&t);
      } else if (it->second.partitions != t.partitions) {
        mismatches.push_back(PartitionMismatch(t, it->second.partitions));
      } else if (report != nullptr) {
        report->push_back("checked topic " + Quoted(t.name) + ": " + std::to_string(t.partitions) +
                          " partitions");
      }
    }
    // Nothing is created while the cluster disagrees with the topology.
    if (!mismatches.empty()) return Status::FailedPrecondition(Join(mismatches, "; "));
    if (missing.empty()) return Status::Ok();
    return CreateTopics(missing, view.brokers, report);
  }

  Result<int32_t> PartitionCount(const std::string& topic) override {
    ASSIGN_OR_RETURN(ClusterView view, Metadata());
    auto it = view.topics.find(topic);
    if (it == view.topics.end()) {
      return Status::NotFound("topic " + Quoted(topic) + " does not exist on " + Describe());
    }
    return it->second.partitions;
  }

  Result<Offset> EndOffset(const TopicPartition& tp) override {
    // librdkafka looks a partition's leader up with a metadata request that may
    // create a missing topic on a broker with auto.create.topics.enable (the
    // mock creates it too): make sure the topic exists first.
    rd_kafka_poll(rk_, 0);  // serve queued errors: nothing else may poll this handle
    std::optional<int32_t> partitions = KnownPartitions(tp.topic);
    if (!partitions) {
      ASSIGN_OR_RETURN(ClusterView view, Metadata());
      (void)view;
      partitions = KnownPartitions(tp.topic);
    }
    if (!partitions)
      return Status::NotFound("topic " + Quoted(tp.topic) + " does not exist on " + Describe());
    if (tp.partition.value() < 0 || tp.partition.value() >= *partitions) {
      return Status::NotFound(tp.ToString() + " does not exist: topic " + Quoted(tp.topic) + " has " +
                              std::to_string(*partitions) + " partitions");
    }
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk_, tp.topic.c_str(), tp.partition.value(),
                                                               &low, &high, options_->admin_timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::IoError("cannot read the end offset of " + tp.ToString() + " within " +
                             Seconds(options_->admin_timeout_ms) + ": " + rd_kafka_err2str(err));
    }
    return Offset(high);
  }

  using Log::NewConsumer;
  Result<std::unique_ptr<Consumer>> NewConsumer(const std::string& group, const std::string& client_id,
                                                int member) override {
    if (group.empty()) return Status::Invalid("a Kafka consumer needs a group id");
    auto consumer = std::make_unique<KafkaConsumer>(options_, group);
    RETURN_IF_ERROR(consumer->Init(client_id, member));
    return std::unique_ptr<Consumer>(std::move(consumer));
  }

  Result<std::unique_ptr<Producer>> NewProducer(const std::string& transactional_id) override {
    auto producer = std::make_unique<KafkaProducer>(options_, transactional_id);
    RETURN_IF_ERROR(producer->Init());
    return std::unique_ptr<Producer>(std::move(producer));
  }

 private:
  static std::string Join(const std::vector<std::string>& parts, const char* sep) {
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
    return out;
  }

  static std::string PartitionMismatch(const TopicConfig& t, int32_t actual) {
    return "topic " + Quoted(t.name) + " has " + std::to_string(actual) +
           " partitions on the cluster but the topology declares " + std::to_string(t.partitions);
  }

  std::string LastErrorSuffix() {
    std::string last = LastError();
    return last.empty() ? "" : " (" + last + ")";
  }

  // Every topic and its partition count; an error when the brokers do not
  // answer within admin_timeout_ms.
  Result<ClusterView> Metadata() {
    rd_kafka_poll(rk_, 0);  // serve queued errors, so LastError is current
    const rd_kafka_metadata_t* raw = nullptr;
    rd_kafka_resp_err_t err =
        rd_kafka_metadata(rk_, /*all_topics=*/1, nullptr, &raw, options_->admin_timeout_ms);
    MetadataPtr md(raw);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_poll(rk_, 0);
      return Status::IoError("cannot reach the Kafka brokers at " + options_->bootstrap_servers + " within " +
                             Seconds(options_->admin_timeout_ms) + ": " + rd_kafka_err2str(err) +
                             LastErrorSuffix() + "; check the bootstrap servers and that the brokers are up");
    }
    ClusterView view;
    view.brokers = md->broker_cnt;
    for (int i = 0; i < md->topic_cnt; ++i) {
      const rd_kafka_metadata_topic_t& t = md->topics[i];
      if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) continue;
      view.topics[t.topic].partitions = t.partition_cnt;
    }
    std::lock_guard<std::mutex> lock(known_mu_);
    known_.clear();
    for (const auto& [name, info] : view.topics) known_[name] = info.partitions;
    return view;
  }

  std::optional<int32_t> KnownPartitions(const std::string& topic) {
    std::lock_guard<std::mutex> lock(known_mu_);
    auto it = known_.find(topic);
    if (it == known_.end()) return std::nullopt;
    return it->second;
  }

  Status CreateTopics(const std::vector<const TopicConfig*>& missing, int brokers,
                      std::vector<std::string>* report) {
    const int replication =
        options_->replication_factor > 0 ? options_->replication_factor : std::clamp(brokers, 1, 3);
    std::vector<NewTopicPtr> owned;
    std::vector<rd_kafka_NewTopic_t*> raw;
    std::vector<std::string> descriptions;
    for (const TopicConfig* t : missing) {
      char errstr[512];
      NewTopicPtr nt(
          rd_kafka_NewTopic_new(t->name.c_str(), t->partitions, replication, errstr, sizeof errstr));
      if (!nt) return Status::Invalid("cannot create topic " + Quoted(t->name) + ": " + errstr);
      std::map<std::string, std::string> configs;
      if (t->compact) {
        // Retention on a compacted topic applies only together with `delete`.
        configs["cleanup.policy"] = t->retention_ms >= 0 ? "compact,delete" : "compact";
        if (t->retention_ms >= 0) configs["retention.ms"] = std::to_string(t->retention_ms);
      } else {
        configs["cleanup.policy"] = "delete";
        configs["retention.ms"] = std::to_string(t->retention_ms);  // -1: forever, as declared
      }
      for (const auto& [k, v] : t->extra) configs[k] = v;
      for (const auto& [k, v] : configs) {
        rd_kafka_resp_err_t err = rd_kafka_NewTopic_set_config(nt.get(), k.c_str(), v.c_str());
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          return Status::Invalid("topic " + Quoted(t->name) + ": bad config " + k + "=" + v + ": " +
                                 rd_kafka_err2str(err));
        }
      }
      descriptions.push_back(Quoted(t->name) + " (" + std::to_string(t->partitions) +
                             " partitions, replication " + std::to_string(replication) +
                             ", cleanup.policy=" + configs["cleanup.policy"] + ")");
      raw.push_back(nt.get());
      owned.push_back(std::move(nt));
    }

    const int timeout = options_->admin_timeout_ms;
    const std::string unanswered = "the cluster did not answer CreateTopics within " + Seconds(timeout) +
                                   "; create topic" + (missing.size() > 1 ? "s " : " ") +
                                   Join(descriptions, ", ") + " yourself or check the brokers";
    AdminOptionsPtr opts(rd_kafka_AdminOptions_new(rk_, RD_KAFKA_ADMIN_OP_CREATETOPICS));
    char errstr[512];
    // The request timer covers connecting, sending and the answer; the broker-side
    // operation gets a little less so that its own timeout can still come back.
    if (rd_kafka_AdminOptions_set_request_timeout(opts.get(), timeout, errstr, sizeof errstr) ||
        rd_kafka_AdminOptions_set_operation_timeout(opts.get(), std::max(1, timeout * 3 / 4), errstr,
                                                    sizeof errstr)) {
      return Status::Invalid(std::string("bad admin_timeout_ms: ") + errstr);
    }
    QueuePtr queue(rd_kafka_queue_new(rk_));
    rd_kafka_CreateTopics(rk_, raw.data(), raw.size(), opts.get(), queue.get());
    // librdkafka's own timer fires at `timeout`; the margin only guards against it
    // not firing, so this never hangs.
    EventPtr event(rd_kafka_queue_poll(queue.get(), timeout + 5000));
    if (!event) return Status::IoError(unanswered, false);
    if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (rd_kafka_event_error(event.get()) == RD_KAFKA_RESP_ERR__TIMED_OUT)
        return Status::IoError(unanswered, false);
      return Status::IoError(std::string("CreateTopics failed: ") + rd_kafka_event_error_string(event.get()) +
                             "; create topic" + (missing.size() > 1 ? "s " : " ") + Join(descriptions, ", ") +
                             " yourself or check the brokers");
    }
    const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
    size_t n = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &n);
    std::vector<std::string> failures;
    std::set<std::string> raced;  // created meanwhile by someone else: check them
    for (size_t i = 0; i < n; ++i) {
      const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
      const std::string name = rd_kafka_topic_result_name(results[i]);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (report != nullptr) {
          auto it = std::find_if(missing.begin(), missing.end(),
                                 [&](const TopicConfig* t) { return t->name == name; });
          report->push_back("created topic " + descriptions[it - missing.begin()]);
        }
      } else if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        raced.insert(name);
      } else {
        const char* why = rd_kafka_topic_result_error_string(results[i]);
        failures.push_back("cannot create topic " + Quoted(name) + ": " +
                           (why ? why : rd_kafka_err2str(err)));
      }
    }
    if (!failures.empty()) return Status::IoError(Join(failures, "; "), false);
    return AwaitTopics(missing, raced, report);
  }

  // New topics reach every broker's metadata a moment after CreateTopics
  // returns; wait for them (bounded) so consumers and producers see them, and
  // check the partition count of topics another process created meanwhile.
  Status AwaitTopics(const std::vector<const TopicConfig*>& topics, const std::set<std::string>& raced,
                     std::vector<std::string>* report) {
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(options_->admin_timeout_ms);
    for (;;) {
      ASSIGN_OR_RETURN(ClusterView view, Metadata());
      std::vector<std::string> absent, mismatches;
      for (const TopicConfig* t : topics) {
        auto it = view.topics.find(t->name);
        if (it == view.topics.end() || it->second.partitions == 0) {
          absent.push_back(Quoted(t->name));
        } else if (it->second.partitions != t->partitions) {
          mismatches.push_back(PartitionMismatch(*t, it->second.partitions));
        }
      }
      if (!mismatches.empty()) return Status::FailedPrecondition(Join(mismatches, "; "));
      if (absent.empty()) {
        if (report != nullptr) {
          for (const std::string& name : raced)
            report->push_back("checked topic " + Quoted(name) + " (created meanwhile)");
        }
        return Status::Ok();
      }
      if (SteadyClock::now() >= deadline) {
        return Status::IoError("created topics " + Join(absent, ", ") +
                               " did not appear in the cluster's metadata within " +
                               Seconds(options_->admin_timeout_ms));
      }
      rd_kafka_poll(rk_, 200);  // a pause that also serves errors
    }
  }

  rd_kafka_t* rk_ = nullptr;
  // Partition counts from the newest metadata, so EndOffset (called often, for
  // lag) needs no metadata request of its own.
  std::mutex known_mu_;
  std::map<std::string, int32_t> known_;
};

}  // namespace

Result<std::unique_ptr<Log>> OpenKafkaLog(const KafkaLogOptions& options) {
  if (options.bootstrap_servers.empty()) {
    return Status::Invalid("the kafka backend needs bootstrap servers (host:port,...)");
  }
  if (options.admin_timeout_ms <= 0 || options.transaction_timeout_ms <= 0 || options.flush_timeout_ms <= 0) {
    return Status::Invalid("kafka timeouts must be positive");
  }
  RETURN_IF_ERROR(CheckUserProperties(options.properties));
  auto log = std::make_unique<KafkaLog>(std::make_shared<const KafkaLogOptions>(options));
  RETURN_IF_ERROR(log->Init());
  return std::unique_ptr<Log>(std::move(log));
}

}  // namespace topo::log
