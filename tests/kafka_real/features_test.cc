// What the Kafka backend relies on, checked with librdkafka (the engine's client,
// Debian's 2.0.2) against a real Apache Kafka 3.9.2 broker: protocol features,
// idempotence, transactions with read_committed visibility, fencing of a zombie
// producer, group offsets (also through a transaction), compression codecs and
// topic admin. The librdkafka mock cluster shows none of the visibility or fencing
// (DESIGN §7); these tests are where exactly-once is proven on Kafka.
//
// Every wait is on a librdkafka event or call with a bounded timeout.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/testing/real_kafka.h"

namespace topo {
namespace {

using testing::CreateTopic;
using testing::DeleteTopic;
using testing::DescribeTopicConfigs;
using testing::ReadTopic;
using testing::RealKafkaBootstrap;
using testing::UniqueTopic;

using Props = std::map<std::string, std::string>;

// Bounds each blocking librdkafka call and each wait for records. The first
// transaction against a fresh broker also waits for __transaction_state to be
// created, a few seconds on a busy machine.
constexpr int kTimeoutMs = 60000;

struct Delivery {
  rd_kafka_resp_err_t err;
  int32_t partition;
  int64_t offset;
  std::string value;
};

// What a client's callbacks saw. Log and error callbacks run on librdkafka's
// threads; delivery reports on the thread that polls or flushes.
struct ClientState {
  std::mutex mu;
  std::vector<std::string> log;  // "FACILITY message"
  std::vector<std::string> errors;
  std::vector<Delivery> deliveries;

  std::vector<std::string> LogLinesWith(std::string_view needle) {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<std::string> out;
    for (const std::string& l : log) {
      if (l.find(needle) != std::string::npos) out.push_back(l);
    }
    return out;
  }
};

class Client {
 public:
  ~Client() {
    if (rk_ == nullptr) return;
    if (rd_kafka_type(rk_) == RD_KAFKA_CONSUMER) {
      // Leaves the group at once instead of after the session timeout.
      rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk_);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) ADD_FAILURE() << "consumer close: " << rd_kafka_err2str(err);
    }
    rd_kafka_destroy(rk_);
  }
  rd_kafka_t* get() const { return rk_; }
  ClientState& state() { return *state_; }

  // A producer or consumer on `bootstrap` with `props`; null and a failure if
  // librdkafka rejects a property.
  static std::unique_ptr<Client> New(rd_kafka_type_t type, const std::string& bootstrap, const Props& props) {
    auto client = std::unique_ptr<Client>(new Client());
    rd_kafka_conf_t* conf = testing::NewConf(bootstrap, props);
    if (conf == nullptr) return nullptr;
    char errstr[512];
    rd_kafka_conf_set_opaque(conf, client->state_.get());
    rd_kafka_conf_set_log_cb(conf, &Client::OnLog);
    rd_kafka_conf_set_error_cb(conf, &Client::OnError);
    if (type == RD_KAFKA_PRODUCER) rd_kafka_conf_set_dr_msg_cb(conf, &Client::OnDelivery);
    client->rk_ = rd_kafka_new(type, conf, errstr, sizeof errstr);
    if (client->rk_ == nullptr) {
      ADD_FAILURE() << "rd_kafka_new: " << errstr;
      return nullptr;
    }
    if (type == RD_KAFKA_CONSUMER) rd_kafka_poll_set_consumer(client->rk_);
    return client;
  }

 private:
  Client() : state_(std::make_unique<ClientState>()) {}

