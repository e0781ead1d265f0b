// The kafka backend against librdkafka's in-process mock cluster. What the mock
// cannot show (DESIGN §7): read_committed visibility and fencing of a second
// producer; the transactional tests check the call flow and the stored offsets.

#include "engine/log/kafka_log.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <set>
#include <thread>

#include "engine/log/kafka_client.h"
#include "tests/testing/copartition_listener.h"
#include "tests/testing/mock_kafka.h"

namespace topo::log {
namespace {

using ::testing::HasSubstr;

// Kafka protocol request keys (rdkafka_protocol.h is not installed).
constexpr int16_t kProduceApi = 0;
constexpr int16_t kHeartbeatApi = 12;
constexpr int16_t kEndTxnApi = 26;
constexpr int16_t kTxnOffsetCommitApi = 28;

using topo::testing::MockCluster;

KafkaLogOptions Options(const std::string& bootstrap) {
  KafkaLogOptions o;
  o.bootstrap_servers = bootstrap;
  o.check_topic_configs = false;  // the mock does not answer DescribeConfigs
  o.admin_timeout_ms = 10000;
  o.transaction_timeout_ms = 20000;
  o.flush_timeout_ms = 30000;
  // Short group timings: the mock holds a rebalance for about the session timeout.
  o.properties = {{"session.timeout.ms", "3000"}, {"heartbeat.interval.ms", "300"}};
  // librdkafka's log lines (e.g. "consumer property ignored by this producer")
  // only when asked for.
  const bool verbose = std::getenv("TOPO_KAFKA_TEST_LOG") != nullptr;
  o.logger = [verbose](int level, std::string_view facility, std::string_view message) {
    if (verbose) {
      std::fprintf(stderr, "rdkafka %d %.*s %.*s\n", level, static_cast<int>(facility.size()),
                   facility.data(), static_cast<int>(message.size()), message.data());
    }
  };
  return o;
}

// Remembers the current assignment as the listener sees it.
class Tracker : public RebalanceListener {
 public:
  void OnAssigned(const std::vector<TopicPartition>& added) override {
    assigned.insert(added.begin(), added.end());
    ++events;
    ++assign_calls;
  }
  void OnRevoked(const std::vector<TopicPartition>& removed) override {
    for (const TopicPartition& tp : removed) assigned.erase(tp);
    ++events;
  }
  std::set<TopicPartition> assigned;
  int events = 0;
  int assign_calls = 0;
};

RawRecord Rec(const std::string& topic, int32_t partition, std::optional<std::string> key,
              std::optional<std::string> value, int64_t ts = 0, Headers headers = {}) {
  RawRecord r;
  r.topic = topic;
  r.partition = Partition(partition);
  r.key = std::move(key);
  r.value = std::move(value);
  r.timestamp = TimestampMs(ts);
  r.headers = std::move(headers);
  return r;
}

TopicConfig Topic(const std::string& name, int32_t partitions, bool compact = false) {
  TopicConfig t;
  t.name = name;
  t.partitions = partitions;
  t.compact = compact;
  return t;
}

// Polls until `want` records arrived or `limit` passed.
std::vector<RawRecord> PollUntil(Consumer& c, size_t want,
                                 std::chrono::seconds limit = std::chrono::seconds(30)) {
  std::vector<RawRecord> out;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
    Status s = c.Poll(200, want - out.size(), &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return out;
}

// Polls every consumer of a group in turn (each one's rebalance callbacks run
// inside its Poll) until done() holds or 40 s passed.
bool PollGroupUntil(const std::vector<Consumer*>& consumers, std::vector<RawRecord>* sink,
                    const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    for (Consumer* c : consumers) EXPECT_TRUE(c->Poll(50, 100, sink).ok());
  }
  return done();
}

class KafkaLogTest : public ::testing::Test {
 protected:
  void SetUp() override {}
  std::unique_ptr<Log> Open(KafkaLogOptions options) {
    Result<std::unique_ptr<Log>> log = OpenKafkaLog(options);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  std::unique_ptr<Log> Open() { return Open(Options(mock_.bootstraps())); }

  MockCluster mock_{3};
};

TEST_F(KafkaLogTest, DescribeNamesBootstrapServers) {
  auto log = Open();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->Describe(), "kafka " + mock_.bootstraps());
}

TEST_F(KafkaLogTest, ProduceConsumeRoundTrip) {
  ASSERT_TRUE(mock_.CreateTopic("rt", 2));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  auto producer = log->NewProducer("");
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  std::vector<RawRecord> sent = {
      Rec("rt", 0, "k1", "v1", 1700000000001, {{"h1", "a"}, {"h2", ""}, {"h1", "dup"}}),
      Rec("rt", 0, std::nullopt, "no key", 1700000000002),
      Rec("rt", 0, "deleted", std::nullopt, 1700000000003),  // tombstone
      Rec("rt", 0, "", "", 1700000000004),                   // empty, not null
      Rec("rt", 1, "k2", std::string("bin\0ary", 7), 1700000000005),
  };
  for (const RawRecord& r : sent) ASSERT_TRUE((*producer)->Send(r).ok());
  ASSERT_TRUE((*producer)->Flush().ok());

  auto end = log->EndOffset(TopicPartition{"rt", Partition(0)});
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  EXPECT_EQ(end->value(), 4);

  auto consumer = log->NewConsumer("g-rt", "c1");
  ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
  std::vector<RawRecord> early;
  EXPECT_EQ((*consumer)->Poll(0, 10, &early).code(), StatusCode::kFailedPrecondition);
  Tracker tracker;
  ASSERT_TRUE((*consumer)->Subscribe({"rt"}, &tracker).ok());
  std::vector<RawRecord> got = PollUntil(**consumer, sent.size());
  ASSERT_EQ(got.size(), sent.size());
  EXPECT_EQ(tracker.assigned.size(), 2u);
  std::stable_sort(got.begin(), got.end(), [](const RawRecord& a, const RawRecord& b) {
    return std::pair(a.partition, a.offset) < std::pair(b.partition, b.offset);
  });
  for (size_t i = 0; i < sent.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(got[i].topic, "rt");
    EXPECT_EQ(got[i].partition, sent[i].partition);
    EXPECT_EQ(got[i].offset.value(), i < 4 ? static_cast<int64_t>(i) : 0);
    EXPECT_EQ(got[i].key, sent[i].key);
    EXPECT_EQ(got[i].value, sent[i].value);
    EXPECT_EQ(got[i].timestamp, sent[i].timestamp);
    EXPECT_EQ(got[i].headers, sent[i].headers);
  }
  EXPECT_TRUE((*consumer)->Close().ok());
  EXPECT_TRUE((*consumer)->Close().ok());  // idempotent
  EXPECT_TRUE(tracker.assigned.empty());   // Close revokes through the listener
  std::vector<RawRecord> none;
  EXPECT_EQ((*consumer)->Poll(0, 10, &none).code(), StatusCode::kFailedPrecondition);
}

// A record without a partition is placed by murmur2_random, the Java client's
// partitioner: toPositive(murmur2(key)) % partitions (values from
// tests/expr/murmur2_test.cc), not librdkafka's default CRC32-based one.
TEST_F(KafkaLogTest, UnpartitionedKeyedRecordsLandWhereJavaPutsThem) {
  ASSERT_TRUE(mock_.CreateTopic("keyed", 12));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  auto producer = log->NewProducer("");
  ASSERT_TRUE(producer.ok());
  const std::map<std::string, int32_t> expected = {{"foobar", 6},
                                                   {"abc", 3},
                                                   {"a-little-bit-long-string", 8},
                                                   {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 5}};
  for (const auto& [key, partition] : expected)
    ASSERT_TRUE((*producer)->Send(Rec("keyed", -1, key, "v")).ok());
  ASSERT_TRUE((*producer)->Flush().ok());
  std::set<int32_t> want;
  for (const auto& [key, partition] : expected) want.insert(partition);
  for (int32_t p = 0; p < 12; ++p) {
    auto end = log->EndOffset(TopicPartition{"keyed", Partition(p)});
    ASSERT_TRUE(end.ok()) << end.status().ToString();
    EXPECT_EQ(end->value(), want.count(p) ? 1 : 0) << "partition " << p;
  }
}

TEST_F(KafkaLogTest, CommitOffsetsAndResumeFromThem) {
  ASSERT_TRUE(mock_.CreateTopic("ac", 1));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  auto producer = log->NewProducer("");
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*producer)->Send(Rec("ac", 0, "k", std::to_string(i))).ok());
  ASSERT_TRUE((*producer)->Flush().ok());

