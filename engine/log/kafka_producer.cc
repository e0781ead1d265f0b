#include "engine/log/kafka_producer.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/log/kafka_client.h"
#include "engine/log/kafka_consumer.h"

namespace topo::log::kafka {
namespace {

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
    if (!txn_id_.empty()) {
      per_client = {{"transactional.id", txn_id_}, {"client.id", txn_id_}};
      if (options_->producer_transaction_timeout_ms > 0)
        per_client["transaction.timeout.ms"] = std::to_string(options_->producer_transaction_timeout_ms);
    }
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
      if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        // Refused because the transaction already failed (an earlier record's
        // delivery): report that record and why, from its delivery report,
        // rather than "not allowed in state AbortableError".
        if (code == RD_KAFKA_RESP_ERR__STATE || rd_kafka_error_txn_requires_abort(error.get())) {
          rd_kafka_poll(rk_, 0);
          if (!delivery_error_.ok()) return delivery_error_;
        }
        return SendError(record, code, rd_kafka_error_string(error.get()));
      }
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

  using Producer::CommitTransaction;
  Status CommitTransaction(const OffsetMap& consumed, const CommitMetadata& metadata,
                           Consumer& consumer) override {
    RETURN_IF_ERROR(CheckTransactional());
    rd_kafka_t* consumer_handle = KafkaConsumerHandle(consumer);
    if (consumer_handle == nullptr) {
      return Status::Invalid("CommitTransaction needs a consumer of the same kafka log");
    }
    // A record of this transaction was lost: committing would hide the gap.
    if (!delivery_error_.ok()) return AbortForLostRecord("deliver a record", delivery_error_.message());
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(options_->transaction_timeout_ms);
    if (!consumed.empty()) {
      ASSIGN_OR_RETURN(ListPtr offsets, CommitList(consumed, metadata));
      GroupMetadataPtr group(rd_kafka_consumer_group_metadata(consumer_handle));
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
    const std::string where =
        std::string(rd_kafka_topic_name(m->rkt)) + "[" + std::to_string(m->partition) + "]";
    const bool permanent = m->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
                           m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
                           m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
                           m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    // Keep the first error, except that a refusal for good replaces a
    // transient one: it is the cause (an abort purges the other queued
    // records, whose reports may come first), and it decides the recovery.
    if (!self->delivery_error_.ok() &&
        (!permanent || self->delivery_error_.code() == StatusCode::kInvalidArgument))
      return;
    // (rd_kafka_message_errstr is for consumed messages only: here it would read the payload.)
    const std::string why = "delivery to " + where + " failed: " + rd_kafka_err2str(m->err);
    // A refusal for good is the record's (invalid argument): the runtime stops
    // on it instead of rejoining to replay what would fail again.
    self->delivery_error_ =
        permanent ? Status::Invalid(why + " (the topic refuses this record for good)") : Status::IoError(why);
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
        Status aborted = AbortForLostRecord(what, rd_kafka_error_string(error.get()));
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

  // The transaction must abort, most often because a record's delivery failed
  // (its report says which and why). A record refused for good (too large, no
  // such partition) fails the same way when replayed, so then the error keeps
  // its kind: invalid argument, not an I/O error to recover from by
  // reprocessing (issue 9, defect 6).
  Status AbortForLostRecord(const char* what, const std::string& why) {
    rd_kafka_poll(rk_, 0);  // serve the failed record's delivery report
    const Status lost = delivery_error_;
    Status aborted = AbortBecause(what, lost.ok() ? why : lost.message());
    if (lost.code() == StatusCode::kInvalidArgument && aborted.code() == StatusCode::kIoError &&
        aborted.retryable())
      return Status::Invalid(Name() + " could not " + what + " (" + lost.message() +
                             "); the transaction was aborted");
    return aborted;
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

}  // namespace

Result<std::unique_ptr<Producer>> NewKafkaProducer(std::shared_ptr<const KafkaLogOptions> options,
                                                   const std::string& transactional_id) {
  auto producer = std::make_unique<KafkaProducer>(std::move(options), transactional_id);
  RETURN_IF_ERROR(producer->Init());
  return std::unique_ptr<Producer>(std::move(producer));
}

}  // namespace topo::log::kafka
