#include "engine/log/embedded_log.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/log/record_size.h"
#include "tests/testing/copartition_listener.h"

namespace topo::log {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/topo_embedded_log_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::unique_ptr<EmbeddedLog> OpenOk(const std::string& dir) {
  EmbeddedLogOptions o;
  o.dir = dir;
  o.write_buffer_bytes = 4 << 20;
  auto r = EmbeddedLog::Open(o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

TopicConfig Topic(const std::string& name, int32_t partitions, bool compact = false) {
  TopicConfig c;
  c.name = name;
  c.partitions = partitions;
  c.compact = compact;
  return c;
}

void Ensure(Log& log, std::vector<TopicConfig> topics) {
  std::vector<std::string> report;
  Status s = log.EnsureTopics(topics, &report);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

RawRecord Rec(const std::string& topic, int32_t partition, std::optional<std::string> key,
              std::optional<std::string> value, int64_t ts = 0) {
  RawRecord r;
  r.topic = topic;
  r.partition = Partition(partition);
  r.key = std::move(key);
  r.value = std::move(value);
  r.timestamp = TimestampMs(ts);
  return r;
}

TopicPartition TP(const std::string& topic, int32_t p) { return TopicPartition{topic, Partition(p)}; }

std::unique_ptr<Consumer> Subscribed(Log& log, const std::string& group, std::vector<std::string> topics,
                                     RebalanceListener* listener = nullptr) {
  auto c = log.NewConsumer(group, group + "-client");
  EXPECT_TRUE(c.ok());
  Status s = (*c)->Subscribe(topics, listener);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return std::move(c).value();
}

// Polls until `n` records arrived (each Poll returns at once when data is there).
std::vector<RawRecord> PollN(Consumer& c, size_t n) {
  std::vector<RawRecord> out;
  for (int i = 0; i < 100 && out.size() < n; ++i) {
    Status s = c.Poll(100, n - out.size(), &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return out;
}

std::vector<RawRecord> PollNow(Consumer& c, size_t max = 1000) {
  std::vector<RawRecord> out;
  Status s = c.Poll(0, max, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::vector<int64_t> Offsets(const std::vector<RawRecord>& rs) {
  std::vector<int64_t> o;
  for (const auto& r : rs) o.push_back(r.offset.value());
  return o;
}

class RecordingListener : public RebalanceListener {
 public:
  void OnAssigned(const std::vector<TopicPartition>& added) override {
    assigned.insert(assigned.end(), added.begin(), added.end());
    events.push_back("assigned " + Join(added));
  }
  void OnRevoked(const std::vector<TopicPartition>& removed) override {
    revoked.insert(revoked.end(), removed.begin(), removed.end());
    events.push_back("revoked " + Join(removed));
    if (on_revoked) on_revoked(removed);
  }
  static std::string Join(const std::vector<TopicPartition>& tps) {
    std::string s;
    for (const auto& tp : tps) s += (s.empty() ? "" : ",") + tp.ToString();
    return s;
  }
  std::vector<TopicPartition> assigned, revoked;
  std::vector<std::string> events;
  std::function<void(const std::vector<TopicPartition>&)> on_revoked;
};

TEST(EmbeddedLog, RoundTripWithNullsAndHeaders) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  Ensure(*log, {Topic("t", 1)});
  auto p = std::move(log->NewProducer("")).value();
  RawRecord a = Rec("t", 0, "k1", "v1", 1234);
  a.headers = {{"h1", "x"}, {"h2", std::string("\0y", 2)}, {"", ""}};
  ASSERT_TRUE(p->Send(a).ok());
  ASSERT_TRUE(p->Send(Rec("t", 0, std::nullopt, "v2", -5)).ok());
  ASSERT_TRUE(p->Send(Rec("t", 0, "k3", std::nullopt)).ok());
  ASSERT_TRUE(p->Send(Rec("t", 0, std::string(""), std::string(""))).ok());
  ASSERT_TRUE(p->Flush().ok());
  EXPECT_EQ(log->EndOffset(TP("t", 0))->value(), 4);

  auto c = Subscribed(*log, "g", {"t"});
  auto rs = PollN(*c, 4);
  ASSERT_EQ(rs.size(), 4u);
  EXPECT_EQ(Offsets(rs), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(rs[0].topic, "t");
  EXPECT_EQ(rs[0].key, "k1");
  EXPECT_EQ(rs[0].value, "v1");
  EXPECT_EQ(rs[0].timestamp.value(), 1234);
  EXPECT_EQ(rs[0].headers, a.headers);
  EXPECT_FALSE(rs[1].key.has_value());
  EXPECT_EQ(rs[1].timestamp.value(), -5);
  EXPECT_FALSE(rs[2].value.has_value());
  EXPECT_EQ(rs[2].key, "k3");
  EXPECT_TRUE(rs[3].key.has_value() && rs[3].key->empty());
  EXPECT_TRUE(rs[3].value.has_value() && rs[3].value->empty());
  EXPECT_TRUE(rs[3].headers.empty());
  EXPECT_TRUE(c->Close().ok());
  EXPECT_EQ(log->Describe(), "embedded " + dir.path());
}

TEST(EmbeddedLog, BatchingPlainProducerWritesWhenFullOnFlushAndOnDestruction) {
  TempDir dir;
  EmbeddedLogOptions o;
  o.dir = dir.path();
  o.producer_batch_records = 3;
  auto log = std::move(EmbeddedLog::Open(o)).value();
  Ensure(*log, {Topic("t", 2)});
  auto p = std::move(log->NewProducer("")).value();
  auto end = [&] { return log->EndOffset(TP("t", 0))->value() + log->EndOffset(TP("t", 1))->value(); };
  ASSERT_TRUE(p->Send(Rec("t", 0, "k", "a")).ok());
  ASSERT_TRUE(p->Send(Rec("t", 1, "k", "b")).ok());
  EXPECT_EQ(end(), 0);  // queued: no offsets yet
  ASSERT_TRUE(p->Send(Rec("t", 0, "k", "c")).ok());
  EXPECT_EQ(end(), 3);
  ASSERT_TRUE(p->Send(Rec("t", 1, "k", "d")).ok());
  ASSERT_TRUE(p->Flush().ok());
  EXPECT_EQ(end(), 4);
  ASSERT_TRUE(p->Send(Rec("t", 0, "k", "e")).ok());
  p.reset();
  EXPECT_EQ(end(), 5);
  auto c = Subscribed(*log, "g", {"t"});
  std::string seen[2];
  for (const auto& r : PollN(*c, 5)) seen[r.partition.value()] += *r.value;
  EXPECT_EQ(seen[0], "ace");
  EXPECT_EQ(seen[1], "bd");
}

TEST(EmbeddedLog, OffsetsSurviveReopen) {
  TempDir dir;
  {
    auto log = OpenOk(dir.path());
    Ensure(*log, {Topic("t", 2)});
    auto p = std::move(log->NewProducer("")).value();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(p->Send(Rec("t", 1, "k", std::to_string(i))).ok());
  }
  auto log = OpenOk(dir.path());
  EXPECT_EQ(*log->PartitionCount("t"), 2);
  EXPECT_EQ(log->EndOffset(TP("t", 0))->value(), 0);
  EXPECT_EQ(log->EndOffset(TP("t", 1))->value(), 3);
  auto p = std::move(log->NewProducer("")).value();
  ASSERT_TRUE(p->Send(Rec("t", 1, "k", "3")).ok());
  EXPECT_EQ(log->EndOffset(TP("t", 1))->value(), 4);
  auto c = Subscribed(*log, "g", {"t"});
  auto rs = PollN(*c, 4);
  EXPECT_EQ(Offsets(rs), (std::vector<int64_t>{0, 1, 2, 3}));
  ASSERT_EQ(rs.size(), 4u);
  EXPECT_EQ(rs[3].value, "3");
}

TEST(EmbeddedLog, TransactionalRecordsInvisibleUntilCommitAndGoneAfterAbort) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  Ensure(*log, {Topic("out", 1)});
  auto c = Subscribed(*log, "g", {"out"});
  auto p = std::move(log->NewProducer("txn-1")).value();

  Status s = p->Send(Rec("out", 0, "k", "v"));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("outside a transaction"), std::string::npos) << s.message();

  ASSERT_TRUE(p->BeginTransaction().ok());
  ASSERT_TRUE(p->Send(Rec("out", 0, "k", "a")).ok());
  ASSERT_TRUE(p->Send(Rec("out", 0, "k", "b")).ok());
  EXPECT_TRUE(PollNow(*c).empty());
  EXPECT_EQ(log->EndOffset(TP("out", 0))->value(), 0);
  ASSERT_TRUE(p->CommitTransaction({}, *c).ok());
  EXPECT_EQ(log->EndOffset(TP("out", 0))->value(), 2);
  auto rs = PollN(*c, 2);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].value, "a");
  EXPECT_EQ(rs[1].value, "b");

  ASSERT_TRUE(p->BeginTransaction().ok());
  ASSERT_TRUE(p->Send(Rec("out", 0, "k", "aborted")).ok());
  ASSERT_TRUE(p->AbortTransaction().ok());
  EXPECT_TRUE(PollNow(*c).empty());
  EXPECT_EQ(log->EndOffset(TP("out", 0))->value(), 2);

  // The next commit takes the next offset: the aborted record never had one.
  ASSERT_TRUE(p->BeginTransaction().ok());
  ASSERT_TRUE(p->Send(Rec("out", 0, "k", "c")).ok());
  ASSERT_TRUE(p->CommitTransaction({}, *c).ok());
  rs = PollN(*c, 1);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].offset.value(), 2);
  EXPECT_EQ(rs[0].value, "c");
}

TEST(EmbeddedLog, CommitWritesRecordsAndGroupOffsetsTogether) {
  TempDir dir;
  {
    auto log = OpenOk(dir.path());
    Ensure(*log, {Topic("in", 2), Topic("out", 3)});
    auto plain = std::move(log->NewProducer("")).value();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(plain->Send(Rec("in", i % 2, "k", std::to_string(i))).ok());
    auto c = Subscribed(*log, "app", {"in"});
    auto in = PollN(*c, 5);
    ASSERT_EQ(in.size(), 5u);
    auto p = std::move(log->NewProducer("app-0")).value();
    ASSERT_TRUE(p->BeginTransaction().ok());
    OffsetMap consumed;
    for (const auto& r : in) {
      ASSERT_TRUE(p->Send(Rec("out", static_cast<int32_t>(r.offset.value() % 3), r.key, r.value)).ok());
      consumed[TP(r.topic, r.partition.value())] = Offset(r.offset.value() + 1);
    }
    ASSERT_TRUE(p->CommitTransaction(consumed, *c).ok());
    ASSERT_TRUE(c->Close().ok());
  }
  auto log = OpenOk(dir.path());
  int64_t total = 0;
  for (int p = 0; p < 3; ++p) total += log->EndOffset(TP("out", p))->value();
  EXPECT_EQ(total, 5);
  auto c = std::move(log->NewConsumer("app", "x")).value();
  EXPECT_EQ(c->Committed(TP("in", 0))->value(), Offset(3));
  EXPECT_EQ(c->Committed(TP("in", 1))->value(), Offset(2));
  // Resumes after what the transaction consumed: nothing left to read.
  ASSERT_TRUE(c->Subscribe({"in"}, nullptr).ok());
  EXPECT_TRUE(PollNow(*c).empty());
}

// Commit metadata (the runtime's stream time) is stored beside each offset and
// survives a reopen; a partition given none reads back empty.
TEST(EmbeddedLog, CommitOffsetsStoresMetadataBesideTheOffsets) {
  TempDir dir;
  const std::string text = "stream-time=1700000000123 \xc3\xa9";  // any UTF-8
  {
    auto log = OpenOk(dir.path());
    Ensure(*log, {Topic("t", 2)});
    auto c = Subscribed(*log, "g", {"t"});
    EXPECT_TRUE(PollNow(*c, 0).empty());
    EXPECT_FALSE(c->CommittedWithMetadata(TP("t", 0))->has_value());
    ASSERT_TRUE(
        c->CommitOffsets({{TP("t", 0), Offset(5)}, {TP("t", 1), Offset(7)}}, {{TP("t", 0), text}}).ok());
    auto m0 = c->CommittedWithMetadata(TP("t", 0));
    ASSERT_TRUE(m0.ok() && m0->has_value()) << m0.status().ToString();
    EXPECT_EQ((*m0)->offset, Offset(5));
    EXPECT_EQ((*m0)->metadata, text);
    EXPECT_EQ((*c->CommittedWithMetadata(TP("t", 1)))->metadata, "");
    EXPECT_EQ(c->Committed(TP("t", 1))->value(), Offset(7));
    // Longer than Kafka's offset.metadata.max.bytes: the whole commit is refused.
    Status s = c->CommitOffsets({{TP("t", 0), Offset(6)}, {TP("t", 1), Offset(8)}},
                                {{TP("t", 1), std::string(kMaxCommitMetadataBytes + 1, 'x')}});
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find("offset.metadata.max.bytes"), std::string::npos) << s.message();
    EXPECT_EQ(c->Committed(TP("t", 0))->value(), Offset(5));
    // Kafka sends metadata as a string, which librdkafka cuts at a NUL.
    s = c->CommitOffsets({{TP("t", 0), Offset(6)}}, {{TP("t", 0), std::string("a\0b", 3)}});
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find("NUL"), std::string::npos) << s.message();
    EXPECT_EQ(c->Committed(TP("t", 0))->value(), Offset(5));
    // The old commit-only call stores empty metadata.
    ASSERT_TRUE(c->CommitOffsets({{TP("t", 1), Offset(9)}}).ok());
    EXPECT_EQ((*c->CommittedWithMetadata(TP("t", 1)))->metadata, "");
  }
  auto log = OpenOk(dir.path());
  auto c = std::move(log->NewConsumer("g", "again")).value();
  auto m0 = c->CommittedWithMetadata(TP("t", 0));
  ASSERT_TRUE(m0.ok() && m0->has_value());
  EXPECT_EQ((*m0)->offset, Offset(5));
  EXPECT_EQ((*m0)->metadata, text);
  EXPECT_EQ(c->Committed(TP("t", 1))->value(), Offset(9));
}