  const TopicPartition tp{"ac", Partition(0)};
  {
    auto consumer = log->NewConsumer("g-ac", "c1");
    ASSERT_TRUE(consumer.ok());
    // Commits its progress when the partition goes away, as log.h asks; Close
    // revokes through the listener, and the consumer must still accept it.
    struct CommitOnRevoke : Tracker {
      Consumer* consumer = nullptr;
      void OnRevoked(const std::vector<TopicPartition>& removed) override {
        Tracker::OnRevoked(removed);
        for (const TopicPartition& tp : removed) EXPECT_TRUE(consumer->CommitOffsets({{tp, Offset(8)}}).ok());
      }
    } listener;
    listener.consumer = consumer->get();
    ASSERT_TRUE((*consumer)->Subscribe({"ac"}, &listener).ok());
    auto committed = (*consumer)->Committed(tp);
    ASSERT_TRUE(committed.ok()) << committed.status().ToString();
    EXPECT_FALSE(committed->has_value());
    ASSERT_EQ(PollUntil(**consumer, 10).size(), 10u);
    ASSERT_TRUE((*consumer)->CommitOffsets({{tp, Offset(6)}}).ok());
    committed = (*consumer)->Committed(tp);
    ASSERT_TRUE(committed.ok());
    EXPECT_EQ(committed->value_or(Offset(-1)).value(), 6);
    ASSERT_TRUE((*consumer)->Close().ok());
    EXPECT_EQ(listener.events, 2);  // assigned, then revoked by Close
  }
  auto consumer = log->NewConsumer("g-ac", "c2");
  ASSERT_TRUE(consumer.ok());
  Tracker tracker;
  ASSERT_TRUE((*consumer)->Subscribe({"ac"}, &tracker).ok());
  std::vector<RawRecord> got = PollUntil(**consumer, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].offset.value(), 8);
  EXPECT_EQ(got[0].value, "8");
}

