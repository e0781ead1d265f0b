#pragma once
// Helpers for tests against the real Apache Kafka broker (3.9.2, KRaft, one node on
// loopback) that ctest starts before them: the fixture `real_kafka` runs
// `ci/kafka/broker.sh start build/kafka-broker` and passes the directory in
// TOPO_TEST_KAFKA_DIR. See ci/kafka/README.md.
//
// The broker lives for the whole ctest run and serves many test processes at once,
// so every test works on its own topics (UniqueTopic) and its own group and
// transactional ids. The broker does not create topics on first use
// (auto.create.topics.enable=false): a test creates what it reads or writes.
//
// Helpers that can fail report a fatal gtest failure and return; call them as
// ASSERT_NO_FATAL_FAILURE(CreateTopic(...)). Those returning a value report a
// non-fatal failure and return an empty value.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace topo::testing {

// Bounds every admin request and every wait for the broker's metadata.
inline constexpr int kRealKafkaAdminTimeoutMs = 60000;

// The broker's directory (DIR of ci/kafka/broker.sh): "" and a failure when the test
// does not run under ctest's real_kafka fixture.
inline std::string RealKafkaDir() {
  const char* dir = std::getenv("TOPO_TEST_KAFKA_DIR");
  if (dir == nullptr || *dir == '\0') {
    ADD_FAILURE() << "TOPO_TEST_KAFKA_DIR is not set: run this test through ctest (ctest --test-dir build -R "
                     "kafka_real), which starts the real Kafka broker first (test kafka.broker_start), or "
                     "start one by hand with `bash ci/kafka/broker.sh start DIR` and set "
                     "TOPO_TEST_KAFKA_DIR=DIR";
    return "";
  }
  return dir;
}

// "127.0.0.1:PORT" of the running broker: "" and a failure when there is none.
inline std::string RealKafkaBootstrap() {
  const std::string dir = RealKafkaDir();
  if (dir.empty()) return "";
  std::ifstream in(dir + "/bootstrap");
  std::string bootstrap;
  if (!(in >> bootstrap) || bootstrap.empty()) {
    ADD_FAILURE() << "no Kafka broker serves from " << dir << " (" << dir
                  << "/bootstrap is missing): did the test kafka.broker_start fail? Its log is " << dir
                  << "/broker.log; run through ctest, which starts the broker first";
    return "";
  }
  return bootstrap;
}

// A topic (or group, or transactional) name no other test, process or earlier run
// against the same live broker uses: stem-pid-counter-millis.
inline std::string UniqueTopic(std::string_view stem) {
  static std::atomic<int> counter{0};
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return std::string(stem) + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(ms);
}

namespace real_kafka_internal {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using Queue = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using Event = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

// A producer handle used only for admin requests; null and *error on failure.
inline Handle AdminClient(const std::string& bootstrap, std::string* error) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr) !=
      RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    *error = errstr;
    return nullptr;
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) *error = errstr;
  return Handle(rk);
}

// Waits for the admin result on `queue`; null and *error if none came in time.
inline Event AwaitResult(rd_kafka_queue_t* queue, std::string* error) {
  // The request itself is bounded by its request_timeout; the margin covers the poll.
  Event ev(rd_kafka_queue_poll(queue, kRealKafkaAdminTimeoutMs + 10000));
  if (!ev) {
    *error = "no admin result within the timeout";
    return nullptr;
  }
  if (rd_kafka_event_error(ev.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    *error = rd_kafka_event_error_string(ev.get());
    return nullptr;
  }
  return ev;
}

inline rd_kafka_AdminOptions_t* Options(rd_kafka_t* rk, rd_kafka_admin_op_t op) {
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, op);
  char errstr[256];
  rd_kafka_AdminOptions_set_request_timeout(options, kRealKafkaAdminTimeoutMs, errstr, sizeof errstr);
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS) {
    rd_kafka_AdminOptions_set_operation_timeout(options, kRealKafkaAdminTimeoutMs, errstr, sizeof errstr);
  }
  return options;
}

// True once the broker's metadata lists `topic` with `partitions` partitions, each
// with a leader. CreateTopics answers once the controller has the topic; the broker
// serves it a moment later, and a client that asks in between sees no such topic.
inline bool AwaitTopicMetadata(rd_kafka_t* rk, const std::string& topic, int partitions) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kRealKafkaAdminTimeoutMs);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  bool ready = false;
  while (!ready && std::chrono::steady_clock::now() < deadline) {
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
          md->topics[0].partition_cnt == partitions) {
        ready = true;
        for (int i = 0; i < partitions; ++i) ready = ready && md->topics[0].partitions[i].leader >= 0;
      }
      rd_kafka_metadata_destroy(md);
    }
    // A polling loop, bounded by the deadline: the broker sends no event for this.
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  rd_kafka_topic_destroy(rkt);
  return ready;
}

}  // namespace real_kafka_internal

