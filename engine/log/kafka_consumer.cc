#include "engine/log/kafka_consumer.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "engine/log/kafka_client.h"

namespace topo::log {

std::map<std::string, std::string> ConsumerClientProperties(const KafkaLogOptions& options,
                                                            const std::string& group,
                                                            const std::string& client_id, int member) {
  std::map<std::string, std::string> props = {{"group.id", group}};
  if (!client_id.empty()) props["client.id"] = client_id;
  if (auto id = options.properties.find("group.instance.id"); id != options.properties.end())
    props["group.instance.id"] = id->second + "-" + std::to_string(member);
  return props;
}

namespace kafka {
namespace {

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
    if (rd_kafka_position(rk_, list.get()) != RD_KAFKA_RESP_ERR_NO_ERROR || list->elems[0].offset < 0) {
      // No record consumed yet, so no position; but a partition the broker
      // said holds nothing (low == high, from a fetch) has nothing to wait
      // for, so a task reading it with others does not stall on it.
      if (low >= 0 && low == high) return 0;
      return std::nullopt;
    }
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

  Result<std::optional<OffsetAndMetadata>> CommittedWithMetadata(const TopicPartition& tp) override {
    RETURN_IF_ERROR(CheckOpen());
    ListPtr list = ToList(std::vector<TopicPartition>{tp});
    rd_kafka_resp_err_t err = rd_kafka_committed(rk_, list.get(), options_->admin_timeout_ms);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) err = list->elems[0].err;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::IoError("cannot read the committed offset of " + tp.ToString() + " for group " +
                             Quoted(group_) + " within " + Seconds(options_->admin_timeout_ms) + ": " +
                             rd_kafka_err2str(err));
    }
    const rd_kafka_topic_partition_t& e = list->elems[0];
    if (e.offset < 0) return std::optional<OffsetAndMetadata>();  // RD_KAFKA_OFFSET_INVALID: never committed
    OffsetAndMetadata committed{Offset(e.offset), ""};
    if (e.metadata != nullptr)
      committed.metadata.assign(static_cast<const char*>(e.metadata), e.metadata_size);
    return std::optional<OffsetAndMetadata>(std::move(committed));
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

  using Consumer::CommitOffsets;
  Status CommitOffsets(const OffsetMap& offsets, const CommitMetadata& metadata) override {
    RETURN_IF_ERROR(CheckOpen());
    // An empty list would mean "commit the current positions" to librdkafka.
    if (offsets.empty()) return Status::Ok();
    ASSIGN_OR_RETURN(ListPtr list, CommitList(offsets, metadata));
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
      // librdkafka keeps an application's pause on a partition across its
      // revocation (2.0.2 resets only its own): one paused for back-pressure
      // when the group took it away would come back paused, and the new
      // owner's tasks would never read it. So every added partition starts
      // resumed, but for those the listener paused in OnAssigned. (Resuming
      // one that is not paused restarts its fetch at its start offset; nothing
      // was delivered yet, so nothing is read twice.)
      std::vector<TopicPartition> resumes, pauses;
      for (const TopicPartition& tp : tps) (pending_pauses_.count(tp) ? pauses : resumes).push_back(tp);
      pending_pauses_.clear();
      Status s = PauseResume(resumes, false);
      if (s.ok()) s = PauseResume(pauses, true);
      if (!s.ok() && failure.empty()) failure = s.message();
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      // Lost partitions come here too: the group moved on without this member
      // (its session expired, a heartbeat found its generation or member id
      // stale, a static member was fenced). Their new owner may already be
      // processing them, so the listener must drop them, not commit them.
      DropPolled(tps);
      if (listener_ != nullptr) {
        if (rd_kafka_assignment_lost(rk_)) {
          listener_->OnLost(tps);
        } else {
          listener_->OnRevoked(tps);
        }
      }
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

}  // namespace

Result<std::unique_ptr<Consumer>> NewKafkaConsumer(std::shared_ptr<const KafkaLogOptions> options,
                                                   const std::string& group, const std::string& client_id,
                                                   int member) {
  if (group.empty()) return Status::Invalid("a Kafka consumer needs a group id");
  auto consumer = std::make_unique<KafkaConsumer>(std::move(options), group);
  RETURN_IF_ERROR(consumer->Init(client_id, member));
  return std::unique_ptr<Consumer>(std::move(consumer));
}

rd_kafka_t* KafkaConsumerHandle(Consumer& consumer) {
  auto* kafka_consumer = dynamic_cast<KafkaConsumer*>(&consumer);
  return kafka_consumer == nullptr ? nullptr : kafka_consumer->handle();
}

}  // namespace kafka
}  // namespace topo::log
