// kafka_mock_cluster: a standalone librdkafka mock Kafka cluster on loopback, for
// bench/kafka_compare.sh (topo, a Python confluent_kafka loop and kcat all talk
// to it). Creates the topics given on the command line, prints the bootstrap
// servers on one line of stdout, and runs until stdin closes or SIGTERM/SIGINT.
//
//   kafka_mock_cluster [--brokers N] topic:partitions [topic:partitions ...]

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {
volatile sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }
}  // namespace

int main(int argc, char** argv) {
  int brokers = 1;
  int first = 1;
  if (argc > 2 && std::strcmp(argv[1], "--brokers") == 0) {
    brokers = std::atoi(argv[2]);
    first = 3;
  }
  if (first >= argc || brokers < 1) {
    std::fprintf(stderr, "usage: %s [--brokers N] topic:partitions [topic:partitions ...]\n", argv[0]);
    return 2;
  }

  char errstr[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The host handle only carries the mock; its "no bootstrap.servers" notice is noise.
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
  rd_kafka_t* host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (host == nullptr) {
    std::fprintf(stderr, "kafka_mock_cluster: rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t* mock = rd_kafka_mock_cluster_new(host, brokers);
  if (mock == nullptr) {
    std::fprintf(stderr, "kafka_mock_cluster: rd_kafka_mock_cluster_new failed\n");
    rd_kafka_destroy(host);
    return 1;
  }

  for (int i = first; i < argc; ++i) {
    std::string spec = argv[i];
    size_t colon = spec.rfind(':');
    std::string name = colon == std::string::npos ? spec : spec.substr(0, colon);
    int partitions = colon == std::string::npos ? 1 : std::atoi(spec.c_str() + colon + 1);
    if (name.empty() || partitions < 1) {
      std::fprintf(stderr, "kafka_mock_cluster: bad topic spec '%s' (want name:partitions)\n", argv[i]);
      return 2;
    }
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mock, name.c_str(), partitions, 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "kafka_mock_cluster: creating %s: %s\n", name.c_str(), rd_kafka_err2str(err));
      return 1;
    }
  }

  std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(mock));
  std::fflush(stdout);

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // Wait for stdin EOF (the parent closing its end) or a signal.
  while (!g_stop) {
    struct pollfd pfd {
      0, POLLIN, 0
    };
    int r = poll(&pfd, 1, 200);
    if (r > 0) {
      char buf[256];
      ssize_t n = read(0, buf, sizeof buf);
      if (n <= 0) break;
    } else if (r < 0 && errno != EINTR) {
      break;
    }
  }

  rd_kafka_mock_cluster_destroy(mock);
  rd_kafka_destroy(host);
  return 0;
}