// A transaction stores the consumed offsets' metadata in the same write as its
// records and offsets (KilledWriterLeavesWholeTransactions checks them
// together after a SIGKILL).
TEST(EmbeddedLog, CommitTransactionStoresMetadataWithTheOffsets) {
  TempDir dir;
  {
    auto log = OpenOk(dir.path());
    Ensure(*log, {Topic("in", 2), Topic("out", 1)});
    auto c = Subscribed(*log, "app", {"in"});
    EXPECT_TRUE(PollNow(*c, 0).empty());
    auto p = std::move(log->NewProducer("app-0")).value();
    ASSERT_TRUE(p->BeginTransaction().ok());
    ASSERT_TRUE(p->Send(Rec("out", 0, "k", "v")).ok());
    ASSERT_TRUE(p->CommitTransaction({{TP("in", 0), Offset(3)}, {TP("in", 1), Offset(4)}},
                                     {{TP("in", 1), "stream-time=1700000000123"}}, *c)
                    .ok());
    // Metadata too long refuses the commit; the transaction stays open, to abort.
    ASSERT_TRUE(p->BeginTransaction().ok());
    ASSERT_TRUE(p->Send(Rec("out", 0, "k", "refused")).ok());
    Status s = p->CommitTransaction({{TP("in", 0), Offset(9)}},
                                    {{TP("in", 0), std::string(kMaxCommitMetadataBytes + 1, 'x')}}, *c);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    ASSERT_TRUE(p->AbortTransaction().ok());
    EXPECT_EQ(log->EndOffset(TP("out", 0))->value(), 1);
  }
  auto log = OpenOk(dir.path());
  auto c = std::move(log->NewConsumer("app", "x")).value();
  EXPECT_EQ(log->EndOffset(TP("out", 0))->value(), 1);
  auto m0 = *c->CommittedWithMetadata(TP("in", 0));
  auto m1 = *c->CommittedWithMetadata(TP("in", 1));
  ASSERT_TRUE(m0.has_value() && m1.has_value());
  EXPECT_EQ(m0->offset, Offset(3));
  EXPECT_EQ(m0->metadata, "");
  EXPECT_EQ(m1->offset, Offset(4));
  EXPECT_EQ(m1->metadata, "stream-time=1700000000123");
}