// Creates `name` through the Admin API (CreateTopics) with `partitions` partitions,
// replication factor 1 and the given topic configs, and returns once the broker
// serves its metadata.
inline void CreateTopic(const std::string& bootstrap, const std::string& name, int partitions,
                        const std::map<std::string, std::string>& configs = {}) {
  namespace in = real_kafka_internal;
  std::string error;
  in::Handle rk = in::AdminClient(bootstrap, &error);
  ASSERT_TRUE(rk) << error;
  char errstr[512];
  rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(name.c_str(), partitions, 1, errstr, sizeof errstr);
  ASSERT_NE(topic, nullptr) << errstr;
  for (const auto& [key, value] : configs) {
    ASSERT_EQ(rd_kafka_NewTopic_set_config(topic, key.c_str(), value.c_str()), RD_KAFKA_RESP_ERR_NO_ERROR)
        << key;
  }
  in::Queue queue(rd_kafka_queue_new(rk.get()));
  rd_kafka_AdminOptions_t* options = in::Options(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_CreateTopics(rk.get(), &topic, 1, options, queue.get());
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy(topic);
  in::Event ev = in::AwaitResult(queue.get(), &error);
  ASSERT_TRUE(ev) << "CreateTopics " << name << ": " << error;
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(ev.get());
  ASSERT_NE(result, nullptr);
  size_t count = 0;
  const rd_kafka_topic_result_t** topics = rd_kafka_CreateTopics_result_topics(result, &count);
  ASSERT_EQ(count, 1u);
  ASSERT_EQ(rd_kafka_topic_result_error(topics[0]), RD_KAFKA_RESP_ERR_NO_ERROR)
      << "CreateTopics " << name << ": " << rd_kafka_topic_result_error_string(topics[0]);
  ASSERT_TRUE(in::AwaitTopicMetadata(rk.get(), name, partitions))
      << "the broker did not serve the new topic " << name << " within " << kRealKafkaAdminTimeoutMs << " ms";
}

// Deletes `name` through the Admin API (DeleteTopics).
inline void DeleteTopic(const std::string& bootstrap, const std::string& name) {
  namespace in = real_kafka_internal;
  std::string error;
  in::Handle rk = in::AdminClient(bootstrap, &error);
  ASSERT_TRUE(rk) << error;
  rd_kafka_DeleteTopic_t* topic = rd_kafka_DeleteTopic_new(name.c_str());
  in::Queue queue(rd_kafka_queue_new(rk.get()));
  rd_kafka_AdminOptions_t* options = in::Options(rk.get(), RD_KAFKA_ADMIN_OP_DELETETOPICS);
  rd_kafka_DeleteTopics(rk.get(), &topic, 1, options, queue.get());
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_DeleteTopic_destroy(topic);
  in::Event ev = in::AwaitResult(queue.get(), &error);
  ASSERT_TRUE(ev) << "DeleteTopics " << name << ": " << error;
  const rd_kafka_DeleteTopics_result_t* result = rd_kafka_event_DeleteTopics_result(ev.get());
  ASSERT_NE(result, nullptr);
  size_t count = 0;
  const rd_kafka_topic_result_t** topics = rd_kafka_DeleteTopics_result_topics(result, &count);
  ASSERT_EQ(count, 1u);
  ASSERT_EQ(rd_kafka_topic_result_error(topics[0]), RD_KAFKA_RESP_ERR_NO_ERROR)
      << "DeleteTopics " << name << ": " << rd_kafka_topic_result_error_string(topics[0]);
}

// The topic's configs as DescribeConfigs returns them (every config, defaults
// included); empty and a failure if the request fails.
inline std::map<std::string, std::string> DescribeTopicConfigs(const std::string& bootstrap,
                                                               const std::string& name) {
  namespace in = real_kafka_internal;
  std::map<std::string, std::string> out;
  std::string error;
  in::Handle rk = in::AdminClient(bootstrap, &error);
  if (!rk) {
    ADD_FAILURE() << error;
    return out;
  }
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str());
  in::Queue queue(rd_kafka_queue_new(rk.get()));
  rd_kafka_AdminOptions_t* options = in::Options(rk.get(), RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
  rd_kafka_DescribeConfigs(rk.get(), &resource, 1, options, queue.get());
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_ConfigResource_destroy(resource);
  in::Event ev = in::AwaitResult(queue.get(), &error);
  if (!ev) {
    ADD_FAILURE() << "DescribeConfigs " << name << ": " << error;
    return out;
  }
  size_t count = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev.get()), &count);
  if (count != 1 || rd_kafka_ConfigResource_error(resources[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    ADD_FAILURE() << "DescribeConfigs " << name << ": "
                  << (count == 1 ? rd_kafka_ConfigResource_error_string(resources[0]) : "no resource");
    return out;
  }
  size_t entries = 0;
  const rd_kafka_ConfigEntry_t** configs = rd_kafka_ConfigResource_configs(resources[0], &entries);
  for (size_t i = 0; i < entries; ++i) {
    const char* value = rd_kafka_ConfigEntry_value(configs[i]);
    out[rd_kafka_ConfigEntry_name(configs[i])] = value == nullptr ? "" : value;
  }
  return out;
}

// Stops the broker and starts it again on the same port with the same data
// (`ci/kafka/broker.sh restart`); returns once it serves again. Every other test
// talking to the broker meanwhile sees it go away: a test that restarts it runs
// alone (ctest RUN_SERIAL).
inline void RestartBroker() {
  const std::string dir = RealKafkaDir();
  ASSERT_FALSE(dir.empty());
  // Tests run with the source directory as their working directory (CMakeLists.txt).
  const std::string command = "bash ci/kafka/broker.sh restart '" + dir + "' >/dev/null";
  const int rc = std::system(command.c_str());
  ASSERT_EQ(rc, 0) << command << " failed (see " << dir << "/broker.log)";
}

// ---- clients and reading back ----

struct ClientDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using ClientHandle = std::unique_ptr<rd_kafka_t, ClientDeleter>;

// A client configuration on `bootstrap` with `props`; null and a failure when
// librdkafka refuses a property.
inline rd_kafka_conf_t* NewConf(const std::string& bootstrap,
                                const std::map<std::string, std::string>& props) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::map<std::string, std::string> all = props;
  all["bootstrap.servers"] = bootstrap;
  for (const auto& [key, value] : all) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      ADD_FAILURE() << key << "=" << value << ": " << errstr;
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  return conf;
}

