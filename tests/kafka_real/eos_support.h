#pragma once
// Helpers for the exactly-once scenarios of eos_test.cc: `topo run` as a child
// process (TopoProcess) against the real broker, inputs written by a librdkafka
// producer of the test's own, and the outputs read back with librdkafka, both
// read_committed (what exactly-once promises) and read_uncommitted (what is on
// the log, aborted and open transactions included).
//
// The inputs are numbered: input i has key "k<i % kKeys>", goes to partition
// (i % kKeys) % kPartitions, and carries its per-key sequence number i / kKeys.
// The topology (kTopology) maps each input to {id, seq, p, o} — its id, sequence,
// input partition and input offset — and writes it to the same partition of the
// output topic. Inputs are produced in increasing i by one producer at a time,
// so input partition p holds its inputs at offsets 0, 1, 2, ...: exactly once in
// per-partition order means output partition p, read committed, holds o = 0, 1,
// 2, ... and nothing else (ExpectExactlyOnceInOrder).

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/topo_process.h"
#include "tests/testing/real_kafka.h"

namespace topo::testing::eos {

namespace fs = std::filesystem;

constexpr int kPartitions = 8;
constexpr int kKeys = 40;  // 5 keys per partition
// Bounds each wait for the broker, a run's event, or records to read.
constexpr auto kWait = std::chrono::seconds(90);

inline int KeyOf(int64_t i) { return static_cast<int>(i % kKeys); }
inline int32_t PartitionOf(int64_t i) { return KeyOf(i) % kPartitions; }
inline int64_t SeqOf(int64_t i) { return i / kKeys; }

// The topology of every scenario: `q` divides by the input's `d`, so an input
// with d=0 fails at node 'shaped' (policy fail: the run stops).
inline std::string Topology(const std::string& in, const std::string& out,
                            const std::string& extra_topics = "") {
  return "local topo = import 'topo.libsonnet';\n"
         "topo.topology('eos', {\n"
         "  topics: { '" +
         in + "': topo.topic(partitions=8), '" + out + "': topo.topic(partitions=8)" + extra_topics +
         " },\n"
         "  nodes: {\n"
         "    src: topo.source('" +
         in +
         "'),\n"
         "    shaped: topo.map('src', value='{id: value.id, seq: value.seq, p: partition, o: offset, q: 100 "
         "/ "
         "value.d}'),\n"
         "    sink: topo.sink('shaped', '" +
         out +
         "', partition='value.p'),\n"
         "  },\n"
         "})\n";
}

// The integer after "name": in a flat JSON object, or -1.
inline int64_t IntField(const std::string& json, const std::string& name) {
  const std::string needle = "\"" + name + "\":";
  size_t at = json.find(needle);
  if (at == std::string::npos) return -1;
  return std::atoll(json.c_str() + at + needle.size());
}

// ---- topo run's output ----

struct RunStatus {
  int64_t in = -1, in_rate = -1, out = -1, lag = -1, tasks = -1, commits = -1;
};

// The last complete status line ("records in N (R/s)  out N ...  tasks N  commits N").
inline RunStatus LastStatus(const std::string& output) {
  RunStatus s;
  size_t end = output.rfind('\n');
  if (end == std::string::npos) return s;
  size_t at = output.rfind("records in ", end);
  if (at == std::string::npos) return s;
  const std::string line = output.substr(at, output.find('\n', at) - at);
  auto number_after = [&](const char* word) -> int64_t {
    size_t w = line.find(word);
    return w == std::string::npos ? -1 : std::atoll(line.c_str() + w + std::strlen(word));
  };
  s.in = number_after("records in ");
  s.in_rate = number_after(" (");  // the first "(": records in per second
  s.lag = number_after("  lag ");
  s.out = number_after(")  out ");
  s.tasks = number_after("  tasks ");
  s.commits = number_after("  commits ");
  return s;
}

inline std::function<bool(const std::string&)> RecordsInAtLeast(int64_t n) {
  return [n](const std::string& out) { return LastStatus(out).in >= n; };
}
inline std::function<bool(const std::string&)> TasksAre(int64_t n) {
  return [n](const std::string& out) { return LastStatus(out).tasks == n; };
}
// Some output after the first occurrence of `after` contains `text`.
inline std::function<bool(const std::string&)> AfterThe(const std::string& after, const std::string& text) {
  return [after, text](const std::string& out) {
    size_t at = out.find(after);
    return at != std::string::npos && out.find(text, at + after.size()) != std::string::npos;
  };
}

// The lines of `output` that contain `text`.
inline std::vector<std::string> LinesWith(const std::string& output, const std::string& text) {
  std::vector<std::string> lines;
  for (size_t at = 0; at < output.size();) {
    size_t end = output.find('\n', at);
    if (end == std::string::npos) end = output.size();
    std::string line = output.substr(at, end - at);
    if (line.find(text) != std::string::npos) lines.push_back(line);
    at = end + 1;
  }
  return lines;
}

// A run that was killed or asked to stop: its exit, as text for a failure message.
inline std::string ExitText(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  return "status " + std::to_string(status);
}

// ---- librdkafka clients ----

using RdKafka = ClientHandle;

// Writes inputs (idempotent, acks=all) to the input topic; counts failed deliveries.
class InputProducer {
 public:
  InputProducer(const std::string& bootstrap, std::string topic) : topic_(std::move(topic)) {
    rk_ = NewClient(RD_KAFKA_PRODUCER, bootstrap, {{"enable.idempotence", "true"}, {"linger.ms", "5"}},
                    &InputProducer::OnDelivery, this);
  }
  bool ok() const { return rk_ != nullptr; }