// The column families of a data dir, opened raw (as RocksDB, not as a log).
class RawDb {
 public:
  RawDb(const std::string& dir, bool read_only) {
    rocksdb::DBOptions o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* n : {"default", "topics", "records", "log_start", "group_offsets"})
      cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    rocksdb::Status s = read_only ? rocksdb::DB::OpenForReadOnly(o, dir + "/db", cfs, &handles_, &db_)
                                  : rocksdb::DB::Open(o, dir + "/db", cfs, &handles_, &db_);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  ~RawDb() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    delete db_;
  }
  void Put(int cf, const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), handles_[cf], key, value).ok());
  }
  std::string Get(int cf, const std::string& key) {
    std::string v;
    EXPECT_TRUE(db_->Get(rocksdb::ReadOptions(), handles_[cf], key, &v).ok());
    return v;
  }

 private:
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

// A data dir the previous topo wrote (format 1: a group offset is its 8 bytes,
// no metadata) opens, reads its offsets with empty metadata, takes new
// commits with metadata, and is marked format 2 (an older topo then refuses it
// by name instead of misreading it).
TEST(EmbeddedLog, OpensAFormat1DirAndReadsItsOffsetsWithEmptyMetadata) {
  TempDir dir;
  {
    // Bytes as format 1 lays them out (embedded_log.h), written by hand.
    RawDb raw(dir.path(), false);
    raw.Put(0, "format", "topo-embedded-log 1");
    // version 1, 1 partition, not compact, retention_ms -1 (zigzag 1), no extra
    raw.Put(1, "t", std::string("\x01\x01\x00\x01\x00", 5));
    const std::string partition("t/\0\0\0\0", 6);
    // flags key+value, timestamp 5 (zigzag 10), key "k", value "v", no headers
    raw.Put(2, partition + std::string(8, '\0'), std::string("\x03\x0a\x01k\x01v\x00", 7));
    raw.Put(4, "g/" + partition, std::string("\0\0\0\0\0\0\0\x01", 8));
  }
  {
    auto log = OpenOk(dir.path());
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->EndOffset(TP("t", 0))->value(), 1);
    auto c = std::move(log->NewConsumer("g", "c")).value();
    auto committed = c->CommittedWithMetadata(TP("t", 0));
    ASSERT_TRUE(committed.ok() && committed->has_value()) << committed.status().ToString();
    EXPECT_EQ((*committed)->offset, Offset(1));
    EXPECT_EQ((*committed)->metadata, "");
    auto fresh = Subscribed(*log, "h", {"t"});
    auto rs = PollN(*fresh, 1);
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].key, "k");
    EXPECT_EQ(rs[0].value, "v");
    EXPECT_EQ(rs[0].timestamp.value(), 5);
    ASSERT_TRUE(c->CommitOffsets({{TP("t", 0), Offset(1)}}, {{TP("t", 0), "stream-time=5"}}).ok());
  }
  {
    RawDb raw(dir.path(), true);
    EXPECT_EQ(raw.Get(0, "format"), "topo-embedded-log 2");
  }
  auto log = OpenOk(dir.path());
  ASSERT_NE(log, nullptr);
  auto c = std::move(log->NewConsumer("g", "c")).value();
  EXPECT_EQ((*c->CommittedWithMetadata(TP("t", 0)))->metadata, "stream-time=5");
}

// A format this topo does not know is refused by name.
TEST(EmbeddedLog, AnUnknownFormatIsRefused) {
  TempDir dir;
  { RawDb(dir.path(), false).Put(0, "format", "topo-embedded-log 3"); }
  EmbeddedLogOptions o;
  o.dir = dir.path();
  auto log = EmbeddedLog::Open(o);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(log.status().message().find("holds 'topo-embedded-log 3', not a topo-embedded-log 2"),
            std::string::npos)
      << log.status().message();
}