// A client on `bootstrap` with `props` (a consumer polls its own queue); null and a
// failure when librdkafka refuses a property.
inline ClientHandle NewClient(rd_kafka_type_t type, const std::string& bootstrap,
                              const std::map<std::string, std::string>& props,
                              void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*, void*) = nullptr,
                              void* opaque = nullptr) {
  rd_kafka_conf_t* conf = NewConf(bootstrap, props);
  if (conf == nullptr) return nullptr;
  char errstr[512];
  if (on_delivery != nullptr) rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  if (opaque != nullptr) rd_kafka_conf_set_opaque(conf, opaque);
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    ADD_FAILURE() << "rd_kafka_new: " << errstr;
    return nullptr;
  }
  if (type == RD_KAFKA_CONSUMER) rd_kafka_poll_set_consumer(rk);
  return ClientHandle(rk);
}

struct TopicRecord {
  int32_t partition;
  int64_t offset;
  std::string value;
};

// Reads partitions 0..partitions-1 of `topic` from the start with `isolation`
// (read_committed or read_uncommitted) until at least `min_records` came and every
// partition then reported its end (under read_committed: its last stable offset),
// or `timeout` passed (a failure). Waiting for the records first matters: a
// transaction's commit returns before its markers are written, so its records turn
// visible a moment later.
inline std::vector<TopicRecord> ReadTopic(const std::string& bootstrap, const std::string& topic,
                                          int partitions, const std::string& isolation, size_t min_records,
                                          std::chrono::seconds timeout = std::chrono::seconds(90)) {
  std::vector<TopicRecord> records;
  ClientHandle c = NewClient(RD_KAFKA_CONSUMER, bootstrap,
                             {{"group.id", UniqueTopic("reader")},
                              {"isolation.level", isolation},
                              {"enable.partition.eof", "true"},
                              {"enable.auto.commit", "false"},
                              // The end shows as an empty fetch: the broker holds one this long.
                              {"fetch.wait.max.ms", "50"}});
  if (!c) return records;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_resp_err_t err = rd_kafka_assign(c.get(), list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    ADD_FAILURE() << "assign: " << rd_kafka_err2str(err);
    return records;
  }
  std::vector<bool> at_end(partitions, false);
  auto all_at_end = [&] {
    for (bool e : at_end)
      if (!e) return false;
    return true;
  };
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!(records.size() >= min_records && all_at_end())) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ADD_FAILURE() << "read " << records.size() << " of at least " << min_records << " records from "
                    << topic << " (" << isolation << ") within " << timeout.count() << " s";
      break;
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(c.get(), 500);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end[m->partition] = true;
    } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      ADD_FAILURE() << "consume " << topic << ": " << rd_kafka_message_errstr(m);
      rd_kafka_message_destroy(m);
      break;
    } else {
      at_end[m->partition] = false;
      records.push_back({m->partition, m->offset, std::string(static_cast<const char*>(m->payload), m->len)});
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(c.get());
  return records;
}

}  // namespace topo::testing