// Commit metadata (the runtime's stream time) travels with the offsets
// (OffsetCommit) and comes back from the group coordinator (OffsetFetch), to
// this consumer and to another one of the group; none reads back empty. A
// consumer that has not joined commits for a group nobody has joined yet.
// Before a consumer has read a record of a partition its position is
// unknown, and so is its lag (a task waits for such a partition); a partition
// the broker says is empty has lag 0 once fetched, so a task reading it with
// others does not wait on it (issue 9, defect 2).
TEST_F(KafkaLogTest, KnownLagOfAnEmptyPartitionIsZeroOnceFetched) {
  ASSERT_TRUE(mock_.CreateTopic("lag.full", 1));
  ASSERT_TRUE(mock_.CreateTopic("lag.empty", 1));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  auto producer = log->NewProducer("");
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*producer)->Send(Rec("lag.full", 0, "k", "v")).ok());
  ASSERT_TRUE((*producer)->Flush().ok());
  auto consumer = log->NewConsumer("g-lag", "c1");
  ASSERT_TRUE(consumer.ok());
  testing::CopartitionListener listener("lag.full", "lag.empty");
  ASSERT_TRUE((*consumer)->SubscribeCopartitioned({{"lag.full", "lag.empty"}}, &listener).ok());
  const TopicPartition full{"lag.full", Partition(0)}, empty{"lag.empty", Partition(0)};
  std::vector<RawRecord> out;
  for (int i = 0; i < 200 && !((*consumer)->KnownLag(empty).has_value() && out.size() == 3); ++i)
    ASSERT_TRUE((*consumer)->Poll(50, 100, &out).ok());
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ((*consumer)->KnownLag(empty), std::optional<int64_t>(0));
  EXPECT_EQ((*consumer)->KnownLag(full), std::optional<int64_t>(0));
}

TEST_F(KafkaLogTest, CommitOffsetsCarryMetadata) {
  ASSERT_TRUE(mock_.CreateTopic("md", 2));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  auto consumer = log->NewConsumer("g-md", "c1");
  ASSERT_TRUE(consumer.ok());
  const TopicPartition p0{"md", Partition(0)}, p1{"md", Partition(1)};
  const std::string text = "stream-time=1700000000123 \xc3\xa9";  // any UTF-8
  Status s = (*consumer)->CommitOffsets({{p0, Offset(5)}, {p1, Offset(7)}}, {{p0, text}});
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto other = log->NewConsumer("g-md", "c2");
  ASSERT_TRUE(other.ok());
  for (Consumer* c : {consumer->get(), other->get()}) {
    auto m0 = c->CommittedWithMetadata(p0);
    ASSERT_TRUE(m0.ok() && m0->has_value()) << m0.status().ToString();
    EXPECT_EQ((*m0)->offset, Offset(5));
    EXPECT_EQ((*m0)->metadata, text);
    auto m1 = c->CommittedWithMetadata(p1);
    ASSERT_TRUE(m1.ok() && m1->has_value()) << m1.status().ToString();
    EXPECT_EQ((*m1)->offset, Offset(7));
    EXPECT_EQ((*m1)->metadata, "");
    EXPECT_EQ(c->Committed(p0)->value_or(Offset(-1)), Offset(5));
  }
  // The old call commits empty metadata over the old one.
  ASSERT_TRUE((*consumer)->CommitOffsets({{p0, Offset(6)}}).ok());
  auto m0 = (*other)->CommittedWithMetadata(p0);
  ASSERT_TRUE(m0.ok() && m0->has_value());
  EXPECT_EQ((*m0)->offset, Offset(6));
  EXPECT_EQ((*m0)->metadata, "");
}