TEST(EmbeddedLog, GroupSplitsPartitionsAndHandsThemOverOnClose) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  Ensure(*log, {Topic("t", 4)});
  auto p = std::move(log->NewProducer("")).value();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(p->Send(Rec("t", i, "k", "p" + std::to_string(i))).ok());

  RecordingListener l1, l2;
  auto c1 = Subscribed(*log, "g", {"t"}, &l1);
  EXPECT_TRUE(PollNow(*c1, 0).empty());  // max 0: takes the assignment, reads nothing
  EXPECT_EQ(l1.events, (std::vector<std::string>{"assigned t[0],t[1],t[2],t[3]"}));

  auto c2 = Subscribed(*log, "g", {"t"}, &l2);
  // c2's share still belongs to c1 until c1 revokes it inside its own Poll.
  EXPECT_TRUE(PollNow(*c2).empty());
  EXPECT_TRUE(l2.events.empty());
  auto r1 = PollNow(*c1);
  EXPECT_EQ(l1.events.back(), "revoked t[1],t[3]");
  auto r2 = PollNow(*c2);
  EXPECT_EQ(l2.events, (std::vector<std::string>{"assigned t[1],t[3]"}));
  ASSERT_EQ(r1.size(), 2u);
  ASSERT_EQ(r2.size(), 2u);
  for (const auto& r : r1) EXPECT_TRUE(r.partition.value() % 2 == 0) << r.partition.value();
  for (const auto& r : r2) EXPECT_TRUE(r.partition.value() % 2 == 1) << r.partition.value();

  // The closing member commits in OnRevoked; its successor starts from there.
  l1.on_revoked = [&](const std::vector<TopicPartition>& tps) {
    OffsetMap m;
    for (const auto& tp : tps) m[tp] = Offset(1);
    EXPECT_TRUE(c1->CommitOffsets(m).ok());
  };
  ASSERT_TRUE(p->Send(Rec("t", 0, "k", "late")).ok());
  ASSERT_TRUE(c1->Close().ok());
  EXPECT_EQ(l1.events.back(), "revoked t[0],t[2]");
  auto r3 = PollNow(*c2);
  EXPECT_EQ(l2.events.back(), "assigned t[0],t[2]");
  ASSERT_EQ(r3.size(), 1u);
  EXPECT_EQ(r3[0].value, "late");
  EXPECT_TRUE(c1->Close().ok());  // idempotent
  EXPECT_FALSE(c1->Poll(0, 10, &r3).ok());
}

// More members than partitions: the one left without any still hears, once,
// that its rebalance finished (one still waiting for its share does not: see
// GroupSplitsPartitionsAndHandsThemOverOnClose).
TEST(EmbeddedLog, MemberWithNothingToOwnGetsOneEmptyAssignment) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  Ensure(*log, {Topic("t", 1)});
  RecordingListener l1, l2;
  auto c1 = Subscribed(*log, "g", {"t"}, &l1);
  EXPECT_TRUE(PollNow(*c1).empty());
  EXPECT_EQ(l1.events, (std::vector<std::string>{"assigned t[0]"}));
  auto c2 = Subscribed(*log, "g", {"t"}, &l2);
  EXPECT_TRUE(PollNow(*c2).empty());
  EXPECT_TRUE(PollNow(*c2).empty());
  EXPECT_TRUE(PollNow(*c1).empty());
  EXPECT_EQ(l1.events, (std::vector<std::string>{"assigned t[0]"}));
  EXPECT_EQ(l2.events, (std::vector<std::string>{"assigned "}));
}

TEST(EmbeddedLog, MemberWaitingInPollWakesWhenPartitionsAreReleased) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  Ensure(*log, {Topic("t", 2)});
  RecordingListener l1, l2;
  auto c1 = Subscribed(*log, "g", {"t"}, &l1);
  EXPECT_TRUE(PollNow(*c1).empty());
  auto c2 = Subscribed(*log, "g", {"t"}, &l2);
  std::vector<RawRecord> got;
  std::thread t([&] {
    // Blocks until c1 lets t[1] go and then until a record arrives.
    while (got.empty()) ASSERT_TRUE(c2->Poll(60000, 10, &got).ok());
  });
  EXPECT_TRUE(PollNow(*c1).empty());  // revokes t[1]
  auto p = std::move(log->NewProducer("")).value();
  ASSERT_TRUE(p->Send(Rec("t", 1, "k", "v")).ok());
  t.join();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].partition.value(), 1);
  EXPECT_EQ(l2.events, (std::vector<std::string>{"assigned t[1]"}));
}

TEST(EmbeddedLog, CommittedOffsetsResumeAndGroupsAreIndependent) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  Ensure(*log, {Topic("t", 1)});
  auto p = std::move(log->NewProducer("")).value();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(p->Send(Rec("t", 0, "k", std::to_string(i))).ok());
  {
    auto c = Subscribed(*log, "a", {"t"});
    EXPECT_FALSE(c->Committed(TP("t", 0))->has_value());
    auto rs = PollN(*c, 2);
    ASSERT_EQ(rs.size(), 2u);
    ASSERT_TRUE(c->CommitOffsets({{TP("t", 0), Offset(2)}}).ok());
    EXPECT_EQ(c->Committed(TP("t", 0))->value(), Offset(2));
    ASSERT_TRUE(c->Close().ok());
  }
  auto a = Subscribed(*log, "a", {"t"});
  EXPECT_EQ(Offsets(PollN(*a, 3)), (std::vector<int64_t>{2, 3, 4}));
  auto b = Subscribed(*log, "b", {"t"});
  EXPECT_EQ(Offsets(PollN(*b, 5)), (std::vector<int64_t>{0, 1, 2, 3, 4}));
}

TEST(EmbeddedLog, PauseResumeSeek) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  Ensure(*log, {Topic("t", 2)});
  auto p = std::move(log->NewProducer("")).value();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(p->Send(Rec("t", 0, "k", "a" + std::to_string(i))).ok());
    ASSERT_TRUE(p->Send(Rec("t", 1, "k", "b" + std::to_string(i))).ok());
  }
  auto c = Subscribed(*log, "g", {"t"});
  EXPECT_TRUE(PollNow(*c, 0).empty());
  ASSERT_TRUE(c->Pause({TP("t", 0)}).ok());
  auto rs = PollNow(*c);
  ASSERT_EQ(rs.size(), 3u);
  for (const auto& r : rs) EXPECT_EQ(r.partition.value(), 1);
  ASSERT_TRUE(c->Resume({TP("t", 0)}).ok());
  ASSERT_TRUE(c->Seek(TP("t", 0), Offset(2)).ok());
  rs = PollNow(*c);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].value, "a2");
  ASSERT_TRUE(c->Seek(TP("t", 1), Offset(0)).ok());
  EXPECT_EQ(PollNow(*c).size(), 3u);
  EXPECT_FALSE(c->Pause({TP("t", 7)}).ok());
  EXPECT_FALSE(c->Seek(TP("other", 0), Offset(0)).ok());
}

