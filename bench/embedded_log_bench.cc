// Throughput of the embedded log (engine/log/embedded_log.h) on seed-like
// records: ~250-byte JSON values, 8-byte keys, 8 partitions, on disk.
//
//   cmake -S . -B build-emb-rel -G Ninja -DCMAKE_BUILD_TYPE=Release
//   ninja -C build-emb-rel embedded_log_bench && build-emb-rel/embedded_log_bench
//
// BM_TransactionalAppend: one transaction per 1000 records, committed with the
//   group's consumed offsets (what an exactly-once task does per commit).
// BM_PlainSend/N: a plain producer writing N records at a time
//   (EmbeddedLogOptions::producer_batch_records; 1 = one RocksDB write per Send).
// BM_SequentialPoll: a fresh group reads 1M records from the beginning.
// BM_ConsumeProduceCommit: read 1000 from an input topic, write them to an
//   output topic and commit output + input offsets in one transaction: the log's
//   share of the runtime's end-to-end budget (500,000 records/s), with no
//   decode or processing.
// The data dir is $TOPO_BENCH_DIR, else a fresh directory under /tmp.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/log/embedded_log.h"

namespace topo::log {
namespace {

constexpr int kPartitions = 8;
constexpr int kBatch = 1000;
constexpr int64_t kPollRecords = 1'000'000;

std::string BenchDir(const char* name) {
  const char* base = std::getenv("TOPO_BENCH_DIR");
  std::string dir = std::string(base ? base : "/tmp") + "/topo_embedded_log_bench_" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

void Check(const Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "embedded_log_bench: %s\n", s.ToString().c_str());
    std::abort();
  }
}

template <typename T>
T Take(Result<T> r) {
  Check(r.status());
  return std::move(r).value();
}

std::unique_ptr<EmbeddedLog> OpenBenchLog(const std::string& dir, size_t producer_batch_records = 1) {
  EmbeddedLogOptions o;
  o.dir = dir;
  o.producer_batch_records = producer_batch_records;
  auto log = Take(EmbeddedLog::Open(o));
  std::vector<std::string> report;
  for (const char* t : {"bench.in", "bench.out"}) {
    TopicConfig c;
    c.name = t;
    c.partitions = kPartitions;
    Check(log->EnsureTopics({c}, &report));
  }
  return log;
}

// 1024 distinct ~250-byte records, cycled.
std::vector<RawRecord> Records(const std::string& topic) {
  std::vector<RawRecord> out;
  for (int i = 0; i < 1024; ++i) {
    char buf[512];
    int n = std::snprintf(
        buf, sizeof buf,
        R"({"deal_id":"d-%06d","event_type":"DealStatusChanged","from_status":"PENDING","to_status":"FUNDED",)"
        R"("payload":{"amount":"%d.%02d","currency":"TON","recipient_id":"u-%d","note":"bench"},)"
        R"("timestamp":"2025-01-15T10:%02d:%02d.%03dZ","source":"bench"})",
        i * 7919 % 1000000, 10 + i * 37 % 5000, i % 100, i * 13 % 10000, i % 60, (i * 7) % 60, i % 1000);
    RawRecord r;
    r.topic = topic;
    r.partition = Partition(i % kPartitions);
    r.timestamp = TimestampMs(1736935200000 + i);
    r.key = "d-" + std::to_string(i * 7919 % 1000000);
    r.value = std::string(buf, n);
    out.push_back(std::move(r));
  }
  return out;
}

OffsetMap SomeOffsets(int64_t at) {
  OffsetMap m;
  for (int p = 0; p < kPartitions; ++p) m[TopicPartition{"bench.in", Partition(p)}] = Offset(at);
  return m;
}

void BM_TransactionalAppend(benchmark::State& state) {
  std::string dir = BenchDir("append");
  auto log = OpenBenchLog(dir);
  auto consumer = Take(log->NewConsumer("bench", "bench"));  // not subscribed: may commit any offsets
  auto producer = Take(log->NewProducer("bench-0"));
  auto records = Records("bench.out");
  int64_t n = 0;
  for (auto _ : state) {
    Check(producer->BeginTransaction());
    for (int i = 0; i < kBatch; ++i) Check(producer->Send(records[(n + i) & 1023]));
    n += kBatch;
    Check(producer->CommitTransaction(SomeOffsets(n), *consumer));
  }
  state.SetItemsProcessed(n);
  state.SetBytesProcessed(n * static_cast<int64_t>(records[0].value->size()));
  consumer.reset();
  producer.reset();
  log.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_TransactionalAppend)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->Iterations(3000);

// A plain producer (at-least-once, `topo produce`).
void BM_PlainSend(benchmark::State& state) {
  std::string dir = BenchDir("plain");
  auto log = OpenBenchLog(dir, state.range(0));
  auto producer = Take(log->NewProducer(""));
  auto records = Records("bench.out");
  int64_t n = 0;
  for (auto _ : state) Check(producer->Send(records[n++ & 1023]));
  Check(producer->Flush());
  state.SetItemsProcessed(n);
  producer.reset();
  log.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_PlainSend)->Arg(1)->Arg(1000)->UseRealTime()->MeasureProcessCPUTime()->Iterations(500000);

// Fills bench.in with kPollRecords records (1000 per transaction).
void Fill(EmbeddedLog& log) {
  auto consumer = Take(log.NewConsumer("fill", "fill"));
  auto producer = Take(log.NewProducer("fill-0"));
  auto records = Records("bench.in");
  for (int64_t n = 0; n < kPollRecords; n += kBatch) {
    Check(producer->BeginTransaction());
    for (int i = 0; i < kBatch; ++i) Check(producer->Send(records[(n + i) & 1023]));
    Check(producer->CommitTransaction({}, *consumer));
  }
}

void BM_SequentialPoll(benchmark::State& state) {
  std::string dir = BenchDir("poll");
  auto log = OpenBenchLog(dir);
  Fill(*log);
  int group = 0;
  int64_t total = 0;
  std::vector<RawRecord> out;
  for (auto _ : state) {
    auto consumer = Take(log->NewConsumer("g" + std::to_string(group++), "bench"));
    Check(consumer->Subscribe({"bench.in"}, nullptr));
    int64_t n = 0;
    while (n < kPollRecords) {
      out.clear();
      Check(consumer->Poll(1000, kBatch, &out));
      n += static_cast<int64_t>(out.size());
      benchmark::DoNotOptimize(out.data());
    }
    total += n;
    Check(consumer->Close());
  }
  state.SetItemsProcessed(total);
  log.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SequentialPoll)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->Iterations(3);

void BM_ConsumeProduceCommit(benchmark::State& state) {
  std::string dir = BenchDir("cpc");
  auto log = OpenBenchLog(dir);
  Fill(*log);
  int64_t total = 0;
  int group = 0;
  std::vector<RawRecord> in;
  for (auto _ : state) {
    auto consumer = Take(log->NewConsumer("app" + std::to_string(group), "bench"));
    auto producer = Take(log->NewProducer("app" + std::to_string(group++) + "-0"));
    Check(consumer->Subscribe({"bench.in"}, nullptr));
    OffsetMap consumed;
    int64_t n = 0;
    while (n < kPollRecords) {
      in.clear();
      Check(consumer->Poll(1000, kBatch, &in));
      Check(producer->BeginTransaction());
      for (auto& r : in) {
        consumed[TopicPartition{r.topic, r.partition}] = Offset(r.offset.value() + 1);
        r.topic = "bench.out";
        Check(producer->Send(std::move(r)));
      }
      Check(producer->CommitTransaction(consumed, *consumer));
      n += static_cast<int64_t>(in.size());
    }
    total += n;
    Check(consumer->Close());
  }
  state.SetItemsProcessed(total);
  log.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ConsumeProduceCommit)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->Iterations(2);

}  // namespace
}  // namespace topo::log

BENCHMARK_MAIN();
