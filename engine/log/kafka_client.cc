#include "engine/log/kafka_client.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace topo::log::kafka {

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

Result<ListPtr> CommitList(const OffsetMap& offsets, const CommitMetadata& metadata) {
  ListPtr list = ToList(offsets);
  for (int i = 0; i < list->cnt; ++i) {
    rd_kafka_topic_partition_t* e = &list->elems[i];
    auto m = metadata.find(TopicPartition{e->topic, Partition(e->partition)});
    if (m == metadata.end() || m->second.empty()) continue;
    RETURN_IF_ERROR(CheckCommitMetadata(m->first, m->second));
    // The list owns it: librdkafka frees it with the list (free()).
    e->metadata = std::malloc(m->second.size());
    if (e->metadata == nullptr) std::abort();
    std::memcpy(e->metadata, m->second.data(), m->second.size());
    e->metadata_size = m->second.size();
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

namespace {

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

}  // namespace

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

Result<ConfPtr> ClientBase::NewConf(ClientKind kind, const std::map<std::string, std::string>& per_client) {
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

Result<rd_kafka_t*> ClientBase::NewHandle(rd_kafka_type_t type, ConfPtr conf, const char* what) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) return Status::Invalid(std::string("cannot create the Kafka ") + what + ": " + errstr);
  conf.release();
  return rk;
}

void ClientBase::OnError(rd_kafka_t* rk, int err, const char* reason) {
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

void ClientBase::OnErrorCb(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  static_cast<ClientBase*>(opaque)->OnError(rk, err, reason);
}
void ClientBase::OnLogCb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  auto* self = static_cast<ClientBase*>(rd_kafka_opaque(rk));
  if (self != nullptr && self->options_->logger) self->options_->logger(level, fac, buf);
}

}  // namespace topo::log::kafka