// The lists given to rd_kafka_commit and rd_kafka_send_offsets_to_transaction
// carry each partition's metadata (the mock does not store transactional
// offsets, so this is where the transactional path's metadata is checked).
// Metadata librdkafka would cut short (a NUL) or a broker refuse (too long) is
// an error before anything is sent.
TEST(KafkaPartitionLists, CommitListsCarryTheMetadata) {
  const TopicPartition a{"t", Partition(0)}, b{"t", Partition(1)};
  const OffsetMap offsets = {{a, Offset(3)}, {b, Offset(4)}};
  Result<kafka::ListPtr> list = kafka::CommitList(offsets, {{a, "stream-time=12"}});
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ((*list)->cnt, 2);
  const rd_kafka_topic_partition_t& ea = (*list)->elems[0];
  const rd_kafka_topic_partition_t& eb = (*list)->elems[1];
  EXPECT_EQ(ea.offset, 3);
  EXPECT_EQ(std::string(static_cast<const char*>(ea.metadata), ea.metadata_size), "stream-time=12");
  EXPECT_EQ(eb.offset, 4);
  EXPECT_EQ(eb.metadata, nullptr);
  EXPECT_EQ(eb.metadata_size, 0u);
  EXPECT_EQ(kafka::CommitList(offsets, {{b, std::string("a\0b", 3)}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(kafka::CommitList(offsets, {{b, std::string(kMaxCommitMetadataBytes + 1, 'x')}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(kafka::CommitList(offsets, {{b, std::string(kMaxCommitMetadataBytes, 'x')}}).ok());
}

// Seek and Pause from OnAssigned apply to the partitions being assigned.
TEST_F(KafkaLogTest, SeekAndPauseInsideOnAssigned) {
  ASSERT_TRUE(mock_.CreateTopic("sk", 2));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  auto producer = log->NewProducer("");
  ASSERT_TRUE(producer.ok());
  for (int p = 0; p < 2; ++p) {
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*producer)->Send(Rec("sk", p, "k", std::to_string(i))).ok());
  }
  ASSERT_TRUE((*producer)->Flush().ok());

  auto consumer = log->NewConsumer("g-sk", "c1");
  ASSERT_TRUE(consumer.ok());
  struct SeekingListener : Tracker {
    Consumer* consumer = nullptr;
    void OnAssigned(const std::vector<TopicPartition>& added) override {
      Tracker::OnAssigned(added);
      for (const TopicPartition& tp : added) {
        if (tp.partition.value() == 0) {
          EXPECT_TRUE(consumer->Seek(tp, Offset(7)).ok());
        } else {
          EXPECT_TRUE(consumer->Pause({tp}).ok());
        }
      }
    }
  } listener;
  listener.consumer = consumer->get();
  ASSERT_TRUE((*consumer)->Subscribe({"sk"}, &listener).ok());
  std::vector<RawRecord> got = PollUntil(**consumer, 3);
  ASSERT_EQ(got.size(), 3u);
  for (const RawRecord& r : got) EXPECT_EQ(r.partition.value(), 0);
  EXPECT_EQ(got[0].offset.value(), 7);
  // Paused partition 1 delivers only after Resume.
  std::vector<RawRecord> more;
  ASSERT_TRUE((*consumer)->Poll(500, 100, &more).ok());
  EXPECT_TRUE(more.empty());
  ASSERT_TRUE((*consumer)->Resume({TopicPartition{"sk", Partition(1)}}).ok());
  more = PollUntil(**consumer, 10);
  ASSERT_EQ(more.size(), 10u);
  EXPECT_EQ(more[0].partition.value(), 1);
  EXPECT_EQ(more[0].offset.value(), 0);
  // A seek on a partition that is already fetching.
  ASSERT_TRUE((*consumer)->Seek(TopicPartition{"sk", Partition(1)}, Offset(8)).ok());
  more = PollUntil(**consumer, 2);
  ASSERT_EQ(more.size(), 2u);
  EXPECT_EQ(more[0].offset.value(), 8);
}

TEST_F(KafkaLogTest, EnsureTopicsChecksExistingTopics) {
  ASSERT_TRUE(mock_.CreateTopic("deal.events", 6));
  ASSERT_TRUE(mock_.CreateTopic("deal.commands", 3));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  std::vector<std::string> report;
  Status s = log->EnsureTopics({Topic("deal.events", 6), Topic("deal.commands", 3)}, &report);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_THAT(report, ::testing::ElementsAre(HasSubstr("checked topic 'deal.events': 6 partitions"),
                                             HasSubstr("checked topic 'deal.commands': 3 partitions")));

  s = log->EnsureTopics({Topic("deal.events", 12)}, &report);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "topic 'deal.events' has 6 partitions on the cluster but the topology declares 12");

  auto count = log->PartitionCount("deal.commands");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 3);
  EXPECT_EQ(log->PartitionCount("no.such.topic").status().code(), StatusCode::kNotFound);
  // Reading an end offset never creates a topic by accident.
  EXPECT_EQ(log->EndOffset(TopicPartition{"no.such.topic", Partition(0)}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(log->PartitionCount("no.such.topic").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(log->EndOffset(TopicPartition{"deal.commands", Partition(3)}).status().code(),
            StatusCode::kNotFound);
}

// The mock never answers CreateTopics: the error comes after admin_timeout_ms
// and tells the user what to do.
TEST_F(KafkaLogTest, EnsureTopicsOfMissingTopicFailsClearlyWhenCreateTopicsIsUnanswered) {
  ASSERT_TRUE(mock_.CreateTopic("present", 2));
  KafkaLogOptions options = Options(mock_.bootstraps());
  options.admin_timeout_ms = 2000;
  auto log = Open(options);
  ASSERT_NE(log, nullptr);
  std::vector<std::string> report;
  Status s = log->EnsureTopics({Topic("present", 2), Topic("escrow.payouts", 4, true)}, &report);
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(s.retryable());
  EXPECT_THAT(s.message(), HasSubstr("the cluster did not answer CreateTopics within 2 s; create topic "
                                     "'escrow.payouts' (4 partitions, replication 3, cleanup.policy=compact) "
                                     "yourself or check the brokers"));
}

TEST(KafkaLogOptionsTest, UnknownPropertyIsAnErrorNamingIt) {
  KafkaLogOptions options = Options("127.0.0.1:1");
  options.properties["no.such.property"] = "1";
  auto log = OpenKafkaLog(options);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(log.status().message(),
              HasSubstr("unknown Kafka property 'no.such.property' (-X no.such.property=1)"));
}

TEST(KafkaLogOptionsTest, BadValueAndGuaranteeBreakingPropertiesAreErrors) {
  KafkaLogOptions options = Options("127.0.0.1:1");
  options.properties["linger.ms"] = "soon";
  auto log = OpenKafkaLog(options);
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(), HasSubstr("invalid value for Kafka property 'linger.ms'"));

  options = Options("127.0.0.1:1");
  options.properties["enable.auto.commit"] = "true";
  log = OpenKafkaLog(options);
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(), HasSubstr("'enable.auto.commit'"));

  options = Options("127.0.0.1:1");
  options.properties["group.id"] = "mine";
  log = OpenKafkaLog(options);
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(), HasSubstr("'group.id'"));

  options = Options("");
  EXPECT_EQ(OpenKafkaLog(options).status().code(), StatusCode::kInvalidArgument);
}

int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::abort();
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);  // nothing listens there now: connections are refused
  return ntohs(addr.sin_port);
}

TEST(KafkaLogOptionsTest, UnreachableBrokersGiveAClearErrorAfterTheTimeout) {
  const std::string bootstrap = "127.0.0.1:" + std::to_string(UnusedPort());
  KafkaLogOptions options = Options(bootstrap);
  options.admin_timeout_ms = 1500;
  auto log = OpenKafkaLog(options);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kIoError);
  EXPECT_THAT(log.status().message(),
              HasSubstr("cannot reach the Kafka brokers at " + bootstrap + " within 1.5 s"));
  EXPECT_THAT(log.status().message(), HasSubstr("check the bootstrap servers"));
}