// Issue 9, defect 3 (found on Kafka): a partition paused when the group took
// it away must come back resumed; one that stayed assigned stays paused.
TEST(EmbeddedLog, PartitionPausedWhenRevokedComesBackResumed) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  Ensure(*log, {Topic("t", 2)});
  RecordingListener l1;
  auto c1 = Subscribed(*log, "g", {"t"}, &l1);
  EXPECT_TRUE(PollNow(*c1, 0).empty());
  ASSERT_EQ(l1.events, (std::vector<std::string>{"assigned t[0],t[1]"}));
  ASSERT_TRUE(c1->Pause({TP("t", 0), TP("t", 1)}).ok());
  auto p = std::move(log->NewProducer("")).value();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(p->Send(Rec("t", 0, "k", "a" + std::to_string(i))).ok());
    ASSERT_TRUE(p->Send(Rec("t", 1, "k", "b" + std::to_string(i))).ok());
  }
  // A second member takes t[1] away, then leaves and gives it back.
  auto c2 = Subscribed(*log, "g", {"t"});
  EXPECT_TRUE(PollNow(*c1).empty());
  EXPECT_EQ(l1.events.back(), "revoked t[1]");
  EXPECT_EQ(PollNow(*c2).size(), 3u);
  ASSERT_TRUE(c2->Close().ok());
  auto rs = PollNow(*c1);
  EXPECT_EQ(l1.events.back(), "assigned t[1]");
  ASSERT_EQ(rs.size(), 3u) << "t[1] came back paused";
  for (const auto& r : rs) EXPECT_EQ(r.partition.value(), 1);
  EXPECT_EQ(rs[0].value, "b0");       // nothing committed: from the beginning
  EXPECT_TRUE(PollNow(*c1).empty());  // t[0] is still paused
  ASSERT_TRUE(c1->Resume({TP("t", 0)}).ok());
  EXPECT_EQ(PollNow(*c1).size(), 3u);
}

TEST(EmbeddedLog, PollRoundRobinsAcrossPartitions) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  Ensure(*log, {Topic("t", 3)});
  auto p = std::move(log->NewProducer("app-0")).value();
  auto c = Subscribed(*log, "g", {"t"});
  ASSERT_TRUE(p->BeginTransaction().ok());
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(p->Send(Rec("t", i % 3, "k", std::to_string(i))).ok());
  ASSERT_TRUE(p->CommitTransaction({}, *c).ok());
  auto rs = PollNow(*c, 30);
  ASSERT_EQ(rs.size(), 30u);
  int per[3] = {0, 0, 0};
  for (const auto& r : rs) per[r.partition.value()]++;
  EXPECT_EQ(per[0], 10);
  EXPECT_EQ(per[1], 10);
  EXPECT_EQ(per[2], 10);
  // Within a partition, offsets come in order and without gaps, across polls.
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(c->Poll(0, 17, &rs).ok());
  ASSERT_EQ(rs.size(), 300u);
  std::vector<int64_t> next(3, 0);
  for (const auto& r : rs) EXPECT_EQ(r.offset.value(), next[r.partition.value()]++);
}

TEST(EmbeddedLog, NewProducerWithSameTransactionalIdFencesTheOld) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  Ensure(*log, {Topic("t", 1)});
  auto c = Subscribed(*log, "g", {"t"});
  auto old = std::move(log->NewProducer("app-0")).value();
  ASSERT_TRUE(old->BeginTransaction().ok());
  ASSERT_TRUE(old->Send(Rec("t", 0, "k", "zombie")).ok());
  auto fresh = std::move(log->NewProducer("app-0")).value();
  Status s = old->CommitTransaction({}, *c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("producer fenced"), std::string::npos) << s.message();
  EXPECT_EQ(s.code(), StatusCode::kFenced) << "the runtime rejoins on kFenced";
  EXPECT_FALSE(s.retryable());
  EXPECT_FALSE(old->BeginTransaction().ok());
  EXPECT_FALSE(old->Send(Rec("t", 0, "k", "zombie")).ok());
  EXPECT_EQ(log->EndOffset(TP("t", 0))->value(), 0);
  ASSERT_TRUE(fresh->BeginTransaction().ok());
  ASSERT_TRUE(fresh->Send(Rec("t", 0, "k", "ok")).ok());
  ASSERT_TRUE(fresh->CommitTransaction({}, *c).ok());
  EXPECT_EQ(log->EndOffset(TP("t", 0))->value(), 1);
  // Another transactional id is not affected.
  auto other = std::move(log->NewProducer("app-1")).value();
  EXPECT_TRUE(fresh->BeginTransaction().ok());
}

TEST(EmbeddedLog, ConsumerCannotCommitPartitionsItDoesNotOwn) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  Ensure(*log, {Topic("t", 2)});
  auto c1 = Subscribed(*log, "g", {"t"});
  EXPECT_TRUE(PollNow(*c1, 0).empty());
  auto c2 = Subscribed(*log, "g", {"t"});
  EXPECT_TRUE(PollNow(*c1, 0).empty());  // gives t[1] away
  Status s = c1->CommitOffsets({{TP("t", 1), Offset(5)}});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not assigned"), std::string::npos) << s.message();
  auto p = std::move(log->NewProducer("x")).value();
  ASSERT_TRUE(p->BeginTransaction().ok());
  EXPECT_FALSE(p->CommitTransaction({{TP("t", 1), Offset(5)}}, *c1).ok());
  EXPECT_TRUE(p->CommitTransaction({{TP("t", 0), Offset(0)}}, *c1).ok());
}

TEST(EmbeddedLog, TopicsAreCreatedCheckedAndReported) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  std::vector<std::string> report;
  ASSERT_TRUE(log->EnsureTopics({Topic("deal.events", 6)}, &report).ok());
  ASSERT_TRUE(log->EnsureTopics({Topic("deal.events", 6), Topic("escrow.commands", 12, true)}, &report).ok());
  EXPECT_EQ(report, (std::vector<std::string>{"created topic deal.events (6 partitions)",
                                              "topic deal.events ok (6 partitions)",
                                              "created topic escrow.commands (12 partitions, compact)"}));
  Status s = log->EnsureTopics({Topic("new.one", 1), Topic("deal.events", 12)}, &report);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "topic 'deal.events' exists with 6 partitions, the topology declares 12");
  EXPECT_FALSE(log->PartitionCount("new.one").ok());  // nothing changed on a mismatch

  auto unknown = log->PartitionCount("nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("'nope'"), std::string::npos);
  auto end = log->EndOffset(TP("nope", 0));
  ASSERT_FALSE(end.ok());
  EXPECT_NE(end.status().message().find("'nope'"), std::string::npos);
  EXPECT_FALSE(log->EndOffset(TP("deal.events", 6)).ok());
  EXPECT_FALSE(log->EnsureTopics({Topic("bad/name", 1)}, &report).ok());

  auto p = std::move(log->NewProducer("")).value();
  EXPECT_EQ(p->Send(Rec("nope", 0, "k", "v")).code(), StatusCode::kNotFound);
  EXPECT_FALSE(p->Send(Rec("deal.events", 6, "k", "v")).ok());
}

