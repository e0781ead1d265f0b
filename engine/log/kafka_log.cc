#include "engine/log/kafka_log.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "engine/log/kafka_client.h"
#include "engine/log/kafka_consumer.h"
#include "engine/log/kafka_producer.h"
#include "engine/log/kafka_topic_configs.h"

namespace topo::log {
namespace kafka {
namespace {

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
                          " partitions" + (options_->check_topic_configs ? ", cleanup.policy" : ""));
      }
    }
    if (mismatches.empty()) RETURN_IF_ERROR(CheckConfigs(topics, view, &mismatches, report));
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

  Result<std::map<std::string, TopicDescription>> DescribeTopics(
      const std::vector<std::string>& names) override {
    ASSIGN_OR_RETURN(ClusterView view, Metadata());
    std::vector<std::string> existing;
    for (const std::string& n : names)
      if (view.topics.count(n)) existing.push_back(n);
    std::map<std::string, std::map<std::string, std::string>> configs;
    if (options_->check_topic_configs) {
      ASSIGN_OR_RETURN(configs, DescribeTopicConfigs(rk_, existing, options_->admin_timeout_ms));
    }
    std::map<std::string, TopicDescription> out;
    for (const std::string& n : existing) {
      TopicDescription& d = out[n];
      d.config = TopicConfigFromKafka(n, view.topics[n].partitions, configs[n]);
      d.configs_known = options_->check_topic_configs;
    }
    return out;
  }

  // The topic's max.message.bytes, read once: an existing topic's configs
  // are not changed by topo, and EnsureTopics ran before.
  Result<std::optional<int64_t>> MaxRecordBytes(const std::string& topic) override {
    ASSIGN_OR_RETURN(auto described, DescribeTopics({topic}));
    auto it = described.find(topic);
    if (it == described.end())
      return Status::NotFound("topic " + Quoted(topic) + " does not exist on " + Describe());
    auto limit = it->second.config.extra.find("max.message.bytes");
    if (!it->second.configs_known || limit == it->second.config.extra.end()) return std::optional<int64_t>();
    return std::optional<int64_t>(std::strtoll(limit->second.c_str(), nullptr, 10));
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
    return NewKafkaConsumer(options_, group, client_id, member);
  }

  Result<std::unique_ptr<Producer>> NewProducer(const std::string& transactional_id) override {
    return NewKafkaProducer(options_, transactional_id);
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

  // Existing topics against their declarations: a cleanup policy other than
  // the declared one is a mismatch (compacting a topic the topology reads as
  // a stream loses records; not compacting a table's topic grows it forever);
  // another retention is a note in *report. Nothing when the check is off.
  Status CheckConfigs(const std::vector<TopicConfig>& topics, const ClusterView& view,
                      std::vector<std::string>* mismatches, std::vector<std::string>* report) {
    if (!options_->check_topic_configs) return Status::Ok();
    std::vector<std::string> existing;
    for (const TopicConfig& t : topics)
      if (view.topics.count(t.name)) existing.push_back(t.name);
    ASSIGN_OR_RETURN(auto configs, DescribeTopicConfigs(rk_, existing, options_->admin_timeout_ms));
    std::set<std::string> seen;
    for (const TopicConfig& t : topics) {
      if (!configs.count(t.name) || !seen.insert(t.name).second) continue;
      const auto& raw = configs[t.name];
      const TopicConfig actual = TopicConfigFromKafka(t.name, t.partitions, raw);
      auto policy = raw.find("cleanup.policy");
      const std::string actual_policy = policy == raw.end() ? "delete" : policy->second;
      if (actual.compact != t.compact) {
        mismatches->push_back("topic " + Quoted(t.name) + " has cleanup.policy=" + actual_policy +
                              " on the cluster but the topology declares " +
                              (t.compact ? "compact" : "delete") + " (topo does not change existing topics)");
      } else if (actual.retention_ms != t.retention_ms && report != nullptr) {
        report->push_back("note: topic " + Quoted(t.name) + " keeps retention.ms=" +
                          std::to_string(actual.retention_ms) + " on the cluster; the topology declares " +
                          std::to_string(t.retention_ms) + " (existing topics are not changed)");
      }
    }
    return Status::Ok();
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
}  // namespace kafka

Result<std::unique_ptr<Log>> OpenKafkaLog(const KafkaLogOptions& options) {
  if (options.bootstrap_servers.empty()) {
    return Status::Invalid("the kafka backend needs bootstrap servers (host:port,...)");
  }
  if (options.admin_timeout_ms <= 0 || options.transaction_timeout_ms <= 0 || options.flush_timeout_ms <= 0) {
    return Status::Invalid("kafka timeouts must be positive");
  }
  RETURN_IF_ERROR(kafka::CheckUserProperties(options.properties));
  auto log = std::make_unique<kafka::KafkaLog>(std::make_shared<const KafkaLogOptions>(options));
  RETURN_IF_ERROR(log->Init());
  return std::unique_ptr<Log>(std::move(log));
}

}  // namespace topo::log