// With every broker down, the calls that wait end with a clear error after
// their timeout instead of hanging.
TEST_F(KafkaLogTest, BrokersDownGiveClearErrorsAfterTheTimeouts) {
  ASSERT_TRUE(mock_.CreateTopic("down", 1));
  KafkaLogOptions options = Options(mock_.bootstraps());
  options.transaction_timeout_ms = 1500;
  options.flush_timeout_ms = 1000;
  auto log = Open(options);
  ASSERT_NE(log, nullptr);
  auto plain = log->NewProducer("");
  ASSERT_TRUE(plain.ok());
  options.properties["queue.buffering.max.messages"] = "3";
  auto small_queue_log = Open(options);
  ASSERT_NE(small_queue_log, nullptr);
  auto small = small_queue_log->NewProducer("");
  ASSERT_TRUE(small.ok());
  for (int32_t broker = 1; broker <= 3; ++broker) rd_kafka_mock_broker_set_down(mock_.get(), broker);

  ASSERT_TRUE((*plain)->Send(Rec("down", 0, "k", "v")).ok());
  Status s = (*plain)->Flush();
  EXPECT_TRUE(s.retryable());
  EXPECT_THAT(s.message(), HasSubstr("1 record still unacknowledged after 1 s"));

  // A full local queue: Send waits for room, then gives up with the reason.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*small)->Send(Rec("down", 0, "k", "v")).ok());
  s = (*small)->Send(Rec("down", 0, "k", "v"));
  EXPECT_TRUE(s.retryable());
  EXPECT_THAT(s.message(), HasSubstr("the Kafka producer's queue stayed full for 1 s while sending to down"));
  auto tx = log->NewProducer("topo-test-down");
  ASSERT_FALSE(tx.ok());
  EXPECT_THAT(tx.status().message(),
              HasSubstr("producer 'topo-test-down' could not initialize transactions within 1.5 s"));
}

// Two members of one group split the partitions; when one leaves, the other
// takes them all. The mock needs a few seconds per rebalance: wait for the
// assignment itself, with a bound.
TEST_F(KafkaLogTest, TwoConsumersSplitPartitionsAndOneTakesOver) {
  ASSERT_TRUE(mock_.CreateTopic("split", 4));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  auto a = log->NewConsumer("g-split", "a");
  auto b = log->NewConsumer("g-split", "b");
  ASSERT_TRUE(a.ok() && b.ok());
  Tracker ta, tb;
  ASSERT_TRUE((*a)->Subscribe({"split"}, &ta).ok());
  std::vector<RawRecord> sink;
  bool b_subscribed = false;
  auto poll_until = [&](const std::function<bool()>& done) {
    return PollGroupUntil(
        b_subscribed ? std::vector<Consumer*>{a->get(), b->get()} : std::vector<Consumer*>{a->get()}, &sink,
        done);
  };
  ASSERT_TRUE(poll_until([&] { return ta.assigned.size() == 4; }));
  ASSERT_TRUE((*b)->Subscribe({"split"}, &tb).ok());
  b_subscribed = true;
  ASSERT_TRUE(poll_until([&] { return ta.assigned.size() == 2 && tb.assigned.size() == 2; }))
      << ta.assigned.size() << " + " << tb.assigned.size();
  for (const TopicPartition& tp : tb.assigned) EXPECT_EQ(ta.assigned.count(tp), 0u);

  ASSERT_TRUE((*b)->Close().ok());
  EXPECT_TRUE(tb.assigned.empty());
  b_subscribed = false;
  ASSERT_TRUE(poll_until([&] { return ta.assigned.size() == 4; })) << ta.assigned.size();
}

// Issue 9, defect 3: librdkafka keeps an application's pause on a partition
// across its revocation, so a partition paused (back-pressure) when the group
// took it away came back paused and was never read again. A partition the
// group gives back starts resumed; one that stayed assigned stays paused.
TEST_F(KafkaLogTest, PartitionPausedWhenRevokedComesBackResumed) {
  ASSERT_TRUE(mock_.CreateTopic("pz", 2));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  auto a = log->NewConsumer("g-pz", "a");
  auto b = log->NewConsumer("g-pz", "b");
  ASSERT_TRUE(a.ok() && b.ok());
  Tracker ta, tb;
  std::vector<RawRecord> sink;
  ASSERT_TRUE((*a)->Subscribe({"pz"}, &ta).ok());
  ASSERT_TRUE(PollGroupUntil({a->get()}, &sink, [&] { return ta.assigned.size() == 2; }));
  const std::vector<TopicPartition> both(ta.assigned.begin(), ta.assigned.end());
  ASSERT_TRUE((*a)->Pause(both).ok());
  auto producer = log->NewProducer("");
  ASSERT_TRUE(producer.ok());
  for (int p = 0; p < 2; ++p) {
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*producer)->Send(Rec("pz", p, "k", std::to_string(i))).ok());
  }
  ASSERT_TRUE((*producer)->Flush().ok());

  // b joins and takes one partition away from a; then leaves and gives it back.
  ASSERT_TRUE((*b)->Subscribe({"pz"}, &tb).ok());
  ASSERT_TRUE(PollGroupUntil({a->get(), b->get()}, &sink,
                             [&] { return ta.assigned.size() == 1 && tb.assigned.size() == 1; }))
      << ta.assigned.size() << " + " << tb.assigned.size();
  const TopicPartition moved = *tb.assigned.begin();
  const TopicPartition kept = *ta.assigned.begin();
  ASSERT_TRUE((*b)->Close().ok());
  sink.clear();
  ASSERT_TRUE(PollGroupUntil({a->get()}, &sink, [&] { return ta.assigned.size() == 2; }));

  // b committed nothing: a reads the returned partition from its beginning.
  std::vector<RawRecord> got = std::move(sink);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (got.size() < 5 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE((*a)->Poll(200, 100, &got).ok());
  }
  ASSERT_EQ(got.size(), 5u) << moved.ToString() << " came back paused";
  for (const RawRecord& r : got) EXPECT_EQ(TopicPartition({r.topic, r.partition}), moved);
  EXPECT_EQ(got[0].offset.value(), 0);
  // The partition a kept is still paused until a resumes it.
  ASSERT_TRUE((*a)->Poll(500, 100, &got).ok());
  EXPECT_EQ(got.size(), 5u);
  ASSERT_TRUE((*a)->Resume({kept}).ok());
  std::vector<RawRecord> rest = PollUntil(**a, 5);
  ASSERT_EQ(rest.size(), 5u);
  for (const RawRecord& r : rest) EXPECT_EQ(TopicPartition({r.topic, r.partition}), kept);
}