  // Input i (d=0: the input that fails at node 'shaped').
  void Send(int64_t i, int d = 1) {
    const std::string key = "k" + std::to_string(KeyOf(i));
    const std::string value = "{\"id\":" + std::to_string(i) + ",\"seq\":" + std::to_string(SeqOf(i)) +
                              ",\"d\":" + std::to_string(d) + "}";
    for (;;) {
      rd_kafka_resp_err_t err =
          rd_kafka_producev(rk_.get(), RD_KAFKA_V_TOPIC(topic_.c_str()), RD_KAFKA_V_PARTITION(PartitionOf(i)),
                            RD_KAFKA_V_KEY(key.data(), key.size()),
                            RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        std::lock_guard<std::mutex> lock(mu_);
        ++failed_;
        if (first_error_.empty()) first_error_ = rd_kafka_err2str(err);
        return;
      }
      rd_kafka_poll(rk_.get(), 100);  // room is made by delivery reports
    }
    rd_kafka_poll(rk_.get(), 0);
  }
  // Inputs [from, to), then waits until each is acknowledged.
  void SendRange(int64_t from, int64_t to) {
    for (int64_t i = from; i < to; ++i) Send(i);
    Flush();
  }
  void Flush() {
    rd_kafka_resp_err_t err = rd_kafka_flush(rk_.get(), 120000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::lock_guard<std::mutex> lock(mu_);
      ++failed_;
      if (first_error_.empty()) first_error_ = std::string("flush: ") + rd_kafka_err2str(err);
    }
  }
  int64_t failed() {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_;
  }
  std::string first_error() {
    std::lock_guard<std::mutex> lock(mu_);
    return first_error_;
  }

 private:
  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
    auto* self = static_cast<InputProducer*>(opaque);
    std::lock_guard<std::mutex> lock(self->mu_);
    ++self->failed_;
    if (self->first_error_.empty()) self->first_error_ = rd_kafka_err2str(m->err);
  }

  std::string topic_;
  RdKafka rk_;
  std::mutex mu_;
  int64_t failed_ = 0;
  std::string first_error_;
};

// Produces inputs from `from` on a thread of its own at about `per_second`, the
// way records keep arriving while a scenario kills, freezes or adds instances:
// up to `to` (Start), or open-ended (StartOpenEnded) until Finish() and at least
// to `to`, so that a scenario's faults all land while inputs still arrive
// however slow the machine. The pace is only a rate: no step of a test waits on it.
class Feeder {
 public:
  Feeder(const std::string& bootstrap, const std::string& topic) : producer_(bootstrap, topic) {}
  ~Feeder() {  // a test that failed early: stop at once
    abort_.store(true);
    Finish();
  }