// Like a Kafka broker: a record whose batch is larger than the topic's
// max.message.bytes (default 1048588) is refused, by a plain and a
// transactional producer alike, and nothing of it is written.
TEST(EmbeddedLog, RecordsLargerThanMaxMessageBytesAreRefused) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  TopicConfig small = Topic("small", 1);
  small.extra["max.message.bytes"] = "200";
  Ensure(*log, {Topic("t", 1), small});
  EXPECT_EQ(*log->MaxRecordBytes("t"), std::optional<int64_t>(kDefaultMaxMessageBytes));
  EXPECT_EQ(*log->MaxRecordBytes("small"), std::optional<int64_t>(200));
  EXPECT_FALSE(log->MaxRecordBytes("nope").ok());

  auto p = std::move(log->NewProducer("")).value();
  // 61-byte batch header + 2-byte length + 137 bytes of record: exactly 200.
  RawRecord fits = Rec("small", 0, std::nullopt, std::string(130, 'v'));
  ASSERT_EQ(RecordBatchBytes(fits), 200);
  EXPECT_TRUE(p->Send(fits).ok());
  RawRecord over = Rec("small", 0, std::nullopt, std::string(131, 'v'));
  Status s = p->Send(over);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "record of 201 bytes exceeds the max.message.bytes of topic 'small' (200)");
  RawRecord mib = Rec("t", 0, "k", std::string(size_t{1} << 20, 'v'));
  EXPECT_FALSE(p->Send(mib).ok()) << "1 MiB of value plus Kafka's overhead is above 1 MiB + 12";
  ASSERT_TRUE(p->Flush().ok());
  EXPECT_EQ(log->EndOffset(TP("small", 0))->value(), 1);
  EXPECT_EQ(log->EndOffset(TP("t", 0))->value(), 0);

  auto txn = std::move(log->NewProducer("txn")).value();
  ASSERT_TRUE(txn->BeginTransaction().ok());
  EXPECT_EQ(txn->Send(over).code(), StatusCode::kInvalidArgument);

  // The limit follows the topic's config, and a bad one is refused.
  small.extra["max.message.bytes"] = "1000";
  Ensure(*log, {small});
  EXPECT_TRUE(p->Send(over).ok());
  small.extra["max.message.bytes"] = "1k";
  std::vector<std::string> report;
  Status bad = log->EnsureTopics({small}, &report);
  EXPECT_EQ(bad.message(),
            "topic 'small': config max.message.bytes must be a whole number >= 0 (bytes), not '1k'");
}

TEST(EmbeddedLog, SecondOwnerIsRefusedWithThePid) {
  TempDir dir;
  int ready[2], done[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(done), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    EmbeddedLogOptions o;
    o.dir = dir.path();
    auto log = EmbeddedLog::Open(o);
    char b = log.ok() ? 'y' : 'n';
    if (write(ready[1], &b, 1) != 1) _exit(2);
    if (read(done[0], &b, 1) != 1) _exit(3);
    _exit(log.ok() ? 0 : 1);
  }
  char b = 0;
  ASSERT_EQ(read(ready[0], &b, 1), 1);
  ASSERT_EQ(b, 'y');
  EmbeddedLogOptions o;
  o.dir = dir.path();
  auto second = EmbeddedLog::Open(o);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(),
            "data dir " + dir.path() + " is in use by process " + std::to_string(child) + " (topo run?)");
  ASSERT_EQ(write(done[1], "x", 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // The lock died with its owner.
  EXPECT_TRUE(EmbeddedLog::Open(o).ok());
}

TEST(EmbeddedLog, SecondOpenInTheSameProcessIsRefused) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  EmbeddedLogOptions o;
  o.dir = dir.path();
  auto second = OpenEmbeddedLog(o);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("in use by process " + std::to_string(getpid())),
            std::string::npos);
}

TEST(EmbeddedLog, RetentionDeletesOldRecordsAndReadersSkipAhead) {
  TempDir dir;
  {
    auto log = OpenOk(dir.path());
    TopicConfig t = Topic("t", 1);
    t.retention_ms = 1500;
    Ensure(*log, {t});
    auto p = std::move(log->NewProducer("")).value();
    for (int64_t ts : {1000, 2000, 3000, 1000}) ASSERT_TRUE(p->Send(Rec("t", 0, "k", "v", ts)).ok());
    {
      auto c = Subscribed(*log, "g", {"t"});
      EXPECT_EQ(PollN(*c, 1).size(), 1u);
      ASSERT_TRUE(c->CommitOffsets({{TP("t", 0), Offset(1)}}).ok());
    }
    auto reader = Subscribed(*log, "r", {"t"});  // positioned at 0 before retention runs
    EXPECT_TRUE(PollNow(*reader, 0).empty());

    ASSERT_TRUE(log->Maintain(4000).ok());  // deletes timestamps < 2500 from the head: offsets 0, 1
    EXPECT_EQ(log->BeginOffset(TP("t", 0))->value(), 2);
    EXPECT_EQ(log->EndOffset(TP("t", 0))->value(), 4);
    EXPECT_EQ(Offsets(PollN(*reader, 2)), (std::vector<int64_t>{2, 3}));
    auto g = Subscribed(*log, "g", {"t"});  // committed 1, now below the log start
    EXPECT_EQ(Offsets(PollN(*g, 2)), (std::vector<int64_t>{2, 3}));

    ASSERT_TRUE(log->Maintain(100000).ok());  // everything expires
    EXPECT_EQ(log->BeginOffset(TP("t", 0))->value(), 4);
  }
  // An emptied partition keeps counting where it was.
  auto log = OpenOk(dir.path());
  EXPECT_EQ(log->BeginOffset(TP("t", 0))->value(), 4);
  EXPECT_EQ(log->EndOffset(TP("t", 0))->value(), 4);
  auto p = std::move(log->NewProducer("")).value();
  ASSERT_TRUE(p->Send(Rec("t", 0, "k", "new", 200000)).ok());
  auto c = Subscribed(*log, "g", {"t"});
  EXPECT_EQ(Offsets(PollN(*c, 1)), (std::vector<int64_t>{4}));
}