// Issue 9, defect 4: partitions the group took without a revocation (here a
// heartbeat answered ILLEGAL_GENERATION, as after a session timeout) reach
// OnLost, not OnRevoked, so the owner drops them instead of committing; the
// member then rejoins and is assigned again.
TEST_F(KafkaLogTest, LostPartitionsReachOnLostNotOnRevoked) {
  ASSERT_TRUE(mock_.CreateTopic("lost", 2));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  auto consumer = log->NewConsumer("g-lost", "c1");
  ASSERT_TRUE(consumer.ok());
  struct LostTracker : Tracker {
    void OnRevoked(const std::vector<TopicPartition>& removed) override {
      Tracker::OnRevoked(removed);
      ++revoke_calls;
    }
    void OnLost(const std::vector<TopicPartition>& lost) override {
      for (const TopicPartition& tp : lost) assigned.erase(tp);
      this->lost.insert(this->lost.end(), lost.begin(), lost.end());
      ++lost_calls;
    }
    std::vector<TopicPartition> lost;
    int lost_calls = 0;
    int revoke_calls = 0;
  } listener;
  ASSERT_TRUE((*consumer)->Subscribe({"lost"}, &listener).ok());
  std::vector<RawRecord> sink;
  ASSERT_TRUE(PollGroupUntil({consumer->get()}, &sink, [&] { return listener.assigned.size() == 2; }));
  rd_kafka_mock_push_request_errors(mock_.get(), kHeartbeatApi, 1, RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION);
  ASSERT_TRUE(PollGroupUntil({consumer->get()}, &sink, [&] { return listener.lost_calls > 0; }));
  EXPECT_EQ(listener.lost_calls, 1);
  EXPECT_EQ(listener.revoke_calls, 0);
  std::sort(listener.lost.begin(), listener.lost.end());
  EXPECT_EQ(listener.lost, (std::vector<TopicPartition>{{"lost", Partition(0)}, {"lost", Partition(1)}}));
  ASSERT_TRUE(PollGroupUntil({consumer->get()}, &sink, [&] { return listener.assigned.size() == 2; }));
  EXPECT_EQ(listener.revoke_calls, 0);
  ASSERT_TRUE((*consumer)->Close().ok());
  EXPECT_EQ(listener.revoke_calls, 1);  // Close revokes: nothing was lost there
  EXPECT_EQ(listener.lost_calls, 1);
}

// A member that joins a group with nothing left to share still hears that its
// rebalance finished (an empty OnAssigned): the runtime counts it as joined.
TEST_F(KafkaLogTest, MemberWithNothingToOwnGetsAnEmptyAssignment) {
  ASSERT_TRUE(mock_.CreateTopic("one", 1));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  auto a = log->NewConsumer("g-one", "a");
  auto b = log->NewConsumer("g-one", "b");
  ASSERT_TRUE(a.ok() && b.ok());
  Tracker ta, tb;
  std::vector<RawRecord> sink;
  ASSERT_TRUE((*a)->Subscribe({"one"}, &ta).ok());
  ASSERT_TRUE(PollGroupUntil({a->get()}, &sink, [&] { return ta.assigned.size() == 1; }));
  ASSERT_TRUE((*b)->Subscribe({"one"}, &tb).ok());
  ASSERT_TRUE(PollGroupUntil({a->get(), b->get()}, &sink, [&] { return tb.assign_calls > 0; }));
  EXPECT_TRUE(tb.assigned.empty());
  EXPECT_EQ(ta.assigned.size(), 1u);
}

// -X group.instance.id (static membership) reaches each consumer of a process
// as "<id>-<member>", stable across restarts: stream threads sharing one static
// id would fence each other on a real broker. (The mock does not enforce
// static membership, so the rule is pinned on the properties themselves.)
TEST(KafkaConsumerProperties, EachConsumerOfAProcessGetsItsOwnStaticMemberId) {
  KafkaLogOptions options;
  options.properties = {{"group.instance.id", "payments-1"}, {"session.timeout.ms", "3000"}};
  auto zero = ConsumerClientProperties(options, "app", "app-x-thread-0", 0);
  auto one = ConsumerClientProperties(options, "app", "app-x-thread-1", 1);
  EXPECT_EQ(zero["group.instance.id"], "payments-1-0");
  EXPECT_EQ(one["group.instance.id"], "payments-1-1");
  EXPECT_EQ(zero["group.id"], "app");
  EXPECT_EQ(one["client.id"], "app-x-thread-1");
  // Without -X group.instance.id the members are dynamic: none is set.
  EXPECT_EQ(ConsumerClientProperties(KafkaLogOptions{}, "app", "c", 3).count("group.instance.id"), 0u);
}