  void Start(int64_t from, int64_t to, int per_second) { Run(from, to, per_second, false); }
  void StartOpenEnded(int64_t from, int64_t at_least_to, int per_second) {
    Run(from, at_least_to, per_second, true);
  }
  // Waits until the feed ended (open-ended: ends it, once at least at `to`) and
  // every input is acknowledged; returns the end: inputs [from, end) were sent.
  int64_t Finish() {
    finish_.store(true);
    if (thread_.joinable()) thread_.join();
    return end_.load();
  }
  // Inputs still arriving: the feed has not ended.
  bool feeding() const { return !done_.load(); }
  InputProducer& producer() { return producer_; }

 private:
  void Run(int64_t from, int64_t to, int per_second, bool open_ended) {
    end_.store(from);
    thread_ = std::thread([this, from, to, per_second, open_ended] {
      const auto start = std::chrono::steady_clock::now();
      int64_t i = from;
      for (; (i < to || (open_ended && !finish_.load())) && !abort_.load(); ++i) {
        producer_.Send(i);
        end_.store(i + 1);
        if ((i - from) % 50 == 49) {
          std::this_thread::sleep_until(start +
                                        std::chrono::microseconds((i + 1 - from) * 1000000 / per_second));
        }
      }
      done_.store(true);
      producer_.Flush();
    });
  }

  InputProducer producer_;
  std::thread thread_;
  std::atomic<int64_t> end_{0};
  std::atomic<bool> finish_{false};
  std::atomic<bool> abort_{false};
  std::atomic<bool> done_{false};
};

using OutRecord = TopicRecord;

// ReadTopic over the scenario's kPartitions partitions.
inline std::vector<OutRecord> ReadTopic(const std::string& bootstrap, const std::string& topic,
                                        const std::string& isolation, size_t min_records,
                                        std::chrono::seconds timeout = kWait) {
  return testing::ReadTopic(bootstrap, topic, kPartitions, isolation, min_records, timeout);
}

// Per partition of `topic`: the end offset a consumer with `isolation` is told
// (ListOffsets: under read_committed the last stable offset, before the first
// record of the oldest open transaction; under read_uncommitted the high
// watermark). Empty and a failure when the broker does not answer.
inline std::vector<int64_t> EndOffsets(const std::string& bootstrap, const std::string& topic,
                                       const std::string& isolation) {
  std::vector<int64_t> ends;
  RdKafka c = NewClient(RD_KAFKA_CONSUMER, bootstrap,
                        {{"group.id", UniqueTopic("eos-ends")}, {"isolation.level", isolation}});
  if (!c) return ends;
  for (int p = 0; p < kPartitions; ++p) {
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(c.get(), topic.c_str(), p, &low, &high, 30000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      ADD_FAILURE() << "watermarks of " << topic << "[" << p << "]: " << rd_kafka_err2str(err);
      return {};
    }
    ends.push_back(high);
  }
  return ends;
}

// Partitions of `topic` whose last stable offset is behind the high watermark:
// an open transaction holds them (or one just ended whose markers are on
// their way). Empty when every transaction on `topic` is settled.
inline std::vector<int> OpenPartitions(const std::string& bootstrap, const std::string& topic) {
  std::vector<int> open;
  const std::vector<int64_t> lso = EndOffsets(bootstrap, topic, "read_committed");
  const std::vector<int64_t> hw = EndOffsets(bootstrap, topic, "read_uncommitted");
  if (lso.size() != kPartitions || hw.size() != kPartitions) return {-1};
  for (int p = 0; p < kPartitions; ++p)
    if (lso[p] < hw[p]) open.push_back(p);
  return open;
}