// A topic whose config the log cannot apply is reported, and the topics after
// it still get their retention.
TEST(EmbeddedLog, ABadTopicConfigDoesNotStopRetentionOfTheOthers) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  TopicConfig bad = Topic("a_bad", 1, /*compact=*/true);
  bad.extra["delete.retention.ms"] = "-1";
  TopicConfig z = Topic("z", 1);
  z.retention_ms = 1000;
  Ensure(*log, {bad, z});
  auto p = std::move(log->NewProducer("")).value();
  for (int64_t ts : {1000, 5000}) ASSERT_TRUE(p->Send(Rec("z", 0, "k", "v", ts)).ok());
  Status s = log->Maintain(5500);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("topic 'a_bad': delete.retention.ms must be a number >= 0"), std::string::npos)
      << s.message();
  EXPECT_EQ(log->BeginOffset(TP("z", 0))->value(), 1);
}

// retention.bytes keeps the newest records that add up to at least the limit,
// measured on disk (records here are incompressible: ~120 bytes each with key
// and header).
TEST(EmbeddedLog, SizeRetentionKeepsAboutRetentionBytesOfTheNewestRecords) {
  TempDir dir;
  constexpr int kRecords = 20000;
  std::mt19937_64 rng(7);
  {
    auto log = OpenOk(dir.path());
    TopicConfig limited = Topic("limited", 1);
    limited.extra["retention.bytes"] = "500000";
    Ensure(*log, {limited, Topic("unlimited", 1)});
    auto p = std::move(log->NewProducer("")).value();
    for (int i = 0; i < kRecords; ++i) {
      std::string value(100, '\0');
      for (char& ch : value) ch = static_cast<char>(rng());
      ASSERT_TRUE(p->Send(Rec("limited", 0, "k", value)).ok());
      ASSERT_TRUE(p->Send(Rec("unlimited", 0, "k", value)).ok());
    }
  }
  auto log = OpenOk(dir.path());  // reopening flushed the records to files
  ASSERT_TRUE(log->Maintain(0).ok());
  int64_t begin = log->BeginOffset(TP("limited", 0))->value();
  int64_t kept = kRecords - begin;
  // 500000 / ~120 bytes ~ 4100 records (measured 4110); the estimate is exact to a 16 KiB block.
  EXPECT_GE(kept, 3500);
  EXPECT_LE(kept, 5200);
  EXPECT_EQ(log->BeginOffset(TP("unlimited", 0))->value(), 0);
  auto c = Subscribed(*log, "g", {"limited"});
  EXPECT_EQ(PollN(*c, 1).at(0).offset.value(), begin);  // reading starts at the new head

  TopicConfig bad = Topic("bad", 1);
  bad.extra["retention.bytes"] = "1GB";
  Ensure(*log, {bad});
  Status s = log->Maintain(0);
  EXPECT_EQ(s.message(), "topic 'bad': retention.bytes must be a number >= -1, not '1GB'");
}

TEST(EmbeddedLog, CompactionKeepsTheLatestRecordPerKey) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  TopicConfig t = Topic("t", 1, true);
  t.extra["delete.retention.ms"] = "0";
  Ensure(*log, {t});
  auto p = std::move(log->NewProducer("")).value();
  // 0:a=1 1:b=1 2:a=2 3:c=1 4:b=null 5:null-key 6:a=3 7:d=null (last: stays)
  ASSERT_TRUE(p->Send(Rec("t", 0, "a", "1", 10)).ok());
  ASSERT_TRUE(p->Send(Rec("t", 0, "b", "1", 10)).ok());
  ASSERT_TRUE(p->Send(Rec("t", 0, "a", "2", 10)).ok());
  ASSERT_TRUE(p->Send(Rec("t", 0, "c", "1", 10)).ok());
  ASSERT_TRUE(p->Send(Rec("t", 0, "b", std::nullopt, 10)).ok());
  ASSERT_TRUE(p->Send(Rec("t", 0, std::nullopt, "n", 10)).ok());
  ASSERT_TRUE(p->Send(Rec("t", 0, "a", "3", 10)).ok());
  ASSERT_TRUE(p->Send(Rec("t", 0, "d", std::nullopt, 10)).ok());
  ASSERT_TRUE(log->Maintain(1000).ok());
  auto c = Subscribed(*log, "g", {"t"});
  auto rs = PollN(*c, 4);
  EXPECT_EQ(Offsets(rs), (std::vector<int64_t>{3, 5, 6, 7}));
  EXPECT_TRUE(PollNow(*c).empty());
  EXPECT_EQ(log->EndOffset(TP("t", 0))->value(), 8);

  // A tombstone younger than delete.retention.ms stays, its key's older values go.
  TopicConfig t2 = Topic("t2", 1, true);
  Ensure(*log, {t2});
  ASSERT_TRUE(p->Send(Rec("t2", 0, "a", "1", 10)).ok());
  ASSERT_TRUE(p->Send(Rec("t2", 0, "a", std::nullopt, 10)).ok());
  ASSERT_TRUE(p->Send(Rec("t2", 0, "b", "1", 10)).ok());
  ASSERT_TRUE(log->Maintain(1000).ok());
  auto c2 = Subscribed(*log, "g", {"t2"});
  EXPECT_EQ(Offsets(PollN(*c2, 2)), (std::vector<int64_t>{1, 2}));
}

TEST(EmbeddedLog, PollWakesUpWhenAProducerCommits) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  Ensure(*log, {Topic("t", 1)});
  auto c = Subscribed(*log, "g", {"t"});
  EXPECT_TRUE(PollNow(*c, 0).empty());  // assigned before the thread starts
  std::vector<RawRecord> got;
  auto start = std::chrono::steady_clock::now();
  std::thread consumer([&] { ASSERT_TRUE(c->Poll(60000, 10, &got).ok()); });
  auto other = Subscribed(*log, "other", {"t"});
  auto p = std::move(log->NewProducer("app-0")).value();
  ASSERT_TRUE(p->BeginTransaction().ok());
  ASSERT_TRUE(p->Send(Rec("t", 0, "k", "hello")).ok());
  ASSERT_TRUE(p->CommitTransaction({}, *other).ok());
  consumer.join();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value, "hello");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