// The transactional call flow: begin → send → send offsets → commit, abort, and
// commit again. The mock acknowledges TxnOffsetCommit without storing the
// offsets (its handler only parses the request), so the offsets' arrival is
// shown by an injected TxnOffsetCommit error instead (next test).
TEST_F(KafkaLogTest, TransactionCallFlow) {
  ASSERT_TRUE(mock_.CreateTopic("tx.in", 1));
  ASSERT_TRUE(mock_.CreateTopic("tx.out", 1));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  auto plain = log->NewProducer("");
  ASSERT_TRUE(plain.ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*plain)->Send(Rec("tx.in", 0, "k", std::to_string(i))).ok());
  ASSERT_TRUE((*plain)->Flush().ok());
  EXPECT_EQ((*plain)->BeginTransaction().code(), StatusCode::kFailedPrecondition);

  auto consumer = log->NewConsumer("g-tx", "c1");
  ASSERT_TRUE(consumer.ok());
  Tracker tracker;
  ASSERT_TRUE((*consumer)->Subscribe({"tx.in"}, &tracker).ok());
  ASSERT_EQ(PollUntil(**consumer, 3).size(), 3u);

  auto producer = log->NewProducer("topo-test-tx-1");
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  Producer& p = **producer;
  const TopicPartition in{"tx.in", Partition(0)};

  // Outside a transaction a transactional producer cannot send.
  EXPECT_EQ(p.Send(Rec("tx.out", 0, "k", "early")).code(), StatusCode::kFailedPrecondition);

  ASSERT_TRUE(p.BeginTransaction().ok());
  ASSERT_TRUE(p.Send(Rec("tx.out", 0, "k", "out-0")).ok());
  ASSERT_TRUE(p.Send(Rec("tx.out", 0, "k", "out-1")).ok());
  Status s = p.CommitTransaction({{in, Offset(2)}}, **consumer);
  ASSERT_TRUE(s.ok()) << s.ToString();

  ASSERT_TRUE(p.BeginTransaction().ok());
  ASSERT_TRUE(p.Send(Rec("tx.out", 0, "k", "aborted")).ok());
  ASSERT_TRUE(p.AbortTransaction().ok());
  EXPECT_EQ(p.AbortTransaction().code(), StatusCode::kFailedPrecondition);  // nothing open

  ASSERT_TRUE(p.BeginTransaction().ok());
  ASSERT_TRUE(p.Send(Rec("tx.out", 0, "k", "out-2")).ok());
  // With commit metadata (KafkaPartitionLists.CommitListsCarryTheMetadata: it is in the list sent).
  s = p.CommitTransaction({{in, Offset(3)}}, {{in, "stream-time=1700000000123"}}, **consumer);
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto end = log->EndOffset(TopicPartition{"tx.out", Partition(0)});
  ASSERT_TRUE(end.ok());
  // The committed records; the aborted one too if it left before the abort
  // purged the queue (the mock writes no control records).
  EXPECT_GE(end->value(), 3);
  EXPECT_TRUE((*consumer)->Close().ok());
}

// The consumed offsets travel in the transaction (TxnOffsetCommit): an error
// there aborts the transaction and comes back retryable.
TEST_F(KafkaLogTest, OffsetCommitErrorInTransactionAbortsAndIsRetryable) {
  ASSERT_TRUE(mock_.CreateTopic("to.in", 1));
  ASSERT_TRUE(mock_.CreateTopic("to.out", 1));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  auto consumer = log->NewConsumer("g-to", "c1");
  ASSERT_TRUE(consumer.ok());
  auto producer = log->NewProducer("topo-test-to");
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  Producer& p = **producer;
  const TopicPartition in{"to.in", Partition(0)};
  ASSERT_TRUE(p.BeginTransaction().ok());
  ASSERT_TRUE(p.Send(Rec("to.out", 0, "k", "v")).ok());
  rd_kafka_mock_push_request_errors(mock_.get(), kTxnOffsetCommitApi, 1,
                                    RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED);
  Status s = p.CommitTransaction({{in, Offset(1)}}, **consumer);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.retryable()) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("could not send the consumed offsets"));
  EXPECT_THAT(s.message(), HasSubstr("the transaction was aborted"));

  ASSERT_TRUE(p.BeginTransaction().ok());
  ASSERT_TRUE(p.Send(Rec("to.out", 0, "k", "v")).ok());
  s = p.CommitTransaction({{in, Offset(1)}}, **consumer);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

// A fatal error on EndTxn (the broker says the producer was fenced) poisons the
// producer: a non-retryable error now and from every later call.
TEST_F(KafkaLogTest, FencedProducerReportsAFatalErrorAndStaysUnusable) {
  ASSERT_TRUE(mock_.CreateTopic("fx.out", 1));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  auto consumer = log->NewConsumer("g-fx", "c1");
  ASSERT_TRUE(consumer.ok());
  auto producer = log->NewProducer("topo-test-fx");
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  Producer& p = **producer;
  ASSERT_TRUE(p.BeginTransaction().ok());
  ASSERT_TRUE(p.Send(Rec("fx.out", 0, "k", "v")).ok());
  rd_kafka_mock_push_request_errors(mock_.get(), kEndTxnApi, 1, RD_KAFKA_RESP_ERR_PRODUCER_FENCED);
  Status s = p.CommitTransaction({}, **consumer);
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(s.retryable()) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("must not be used again"));
  EXPECT_EQ(s.code(), StatusCode::kFenced) << "the runtime rejoins on kFenced";
  Status again = p.Send(Rec("fx.out", 0, "k", "v"));
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(again.message(), s.message());
  EXPECT_EQ(p.BeginTransaction().message(), s.message());
}