// Waits until no transaction holds any partition of `topic` (polling the
// broker: a transaction's end sends a client no event); false after `timeout`.
inline bool AwaitSettled(const std::string& bootstrap, const std::string& topic,
                         std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (OpenPartitions(bootstrap, topic).empty()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// Waits until `topic` holds, for `isolation`, an output of each input in
// [from, to) (rereading it from the start, bounded by `timeout`).
inline bool AwaitOutputsOf(const std::string& bootstrap, const std::string& topic,
                           const std::string& isolation, int64_t from, int64_t to,
                           std::chrono::seconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::vector<OutRecord> read = ReadTopic(bootstrap, topic, isolation, 0);
    std::vector<bool> seen(static_cast<size_t>(to - from), false);
    int64_t distinct = 0;
    for (const OutRecord& r : read) {
      const int64_t id = IntField(r.value, "id");
      if (id >= from && id < to && !seen[id - from]) seen[id - from] = true, ++distinct;
    }
    if (distinct == to - from) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// The partition count the broker's metadata gives `topic`; -1 when unknown.
inline int PartitionCount(const std::string& bootstrap, const std::string& topic) {
  RdKafka p = NewClient(RD_KAFKA_PRODUCER, bootstrap, {});
  if (!p) return -1;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(p.get(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  int count = -1;
  if (rd_kafka_metadata(p.get(), 0, rkt, &md, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
      count = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(rkt);
  return count;
}

// The outputs of inputs [0, inputs), exactly once and in per-partition order:
// output partition p holds, in offset order, the outputs of input partition p's
// records at input offsets 0, 1, 2, ..., each with its id and per-key sequence.
// Reports what is missing, duplicated or out of order.
inline void ExpectExactlyOnceInOrder(const std::vector<OutRecord>& outputs, int64_t inputs) {
  std::vector<std::vector<int64_t>> expected(kPartitions);  // ids per partition, in offset order
  for (int64_t i = 0; i < inputs; ++i) expected[PartitionOf(i)].push_back(i);
  std::vector<std::vector<const OutRecord*>> got(kPartitions);
  for (const OutRecord& r : outputs) {
    ASSERT_TRUE(r.partition >= 0 && r.partition < kPartitions) << r.partition;
    got[r.partition].push_back(&r);
  }
  int64_t total = 0;
  for (int p = 0; p < kPartitions; ++p) {
    std::map<int64_t, int> seen;  // id -> outputs
    int64_t out_of_order = 0, wrong = 0, last_o = -1;
    std::string first_problem;
    for (const OutRecord* r : got[p]) {
      const int64_t id = IntField(r->value, "id"), o = IntField(r->value, "o");
      ++seen[id];
      if (o <= last_o) {
        ++out_of_order;
        if (first_problem.empty())
          first_problem = "input offset " + std::to_string(o) + " after " + std::to_string(last_o) + " at " +
                          std::to_string(r->offset);
      }
      last_o = std::max(last_o, o);
      // The output of the input at offset o of partition p is input expected[p][o].
      const bool right = IntField(r->value, "p") == p && o >= 0 &&
                         o < static_cast<int64_t>(expected[p].size()) && expected[p][o] == id &&
                         IntField(r->value, "seq") == SeqOf(id);
      if (!right) {
        ++wrong;
        if (first_problem.empty())
          first_problem = "unexpected output " + r->value + " at offset " + std::to_string(r->offset);
      }
    }
    int64_t missing = 0, duplicated = 0;
    std::string first_missing;
    for (int64_t id : expected[p]) {
      auto it = seen.find(id);
      if (it == seen.end()) {
        ++missing;
        if (first_missing.empty()) first_missing = std::to_string(id);
      } else if (it->second > 1) {
        duplicated += it->second - 1;
      }
    }
    EXPECT_EQ(missing, 0) << "partition " << p << ": " << missing << " of " << expected[p].size()
                          << " inputs have no output (first: input " << first_missing << ")";
    EXPECT_EQ(duplicated, 0) << "partition " << p << ": " << duplicated << " duplicate output(s)";
    EXPECT_EQ(out_of_order, 0) << "partition " << p << ": " << first_problem;
    EXPECT_EQ(wrong, 0) << "partition " << p << ": " << first_problem;
    total += static_cast<int64_t>(got[p].size());
  }
  EXPECT_EQ(total, inputs) << "outputs read vs inputs";
}

// How many of `outputs` carry an id in [from, to).
inline int64_t CountIds(const std::vector<OutRecord>& outputs, int64_t from, int64_t to) {
  int64_t n = 0;
  for (const OutRecord& r : outputs) {
    const int64_t id = IntField(r.value, "id");
    if (id >= from && id < to) ++n;
  }
  return n;
}

// ---- a scenario: its topics, application id, topology file and instances ----

class Scenario {
 public:
  // `name` names the temp dir; topics and the application id are unique per call.
  explicit Scenario(const std::string& name) {
    bootstrap_ = RealKafkaBootstrap();
    in_ = UniqueTopic("eos-in");
    out_ = UniqueTopic("eos-out");
    app_ = UniqueTopic("eos-app");
    dir_ = fs::temp_directory_path() / ("topo_eos_" + std::to_string(getpid()) + "_" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    WriteTopology();
  }
  // The scenario's topology file, with `extra_topics` (", 'name': topo.topic(...)") declared too.
  void WriteTopology(const std::string& extra_topics = "") {
    std::ofstream(dir_ / "t.jsonnet") << Topology(in_, out_, extra_topics);
  }
  ~Scenario() {
    if (::testing::Test::HasFailure()) {
      std::printf("keeping %s for inspection\n", dir_.c_str());
      return;
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  const std::string& bootstrap() const { return bootstrap_; }
  const std::string& in() const { return in_; }
  const std::string& out() const { return out_; }
  const fs::path& dir() const { return dir_; }
  // Seconds between a run's status lines (RunArgs); "0.2" unless set.
  void set_status_interval(std::string seconds) { status_interval_ = std::move(seconds); }

  // `topo run` as instance `instance` (its own state dir; the same name is the
  // same instance, restarted), with small group timeouts so that a member that
  // died or froze leaves the group after 6 s (the broker's minimum).
  std::vector<std::string> RunArgs(const std::string& instance,
                                   const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> a = {"run",
                                  (dir_ / "t.jsonnet").string(),
                                  "--bootstrap-servers",
                                  bootstrap_,
                                  "--application-id",
                                  app_,
                                  "--state-dir",
                                  (dir_ / ("state-" + instance)).string(),
                                  "--http-port",
                                  "-1",
                                  "--status-interval",
                                  status_interval_,
                                  "-X",
                                  "session.timeout.ms=6000",
                                  "-X",
                                  "heartbeat.interval.ms=500"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  // Starts an instance and waits until it owns `tasks` tasks (its status line
  // says so).
  void StartAndAwaitTasks(TopoProcess* run, const std::string& instance, int64_t tasks,
                          const std::vector<std::string>& extra = {}) {
    run->Start(RunArgs(instance, extra));
    ASSERT_TRUE(run->AwaitOutput(TasksAre(tasks), kWait)) << "instance " << instance << ":\n"
                                                          << run->output();
  }

  // SIGTERM: commits what was processed and exits 0.
  static void Stop(TopoProcess* run, const std::string& name) {
    run->Signal(SIGTERM);
    const int st = run->Wait();
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << name << ": " << ExitText(st) << "\n"
                                                       << run->output();
  }

  // Once no transaction is open on the output topic: what read_committed
  // consumers see, checked to be every input of [0, inputs) exactly once in
  // per-partition order; returns the outputs read.
  std::vector<OutRecord> ExpectOutputsExactlyOnce(int64_t inputs) {
    EXPECT_TRUE(AwaitSettled(bootstrap_, out_, kWait)) << "a transaction stays open on " << out_;
    std::vector<OutRecord> committed = ReadTopic(bootstrap_, out_, "read_committed", inputs);
    ExpectExactlyOnceInOrder(committed, inputs);
    return committed;
  }

 private:
  std::string bootstrap_, in_, out_, app_;
  std::string status_interval_ = "0.2";
  fs::path dir_;
};

}  // namespace topo::testing::eos