// A child commits transactions of 100 records plus the consumed offset until it
// is SIGKILLed; after reopening, records and offsets agree: every commit landed
// whole or not at all.
TEST(EmbeddedLog, KilledWriterLeavesWholeTransactions) {
  TempDir dir;
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    EmbeddedLogOptions o;
    o.dir = dir.path();
    auto log = EmbeddedLog::Open(o);
    if (!log.ok() || !(*log)->EnsureTopics({Topic("in", 1), Topic("out", 2)}, nullptr).ok()) _exit(1);
    auto c = std::move((*log)->NewConsumer("app", "c")).value();
    auto p = std::move((*log)->NewProducer("app-0")).value();
    for (int64_t i = 0;; ++i) {
      if (!p->BeginTransaction().ok()) _exit(2);
      for (int j = 0; j < 100; ++j) {
        if (!p->Send(Rec("out", j % 2, "k", std::to_string(i))).ok()) _exit(3);
      }
      // The metadata names the transaction, to check it landed with its offset.
      if (!p->CommitTransaction({{TP("in", 0), Offset(i + 1)}}, {{TP("in", 0), "txn " + std::to_string(i)}},
                                *c)
               .ok())
        _exit(4);
      if (write(ready[1], "c", 1) != 1) _exit(5);
    }
  }
  char b;
  for (int i = 0; i < 20; ++i) ASSERT_EQ(read(ready[0], &b, 1), 1);
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto log = OpenOk(dir.path());
  auto c = Subscribed(*log, "check", {"out"});
  auto app = std::move(log->NewConsumer("app", "x")).value();
  std::optional<OffsetAndMetadata> committed = *app->CommittedWithMetadata(TP("in", 0));
  ASSERT_TRUE(committed.has_value());
  int64_t commits = committed->offset.value();
  EXPECT_GE(commits, 20);
  EXPECT_EQ(committed->metadata, "txn " + std::to_string(commits - 1));
  int64_t total = log->EndOffset(TP("out", 0))->value() + log->EndOffset(TP("out", 1))->value();
  EXPECT_EQ(total, commits * 100);
  auto rs = PollN(*c, static_cast<size_t>(total));
  ASSERT_EQ(static_cast<int64_t>(rs.size()), total);
  std::vector<int64_t> next(2, 0);
  std::vector<int> per_txn(commits, 0);
  for (const auto& r : rs) {
    EXPECT_EQ(r.offset.value(), next[r.partition.value()]++);
    per_txn[std::stoll(*r.value)]++;
  }
  for (int64_t i = 0; i < commits; ++i) EXPECT_EQ(per_txn[i], 100) << "transaction " << i;
}

// Producers on several threads commit into the same partitions while a consumer
// reads: every partition's offsets come in order with no gap, every record once.
TEST(EmbeddedLog, ConcurrentProducersAndAConsumer) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  Ensure(*log, {Topic("t", 3)});
  constexpr int kThreads = 4, kTxns = 50, kPerTxn = 30;
  constexpr size_t kTotal = size_t{kThreads} * kTxns * kPerTxn;
  auto reader = Subscribed(*log, "g", {"t"});
  std::vector<RawRecord> got;
  std::thread consumer([&] {
    while (got.size() < kTotal) ASSERT_TRUE(reader->Poll(60000, 100, &got).ok());
  });
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      auto c = std::move(log->NewConsumer("w" + std::to_string(t), "w")).value();
      auto p = std::move(log->NewProducer(t % 2 ? "txn-" + std::to_string(t) : "")).value();
      for (int i = 0; i < kTxns; ++i) {
        if (t % 2) {
          ASSERT_TRUE(p->BeginTransaction().ok());
        }
        for (int j = 0; j < kPerTxn; ++j) {
          ASSERT_TRUE(p->Send(Rec("t", j % 3, std::to_string(t), std::to_string(i * kPerTxn + j))).ok());
        }
        if (t % 2) {
          ASSERT_TRUE(p->CommitTransaction({}, *c).ok());
        }
      }
    });
  }
  for (auto& p : producers) p.join();
  consumer.join();
  ASSERT_EQ(got.size(), kTotal);
  std::vector<int64_t> next(3, 0);
  std::map<std::string, std::vector<int>> last;  // per producer and partition: increasing sequence
  for (const auto& r : got) {
    EXPECT_EQ(r.offset.value(), next[r.partition.value()]++);
    auto& seq = last[*r.key + "/" + std::to_string(r.partition.value())];
    int v = std::stoi(*r.value);
    if (!seq.empty()) {
      EXPECT_GT(v, seq.back());
    }
    seq.push_back(v);
  }
}

TEST(EmbeddedLog, PollBeforeSubscribeIsAnError) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  auto c = std::move(log->NewConsumer("g", "c")).value();
  std::vector<RawRecord> out;
  EXPECT_FALSE(c->Poll(0, 10, &out).ok());
  EXPECT_FALSE(log->NewConsumer("", "c").ok());
}

TEST(EmbeddedLog, PollWithNothingToReadTimesOut) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  Ensure(*log, {Topic("t", 1)});
  auto c = Subscribed(*log, "g", {"t"});
  std::vector<RawRecord> out;
  ASSERT_TRUE(c->Poll(20, 10, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(EmbeddedLog, CopartitionedTopicsAreAssignedAndRevokedTogether) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  Ensure(*log, {Topic("a", 3), Topic("b", 3), Topic("c", 2)});
  testing::CopartitionListener l1("a", "b"), l2("a", "b");
  auto c1 = std::move(log->NewConsumer("g", "c1")).value();
  auto c2 = std::move(log->NewConsumer("g", "c2")).value();
  ASSERT_TRUE(c1->SubscribeCopartitioned({{"a", "b"}, {"c"}}, &l1).ok());
  PollNow(*c1);
  EXPECT_EQ(l1.owned.size(), 8u);
  ASSERT_TRUE(c2->SubscribeCopartitioned({{"a", "b"}, {"c"}}, &l2).ok());
  for (int i = 0; i < 5; ++i) PollNow(*c1), PollNow(*c2);
  // Split between the two, every a[p] with its b[p]; nothing owned twice.
  EXPECT_EQ(l1.owned.size() + l2.owned.size(), 8u);
  EXPECT_FALSE(l1.Partitions("a").empty());
  EXPECT_FALSE(l2.Partitions("a").empty());
  EXPECT_EQ(l1.Partitions("a"), l1.Partitions("b"));
  EXPECT_EQ(l2.Partitions("a"), l2.Partitions("b"));
  // c2 leaves: c1 takes its units back, still in pairs.
  ASSERT_TRUE(c2->Close().ok());
  PollNow(*c1);
  EXPECT_EQ(l1.owned.size(), 8u);
}

TEST(EmbeddedLog, KnownLagCountsRecordsBeyondWhatPollReturned) {
  TempDir dir;
  auto log = OpenOk(dir.path());
  Ensure(*log, {Topic("t", 1)});
  auto p = std::move(log->NewProducer("")).value();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(p->Send(Rec("t", 0, "k", "v")).ok());
  ASSERT_TRUE(p->Flush().ok());
  auto c = Subscribed(*log, "g", {"t"});
  EXPECT_EQ(c->KnownLag(TP("t", 0)), std::nullopt) << "not assigned before the first Poll";
  auto got = PollNow(*c, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(c->KnownLag(TP("t", 0)), 3);
  PollNow(*c);
  EXPECT_EQ(c->KnownLag(TP("t", 0)), 0);
}

}  // namespace
}  // namespace topo::log