// A record that fails permanently inside a transaction: the commit aborts and
// returns the refusal as the record's error (invalid argument, not a
// retryable I/O error: replaying the record would fail again, issue 9 defect
// 6); the producer then works again.
TEST_F(KafkaLogTest, PermanentDeliveryErrorInTransactionAbortsAndSaysSo) {
  ASSERT_TRUE(mock_.CreateTopic("ab.out", 1));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  auto consumer = log->NewConsumer("g-ab", "c1");
  ASSERT_TRUE(consumer.ok());
  auto producer = log->NewProducer("topo-test-ab");
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  Producer& p = **producer;
  ASSERT_TRUE(p.BeginTransaction().ok());
  rd_kafka_mock_push_request_errors(mock_.get(), kProduceApi, 1, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  ASSERT_TRUE(p.Send(Rec("ab.out", 0, "k", "v")).ok());
  Status s = p.CommitTransaction({}, **consumer);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_FALSE(s.retryable()) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("the transaction was aborted"));
  EXPECT_THAT(s.message(), HasSubstr("delivery to ab.out[0] failed"));

  // Reprocess as the runtime would. librdkafka 2.0.2 notices the sequence gap
  // the lost record left only in the next transaction, aborts that one too
  // (retryable again) and bumps the producer epoch; the one after commits.
  for (int attempt = 0; attempt < 3; ++attempt) {
    ASSERT_TRUE(p.BeginTransaction().ok());
    ASSERT_TRUE(p.Send(Rec("ab.out", 0, "k", "v2")).ok());
    s = p.CommitTransaction({}, **consumer);
    if (s.ok()) break;
    EXPECT_TRUE(s.retryable()) << s.ToString();
  }
  EXPECT_TRUE(s.ok()) << s.ToString();
}

// The idempotent producer retries injected broker errors and a broker outage
// without losing or duplicating a record.
TEST_F(KafkaLogTest, IdempotentProducerSurvivesBrokerErrorsWithoutLossOrDuplicates) {
  ASSERT_TRUE(mock_.CreateTopic("idem", 4));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  auto producer = log->NewProducer("");
  ASSERT_TRUE(producer.ok());
  constexpr int kRecords = 4000;
  rd_kafka_mock_push_request_errors(mock_.get(), kProduceApi, 4, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT,
                                    RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
  for (int i = 0; i < kRecords / 2; ++i) {
    ASSERT_TRUE((*producer)->Send(Rec("idem", i % 4, std::to_string(i), std::to_string(i))).ok());
  }
  // An outage with records in flight and more queued behind it.
  rd_kafka_mock_broker_set_down(mock_.get(), 1);
  for (int i = kRecords / 2; i < kRecords; ++i) {
    ASSERT_TRUE((*producer)->Send(Rec("idem", i % 4, std::to_string(i), std::to_string(i))).ok());
  }
  std::thread revive([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the outage's length
    rd_kafka_mock_broker_set_up(mock_.get(), 1);
  });
  Status flushed = (*producer)->Flush();
  revive.join();
  ASSERT_TRUE(flushed.ok()) << flushed.ToString();

  auto consumer = log->NewConsumer("g-idem", "c1");
  ASSERT_TRUE(consumer.ok());
  Tracker tracker;
  ASSERT_TRUE((*consumer)->Subscribe({"idem"}, &tracker).ok());
  std::vector<RawRecord> got = PollUntil(**consumer, kRecords);
  ASSERT_TRUE((*consumer)->Poll(1000, 100, &got).ok());  // a duplicate would come now
  std::set<std::string> distinct;
  for (const RawRecord& r : got) distinct.insert(*r.value);
  EXPECT_EQ(got.size(), static_cast<size_t>(kRecords));
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kRecords));
}

// librdkafka has no custom assignors: only the first topic of a co-partitioned
// group joins the group protocol, and the backend adds the other topics' same
// partitions to every assignment and revocation.
TEST_F(KafkaLogTest, CopartitionedTopicsMoveTogetherBetweenConsumers) {
  ASSERT_TRUE(mock_.CreateTopic("cp.a", 4));
  ASSERT_TRUE(mock_.CreateTopic("cp.b", 4));
  auto log = Open();
  ASSERT_NE(log, nullptr);
  auto a = log->NewConsumer("g-cp", "a");
  auto b = log->NewConsumer("g-cp", "b");
  ASSERT_TRUE(a.ok() && b.ok());
  testing::CopartitionListener la("cp.a", "cp.b"), lb("cp.a", "cp.b");
  ASSERT_TRUE((*a)->SubscribeCopartitioned({{"cp.a", "cp.b"}}, &la).ok());
  std::vector<RawRecord> sink;
  bool b_subscribed = false;
  auto poll_until = [&](const std::function<bool()>& done) {
    return PollGroupUntil(
        b_subscribed ? std::vector<Consumer*>{a->get(), b->get()} : std::vector<Consumer*>{a->get()}, &sink,
        done);
  };
  ASSERT_TRUE(poll_until([&] { return la.owned.size() == 8; }));
  ASSERT_TRUE((*b)->SubscribeCopartitioned({{"cp.a", "cp.b"}}, &lb).ok());
  b_subscribed = true;
  ASSERT_TRUE(poll_until([&] { return la.owned.size() == 4 && lb.owned.size() == 4; }))
      << la.owned.size() << " + " << lb.owned.size();
  EXPECT_EQ(la.Partitions("cp.a"), la.Partitions("cp.b"));
  EXPECT_EQ(lb.Partitions("cp.a"), lb.Partitions("cp.b"));
  // Records of the added topic arrive, from the group's committed position.
  auto producer = log->NewProducer("");
  ASSERT_TRUE(producer.ok());
  int32_t p = *lb.Partitions("cp.b").begin();
  ASSERT_TRUE((*producer)->Send(Rec("cp.b", p, "k", "v")).ok());
  ASSERT_TRUE((*producer)->Flush().ok());
  sink.clear();
  ASSERT_TRUE(poll_until([&] { return !sink.empty(); }));
  EXPECT_EQ(sink[0].topic, "cp.b");
  ASSERT_TRUE((*b)->Close().ok());
  b_subscribed = false;
  ASSERT_TRUE(poll_until([&] { return la.owned.size() == 8; })) << la.owned.size();
}

}  // namespace
}  // namespace topo::log