  static ClientState* StateOf(const rd_kafka_t* rk) { return static_cast<ClientState*>(rd_kafka_opaque(rk)); }
  static void OnLog(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
    ClientState* s = StateOf(rk);
    {
      std::lock_guard<std::mutex> lock(s->mu);
      s->log.push_back(std::string(fac) + " " + buf);
    }
    // Warnings and worse always (a failing test shows why), the rest on request.
    if (level <= 4 || std::getenv("TOPO_KAFKA_TEST_LOG") != nullptr) {
      std::fprintf(stderr, "rdkafka %d %s %s %s\n", level, rd_kafka_name(rk), fac, buf);
    }
  }
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    auto* s = static_cast<ClientState*>(opaque);
    std::lock_guard<std::mutex> lock(s->mu);
    s->errors.push_back(std::string(rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))) + ": " +
                        reason);
    std::fprintf(stderr, "rdkafka error %s %s\n", rd_kafka_name(rk), s->errors.back().c_str());
  }
  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* s = static_cast<ClientState*>(opaque);
    std::lock_guard<std::mutex> lock(s->mu);
    s->deliveries.push_back(
        {m->err, m->partition, m->offset, std::string(static_cast<const char*>(m->payload), m->len)});
  }

  std::unique_ptr<ClientState> state_;
  rd_kafka_t* rk_ = nullptr;
};

// "" for no error, else the error's name, text and kind; destroys it.
std::string TakeError(rd_kafka_error_t* error) {
  if (error == nullptr) return "";
  std::string out = std::string(rd_kafka_error_name(error)) + ": " + rd_kafka_error_string(error);
  if (rd_kafka_error_is_fatal(error)) out += " (fatal)";
  if (rd_kafka_error_txn_requires_abort(error)) out += " (abortable)";
  if (rd_kafka_error_is_retriable(error)) out += " (retriable)";
  rd_kafka_error_destroy(error);
  return out;
}

// The producer's fatal error, NO_ERROR if none.
rd_kafka_resp_err_t FatalError(rd_kafka_t* rk, std::string* text = nullptr) {
  char buf[512] = "";
  rd_kafka_resp_err_t err = rd_kafka_fatal_error(rk, buf, sizeof buf);
  if (text != nullptr) *text = buf;
  return err;
}

void Produce(rd_kafka_t* p, const std::string& topic, int32_t partition, const std::string& value) {
  rd_kafka_resp_err_t err =
      rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << "produce to " << topic << ": " << rd_kafka_err2str(err);
}

void Flush(rd_kafka_t* p) {
  rd_kafka_resp_err_t err = rd_kafka_flush(p, kTimeoutMs);
  ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << "flush: " << rd_kafka_err2str(err);
}

using Record = testing::TopicRecord;

std::vector<std::string> Values(const std::vector<Record>& records) {
  std::vector<std::string> out;
  for (const Record& r : records) out.push_back(r.value);
  return out;
}

std::unique_ptr<Client> TransactionalProducer(const std::string& bootstrap, const std::string& txn_id) {
  return Client::New(RD_KAFKA_PRODUCER, bootstrap,
                     {{"transactional.id", txn_id}, {"transaction.timeout.ms", "60000"}, {"linger.ms", "5"}});
}

// The committed offsets of `group` for partitions 0..partitions-1 of `topic`, as a
// fresh consumer that is not a member reads them (OffsetFetch); -1 for none.
std::vector<int64_t> CommittedOffsets(const std::string& bootstrap, const std::string& group,
                                      const std::string& topic, int partitions) {
  std::vector<int64_t> out;
  auto c = Client::New(RD_KAFKA_CONSUMER, bootstrap, {{"group.id", group}, {"enable.auto.commit", "false"}});
  if (!c) return out;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  rd_kafka_resp_err_t err = rd_kafka_committed(c->get(), list, kTimeoutMs);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    ADD_FAILURE() << "committed: " << rd_kafka_err2str(err);
  } else {
    for (int i = 0; i < list->cnt; ++i) {
      EXPECT_EQ(list->elems[i].err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(list->elems[i].err);
      out.push_back(list->elems[i].offset);
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  return out;
}

rd_kafka_topic_partition_list_t* Offsets(const std::string& topic, const std::vector<int64_t>& offsets) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (size_t p = 0; p < offsets.size(); ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), static_cast<int32_t>(p))->offset = offsets[p];
  }
  return list;
}

class RealKafka : public ::testing::Test {
 protected:
  void SetUp() override {
    bootstrap_ = RealKafkaBootstrap();
    ASSERT_FALSE(bootstrap_.empty());
  }
  std::string bootstrap_;
};

