#pragma once
// MockCluster: librdkafka's in-process mock Kafka cluster (rdkafka_mock.h),
// listening on loopback, for tests of the Kafka backend and of `topo run
// --bootstrap-servers` (child processes reach it through bootstraps()).

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdlib>
#include <string>

namespace topo::testing {

class MockCluster {
 public:
  explicit MockCluster(int brokers) {
    char errstr[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    // The host handle only carries the mock; its "no bootstrap.servers" notice is noise.
    rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
    host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (host_ == nullptr) std::abort();
    mock_ = rd_kafka_mock_cluster_new(host_, brokers);
    if (mock_ == nullptr) std::abort();
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(mock_);
    rd_kafka_destroy(host_);
  }
  MockCluster(const MockCluster&) = delete;
  rd_kafka_mock_cluster_t* get() const { return mock_; }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(mock_); }
  // True on success (tests ASSERT on it).
  bool CreateTopic(const std::string& name, int partitions) {
    return rd_kafka_mock_topic_create(mock_, name.c_str(), partitions, 1) == RD_KAFKA_RESP_ERR_NO_ERROR;
  }

 private:
  rd_kafka_t* host_ = nullptr;
  rd_kafka_mock_cluster_t* mock_ = nullptr;
};

}  // namespace topo::testing