// librdkafka learns what the broker supports from ApiVersions (KIP-35) and enables
// its protocol features from that. Without it (a failed ApiVersionRequest) it falls
// back to broker.version.fallback, 0.10.0, with no idempotence and no transactions.
TEST_F(RealKafka, ApiVersionsEnableTheProtocolFeatures) {
  auto p = Client::New(RD_KAFKA_PRODUCER, bootstrap_, {{"debug", "broker,feature"}});
  ASSERT_TRUE(p);
  const rd_kafka_metadata_t* md = nullptr;
  ASSERT_EQ(rd_kafka_metadata(p->get(), 0, nullptr, &md, kTimeoutMs), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(md->broker_cnt, 1);
  rd_kafka_metadata_destroy(md);

  // "+X to ..." lines add one feature; the full set comes once ApiVersions answered.
  std::vector<std::string> updates = p->state().LogLinesWith("Updated enabled protocol features to ");
  ASSERT_FALSE(updates.empty()) << "no feature line with debug=broker,feature";
  const std::string& line = updates.back();
  std::printf("librdkafka %s: %s\n", rd_kafka_version_str(), line.c_str());
  // The full set is after " to ": every feature librdkafka 2.0.2 has a name for.
  const std::string features = line.substr(line.rfind(" to ") + 4);
  for (const char* f : {"MsgVer1", "ApiVersion", "BrokerBalancedConsumer", "ThrottleTime", "Sasl",
                        "SaslHandshake", "BrokerGroupCoordinator", "LZ4", "OffsetTime", "MsgVer2",
                        "IdempotentProducer", "ZSTD", "SaslAuthReq"}) {
    EXPECT_NE(("," + features + ",").find("," + std::string(f) + ","), std::string::npos)
        << f << " not enabled: " << line;
  }
  EXPECT_TRUE(p->state().LogLinesWith("Disabling feature").empty())
      << p->state().LogLinesWith("Disabling feature").front();
  EXPECT_TRUE(p->state().LogLinesWith("ApiVersionRequest failed").empty());
  EXPECT_TRUE(p->state().LogLinesWith("broker.version.fallback").empty());
  // Transactions have no feature flag: librdkafka checks each API when it needs it.
  // 2.0.2 sends old versions (debug=protocol shows InitProducerId v4,
  // AddPartitionsToTxn v0, EndTxn v1, Produce v7); a newer broker that stops serving
  // the oldest versions would fail here first.
  for (const char* api : {"InitProducerId (22)", "AddPartitionsToTxn (24)", "AddOffsetsToTxn (25)",
                          "EndTxn (26)", "TxnOffsetCommit (28)"}) {
    std::vector<std::string> lines = p->state().LogLinesWith(std::string("ApiKey ") + api + " Versions 0..");
    EXPECT_FALSE(lines.empty()) << "the broker does not serve " << api << " from version 0";
  }
}

// enable.idempotence: the producer gets a producer id and epoch (InitProducerId),
// and a partition's records land once each, in the order produced.
TEST_F(RealKafka, IdempotentProducerDeliversOnceInOrder) {
  const std::string topic = UniqueTopic("idempotent");
  ASSERT_NO_FATAL_FAILURE(CreateTopic(bootstrap_, topic, 1));
  auto p = Client::New(RD_KAFKA_PRODUCER, bootstrap_,
                       {{"enable.idempotence", "true"}, {"linger.ms", "5"}, {"debug", "eos"}});
  ASSERT_TRUE(p);
  constexpr int kRecords = 300;
  std::vector<std::string> expected;
  for (int i = 0; i < kRecords; ++i) {
    expected.push_back("v" + std::to_string(i));
    ASSERT_NO_FATAL_FAILURE(Produce(p->get(), topic, 0, expected.back()));
  }
  ASSERT_NO_FATAL_FAILURE(Flush(p->get()));
  std::string fatal;
  EXPECT_EQ(FatalError(p->get(), &fatal), RD_KAFKA_RESP_ERR_NO_ERROR) << fatal;
  // "Acquired PID{Id:0,Epoch:0}" (debug=eos); a first request may meet "Coordinator
  // load in progress" on a fresh broker, and librdkafka retries.
  EXPECT_FALSE(p->state().LogLinesWith("Acquired PID{Id:").empty()) << "no producer id acquired";
  {
    std::lock_guard<std::mutex> lock(p->state().mu);
    const std::vector<Delivery>& d = p->state().deliveries;
    ASSERT_EQ(d.size(), static_cast<size_t>(kRecords));
    for (int i = 0; i < kRecords; ++i) {
      EXPECT_EQ(d[i].err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(d[i].err);
      EXPECT_EQ(d[i].offset, i);
      EXPECT_EQ(d[i].value, expected[i]);
    }
  }
  std::vector<Record> read = ReadTopic(bootstrap_, topic, 1, "read_uncommitted", kRecords);
  EXPECT_EQ(Values(read), expected);
}

// THE property the mock cluster lacks: read_committed consumers see committed
// transactions only, never aborted or still open ones; read_uncommitted see all.
TEST_F(RealKafka, ReadCommittedSeesOnlyCommittedTransactions) {
  const std::string topic = UniqueTopic("txn");
  ASSERT_NO_FATAL_FAILURE(CreateTopic(bootstrap_, topic, 1));
  auto p = TransactionalProducer(bootstrap_, UniqueTopic("txn-id"));
  ASSERT_TRUE(p);
  ASSERT_EQ(TakeError(rd_kafka_init_transactions(p->get(), kTimeoutMs)), "");

  ASSERT_EQ(TakeError(rd_kafka_begin_transaction(p->get())), "");
  for (const char* v : {"a0", "a1", "a2"}) ASSERT_NO_FATAL_FAILURE(Produce(p->get(), topic, 0, v));
  ASSERT_NO_FATAL_FAILURE(Flush(p->get()));  // on the log before the abort
  ASSERT_EQ(TakeError(rd_kafka_abort_transaction(p->get(), kTimeoutMs)), "");

  ASSERT_EQ(TakeError(rd_kafka_begin_transaction(p->get())), "");
  for (const char* v : {"c0", "c1", "c2"}) ASSERT_NO_FATAL_FAILURE(Produce(p->get(), topic, 0, v));
  ASSERT_EQ(TakeError(rd_kafka_commit_transaction(p->get(), kTimeoutMs)), "");

  const std::vector<std::string> committed = {"c0", "c1", "c2"};
  std::vector<Record> rc = ReadTopic(bootstrap_, topic, 1, "read_committed", committed.size());
  EXPECT_EQ(Values(rc), committed);
  // a0..a2 at 0..2, the abort marker at 3, c0..c2 from 4.
  ASSERT_FALSE(rc.empty());
  EXPECT_EQ(rc.front().offset, 4);
  std::vector<Record> ru = ReadTopic(bootstrap_, topic, 1, "read_uncommitted", 6);
  EXPECT_EQ(Values(ru), (std::vector<std::string>{"a0", "a1", "a2", "c0", "c1", "c2"}));

  // An open transaction's records are on the log, but read_committed stops before
  // them (the last stable offset) until the transaction ends.
  ASSERT_EQ(TakeError(rd_kafka_begin_transaction(p->get())), "");
  ASSERT_NO_FATAL_FAILURE(Produce(p->get(), topic, 0, "open0"));
  ASSERT_NO_FATAL_FAILURE(Flush(p->get()));
  EXPECT_EQ(Values(ReadTopic(bootstrap_, topic, 1, "read_committed", committed.size())), committed);
  std::vector<Record> ru_open = ReadTopic(bootstrap_, topic, 1, "read_uncommitted", 7);
  ASSERT_EQ(ru_open.size(), 7u);
  EXPECT_EQ(ru_open.back().value, "open0");
  ASSERT_EQ(TakeError(rd_kafka_abort_transaction(p->get(), kTimeoutMs)), "");
  EXPECT_EQ(Values(ReadTopic(bootstrap_, topic, 1, "read_committed", committed.size())), committed);
}

// A zombie: a second producer with the same transactional.id bumps the epoch,
// which aborts the first one's open transaction and fences it for good; what the
// zombie wrote never becomes visible to read_committed.
TEST_F(RealKafka, SecondProducerWithTheSameTransactionalIdFencesTheFirst) {
  const std::string topic = UniqueTopic("fence");
  const std::string txn_id = UniqueTopic("fence-id");
  ASSERT_NO_FATAL_FAILURE(CreateTopic(bootstrap_, topic, 1));
  auto zombie = TransactionalProducer(bootstrap_, txn_id);
  ASSERT_TRUE(zombie);
  ASSERT_EQ(TakeError(rd_kafka_init_transactions(zombie->get(), kTimeoutMs)), "");
  ASSERT_EQ(TakeError(rd_kafka_begin_transaction(zombie->get())), "");
  for (const char* v : {"z0", "z1"}) ASSERT_NO_FATAL_FAILURE(Produce(zombie->get(), topic, 0, v));
  ASSERT_NO_FATAL_FAILURE(Flush(zombie->get()));

  auto successor = TransactionalProducer(bootstrap_, txn_id);
  ASSERT_TRUE(successor);
  ASSERT_EQ(TakeError(rd_kafka_init_transactions(successor->get(), kTimeoutMs)), "");

  rd_kafka_error_t* error = rd_kafka_commit_transaction(zombie->get(), kTimeoutMs);
  ASSERT_NE(error, nullptr) << "the zombie committed";
  const bool fatal = rd_kafka_error_is_fatal(error);
  const std::string text = TakeError(error);
  EXPECT_TRUE(fatal) << text;
  std::string fatal_text;
  const rd_kafka_resp_err_t fatal_err = FatalError(zombie->get(), &fatal_text);
  EXPECT_TRUE(fatal_err == RD_KAFKA_RESP_ERR__FENCED || fatal_err == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
              fatal_err == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH)
      << rd_kafka_err2name(fatal_err) << ": " << fatal_text << " (commit: " << text << ")";

  ASSERT_EQ(TakeError(rd_kafka_begin_transaction(successor->get())), "");
  for (const char* v : {"s0", "s1"}) ASSERT_NO_FATAL_FAILURE(Produce(successor->get(), topic, 0, v));
  ASSERT_EQ(TakeError(rd_kafka_commit_transaction(successor->get(), kTimeoutMs)), "");

  EXPECT_EQ(Values(ReadTopic(bootstrap_, topic, 1, "read_committed", 2)),
            (std::vector<std::string>{"s0", "s1"}));
  EXPECT_EQ(Values(ReadTopic(bootstrap_, topic, 1, "read_uncommitted", 4)),
            (std::vector<std::string>{"z0", "z1", "s0", "s1"}));
}

// The group coordinator: a member's synchronous commit is what a fresh consumer of
// the group reads back, and a transaction commits offsets for the group with the
// member's real group metadata (generation and member id, KIP-447); a producer
// passing a stale generation is refused and may abort and go on.
TEST_F(RealKafka, GroupOffsetsCommitDirectlyAndThroughATransaction) {
  const std::string in = UniqueTopic("group-in");
  const std::string out = UniqueTopic("group-out");
  const std::string group = UniqueTopic("group");
  ASSERT_NO_FATAL_FAILURE(CreateTopic(bootstrap_, in, 2));
  ASSERT_NO_FATAL_FAILURE(CreateTopic(bootstrap_, out, 1));
  {
    auto p = Client::New(RD_KAFKA_PRODUCER, bootstrap_, {});
    ASSERT_TRUE(p);
    for (int i = 0; i < 6; ++i) ASSERT_NO_FATAL_FAILURE(Produce(p->get(), in, 0, "p0-" + std::to_string(i)));
    for (int i = 0; i < 4; ++i) ASSERT_NO_FATAL_FAILURE(Produce(p->get(), in, 1, "p1-" + std::to_string(i)));
    ASSERT_NO_FATAL_FAILURE(Flush(p->get()));
  }

  auto member =
      Client::New(RD_KAFKA_CONSUMER, bootstrap_,
                  {{"group.id", group}, {"enable.auto.commit", "false"}, {"auto.offset.reset", "earliest"}});
  ASSERT_TRUE(member);
  rd_kafka_topic_partition_list_t* sub = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sub, in.c_str(), RD_KAFKA_PARTITION_UA);
  ASSERT_EQ(rd_kafka_subscribe(member->get(), sub), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(sub);
  // Records arrive once the group has rebalanced and assigned both partitions.
  int consumed = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  while (consumed < 10 && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(member->get(), 500);
    if (m == nullptr) continue;
    EXPECT_EQ(m->err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_message_errstr(m);
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++consumed;
    rd_kafka_message_destroy(m);
  }
  ASSERT_EQ(consumed, 10);

  rd_kafka_topic_partition_list_t* offsets = Offsets(in, {3, 2});
  EXPECT_EQ(rd_kafka_commit(member->get(), offsets, /*async=*/0), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(offsets);
  EXPECT_EQ(CommittedOffsets(bootstrap_, group, in, 2), (std::vector<int64_t>{3, 2}));

  auto p = TransactionalProducer(bootstrap_, UniqueTopic("group-txn"));
  ASSERT_TRUE(p);
  ASSERT_EQ(TakeError(rd_kafka_init_transactions(p->get(), kTimeoutMs)), "");

  // A stale member (generation 9999, unknown member id): the broker refuses the
  // offsets; the transaction must be aborted, the producer lives on.
  ASSERT_EQ(TakeError(rd_kafka_begin_transaction(p->get())), "");
  ASSERT_NO_FATAL_FAILURE(Produce(p->get(), out, 0, "stale"));
  rd_kafka_consumer_group_metadata_t* stale =
      rd_kafka_consumer_group_metadata_new_with_genid(group.c_str(), 9999, "stale-member", nullptr);
  offsets = Offsets(in, {5, 3});
  rd_kafka_error_t* error = rd_kafka_send_offsets_to_transaction(p->get(), offsets, stale, kTimeoutMs);
  rd_kafka_topic_partition_list_destroy(offsets);
  rd_kafka_consumer_group_metadata_destroy(stale);
  ASSERT_NE(error, nullptr) << "a stale generation's offsets were accepted";
  const bool abortable = rd_kafka_error_txn_requires_abort(error);
  const std::string stale_text = TakeError(error);
  std::printf("send_offsets_to_transaction with a stale generation: %s\n", stale_text.c_str());
  EXPECT_TRUE(abortable) << stale_text;
  ASSERT_EQ(TakeError(rd_kafka_abort_transaction(p->get(), kTimeoutMs)), "");
  EXPECT_EQ(CommittedOffsets(bootstrap_, group, in, 2), (std::vector<int64_t>{3, 2}));

  ASSERT_EQ(TakeError(rd_kafka_begin_transaction(p->get())), "");
  ASSERT_NO_FATAL_FAILURE(Produce(p->get(), out, 0, "done"));
  rd_kafka_consumer_group_metadata_t* cgmd = rd_kafka_consumer_group_metadata(member->get());
  ASSERT_NE(cgmd, nullptr);
  offsets = Offsets(in, {6, 4});
  EXPECT_EQ(TakeError(rd_kafka_send_offsets_to_transaction(p->get(), offsets, cgmd, kTimeoutMs)), "");
  rd_kafka_topic_partition_list_destroy(offsets);
  rd_kafka_consumer_group_metadata_destroy(cgmd);
  ASSERT_EQ(TakeError(rd_kafka_commit_transaction(p->get(), kTimeoutMs)), "");
  EXPECT_EQ(CommittedOffsets(bootstrap_, group, in, 2), (std::vector<int64_t>{6, 4}));
  EXPECT_EQ(Values(ReadTopic(bootstrap_, out, 1, "read_committed", 1)), std::vector<std::string>{"done"});
}

// Each codec librdkafka was built with round-trips through the broker.
class RealKafkaCompression : public RealKafka, public ::testing::WithParamInterface<std::string> {};

TEST_P(RealKafkaCompression, RoundTrips) {
  const std::string codec = GetParam();
  if (codec != "none") {
    char features[512];
    size_t size = sizeof features;
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    ASSERT_EQ(rd_kafka_conf_get(conf, "builtin.features", features, &size), RD_KAFKA_CONF_OK);
    rd_kafka_conf_destroy(conf);
    ASSERT_NE(("," + std::string(features) + ",").find("," + codec + ","), std::string::npos)
        << "librdkafka was built without " << codec << ": " << features;
  }
  const std::string topic = UniqueTopic("codec-" + codec);
  ASSERT_NO_FATAL_FAILURE(CreateTopic(bootstrap_, topic, 1));
  auto p = Client::New(RD_KAFKA_PRODUCER, bootstrap_,
                       {{"compression.codec", codec}, {"linger.ms", "20"}, {"enable.idempotence", "true"}});
  ASSERT_TRUE(p);
  std::vector<std::string> expected;
  for (int i = 0; i < 200; ++i) {
    // Compressible and not: a repeated text and a value that varies.
    expected.push_back("{\"deal_id\":\"d-" + std::to_string(i) +
                       "\",\"event_type\":\"DealReleased\",\"n\":" + std::to_string(i * 7919 % 1000) + "}");
    ASSERT_NO_FATAL_FAILURE(Produce(p->get(), topic, 0, expected.back()));
  }
  ASSERT_NO_FATAL_FAILURE(Flush(p->get()));
  {
    std::lock_guard<std::mutex> lock(p->state().mu);
    for (const Delivery& d : p->state().deliveries) {
      ASSERT_EQ(d.err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(d.err);
    }
  }
  EXPECT_EQ(Values(ReadTopic(bootstrap_, topic, 1, "read_uncommitted", expected.size())), expected);
}

INSTANTIATE_TEST_SUITE_P(Codecs, RealKafkaCompression,
                         ::testing::Values("none", "gzip", "snappy", "lz4", "zstd"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The per-topic result error of CreateTopics for `name` with `configs`.
rd_kafka_resp_err_t CreateTopicsError(const std::string& bootstrap, const std::string& name, int partitions,
                                      const Props& configs, std::string* text) {
  namespace in = testing::real_kafka_internal;
  in::Handle rk = in::AdminClient(bootstrap, text);
  if (!rk) return RD_KAFKA_RESP_ERR__FAIL;
  char errstr[512];
  rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(name.c_str(), partitions, 1, errstr, sizeof errstr);
  for (const auto& [key, value] : configs) rd_kafka_NewTopic_set_config(topic, key.c_str(), value.c_str());
  in::Queue queue(rd_kafka_queue_new(rk.get()));
  rd_kafka_AdminOptions_t* options = in::Options(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_CreateTopics(rk.get(), &topic, 1, options, queue.get());
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy(topic);
  in::Event ev = in::AwaitResult(queue.get(), text);
  if (!ev) return RD_KAFKA_RESP_ERR__TIMED_OUT;
  size_t count = 0;
  const rd_kafka_topic_result_t** topics =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &count);
  if (count != 1) return RD_KAFKA_RESP_ERR__BAD_MSG;
  const char* s = rd_kafka_topic_result_error_string(topics[0]);
  *text = s == nullptr ? "" : s;
  return rd_kafka_topic_result_error(topics[0]);
}

// What the engine's topic management does: create with partitions and configs,
// read the configs back, learn that a topic exists, be told a config is invalid.
TEST_F(RealKafka, CreateTopicsWithConfigsAndDescribeThem) {
  const std::string topic = UniqueTopic("admin");
  ASSERT_NO_FATAL_FAILURE(CreateTopic(
      bootstrap_, topic, 3,
      {{"cleanup.policy", "compact"}, {"retention.ms", "3600000"}, {"min.compaction.lag.ms", "1000"}}));
  std::map<std::string, std::string> configs = DescribeTopicConfigs(bootstrap_, topic);
  EXPECT_EQ(configs["cleanup.policy"], "compact");
  EXPECT_EQ(configs["retention.ms"], "3600000");
  EXPECT_EQ(configs["min.compaction.lag.ms"], "1000");
  // Broker defaults come back too; docs/records.md relies on this one.
  EXPECT_EQ(configs["max.message.bytes"], "1048588");

  std::string text;
  EXPECT_EQ(CreateTopicsError(bootstrap_, topic, 3, {}, &text), RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
      << text;
  EXPECT_EQ(CreateTopicsError(bootstrap_, UniqueTopic("admin-bad"), 1, {{"cleanup.policy", "bogus"}}, &text),
            RD_KAFKA_RESP_ERR_INVALID_CONFIG)
      << text;
  EXPECT_EQ(CreateTopicsError(bootstrap_, UniqueTopic("admin-bad"), 1, {{"no.such.config", "1"}}, &text),
            RD_KAFKA_RESP_ERR_INVALID_CONFIG)
      << text;

  ASSERT_NO_FATAL_FAILURE(DeleteTopic(bootstrap_, topic));
  EXPECT_EQ(CreateTopicsError(bootstrap_, topic, 1, {}, &text), RD_KAFKA_RESP_ERR_NO_ERROR)
      << "a deleted topic's name is free again: " << text;
  ASSERT_NO_FATAL_FAILURE(DeleteTopic(bootstrap_, topic));
}

// A broker restart (same port, same data) keeps records and group offsets; an
// idempotent producer and a transactional one reconnect and go on without a fatal
// error or a duplicate. Runs alone (RUN_SERIAL): other tests would see the broker go.
TEST(RealKafkaRestart, RecordsOffsetsAndProducersSurviveABrokerRestart) {
  const std::string bootstrap = RealKafkaBootstrap();
  ASSERT_FALSE(bootstrap.empty());
  const std::string topic = UniqueTopic("restart");
  const std::string group = UniqueTopic("restart-group");
  ASSERT_NO_FATAL_FAILURE(CreateTopic(bootstrap, topic, 1));
  auto p = Client::New(RD_KAFKA_PRODUCER, bootstrap, {{"enable.idempotence", "true"}});
  ASSERT_TRUE(p);
  auto tp = TransactionalProducer(bootstrap, UniqueTopic("restart-txn"));
  ASSERT_TRUE(tp);
  ASSERT_EQ(TakeError(rd_kafka_init_transactions(tp->get(), kTimeoutMs)), "");
  for (int i = 0; i < 5; ++i)
    ASSERT_NO_FATAL_FAILURE(Produce(p->get(), topic, 0, "before" + std::to_string(i)));
  ASSERT_NO_FATAL_FAILURE(Flush(p->get()));
  {
    auto c =
        Client::New(RD_KAFKA_CONSUMER, bootstrap, {{"group.id", group}, {"enable.auto.commit", "false"}});
    ASSERT_TRUE(c);
    rd_kafka_topic_partition_list_t* offsets = Offsets(topic, {3});
    EXPECT_EQ(rd_kafka_commit(c->get(), offsets, /*async=*/0), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(offsets);
  }

  ASSERT_NO_FATAL_FAILURE(testing::RestartBroker());
  EXPECT_EQ(RealKafkaBootstrap(), bootstrap);

  for (int i = 0; i < 5; ++i)
    ASSERT_NO_FATAL_FAILURE(Produce(p->get(), topic, 0, "after" + std::to_string(i)));
  ASSERT_NO_FATAL_FAILURE(Flush(p->get()));
  std::string fatal;
  EXPECT_EQ(FatalError(p->get(), &fatal), RD_KAFKA_RESP_ERR_NO_ERROR) << fatal;
  ASSERT_EQ(TakeError(rd_kafka_begin_transaction(tp->get())), "");
  ASSERT_NO_FATAL_FAILURE(Produce(tp->get(), topic, 0, "txn"));
  ASSERT_EQ(TakeError(rd_kafka_commit_transaction(tp->get(), kTimeoutMs)), "");

  EXPECT_EQ(CommittedOffsets(bootstrap, group, topic, 1), std::vector<int64_t>{3});
  EXPECT_EQ(Values(ReadTopic(bootstrap, topic, 1, "read_committed", 11)),
            (std::vector<std::string>{"before0", "before1", "before2", "before3", "before4", "after0",
                                      "after1", "after2", "after3", "after4", "txn"}));
}

}  // namespace
}  // namespace topo
