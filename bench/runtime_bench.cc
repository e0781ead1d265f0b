// The stream thread's hot path, in-process: PartitionGroup's buffering and
// timestamp choice, and a whole Application (poll -> buffer -> task ->
// producer -> exactly-once commit) over records already in the embedded log.
//
//   build-rel/runtime_bench                  # Release build for numbers
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "engine/log/embedded_log.h"
#include "engine/plan/loader.h"
#include "engine/runtime/application.h"
#include "engine/runtime/partition_group.h"
#include "operators/builtin.h"

namespace topo::runtime {
namespace {

RawRecord Event(const std::string& topic, int32_t partition, int64_t i) {
  RawRecord r;
  r.topic = topic;
  r.partition = Partition(partition);
  r.offset = Offset(i);
  r.timestamp = TimestampMs(1000 + i);
  r.key = "d-" + std::to_string(i);
  r.value = R"({"deal_id":"d-)" + std::to_string(i) + R"(","to_status":")" +
            (i % 4 == 0 ? "FUNDED" : "POSTED") + R"(","payload":{"amount":"12.50"}})";
  return r;
}

// One task reading two partitions: push a record to each, take both in event-time order.
void BM_PartitionGroupTwoInputs(benchmark::State& state) {
  PartitionGroup group;
  InputCounters counters;
  log::TopicPartition a{"a", Partition(0)}, b{"b", Partition(0)};
  group.Add(a, &counters);
  group.Add(b, &counters);
  auto no_lag = [](const log::TopicPartition&) { return std::optional<int64_t>(0); };
  // The event time is the log's (a source without `timestamp=`), decoded ahead as in a task.
  const PartitionGroup::Decoder decode = [](const RawRecord& raw) -> Result<Record> {
    Record r;
    r.timestamp = raw.timestamp;
    return r;
  };
  RawRecord ra = Event("a", 0, 1), rb = Event("b", 0, 2);
  uint64_t round = 0;
  for (auto _ : state) {
    group.Find(a)->records.push_back(ra);
    group.Find(b)->records.push_back(rb);
    ++round;
    while (group.Ready(round, no_lag)) {
      PartitionGroup::Queue* q = group.Next(decode);
      benchmark::DoNotOptimize(q->TakeHead(decode));
      q->PopHead();
    }
  }
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_PartitionGroupTwoInputs);

constexpr const char* kTopology = R"(
local topo = import 'topo.libsonnet';
topo.topology('bench', {
  topics: { 'deal.events': topo.topic(partitions=8), 'escrow.commands': topo.topic(partitions=8) },
  nodes: {
    events: topo.source('deal.events'),
    funded: topo.filter('events', "value.to_status == 'FUNDED'"),
    cmd: topo.map('funded', value="{deal_id: value.deal_id, command: 'EXECUTE_PAYOUT', amount: value.payload.amount}"),
    out: topo.sink('cmd', 'escrow.commands', key='value.deal_id'),
  },
}))";

// A whole instance, exactly-once, 1 stream thread: each iteration is a new
// consumer group reading the same 200,000 records from the start.
void BM_ApplicationEmbeddedExactlyOnce(benchmark::State& state) {
  constexpr int kRecords = 200000, kPartitions = 8;
  operators::RegisterBuiltinOperators();
  auto loaded = plan::LoadTopologyFromString("bench.jsonnet", kTopology, {});
  plan::Diagnostics diags;
  auto topology = CompiledTopology::Compile(std::move(loaded).value(), &diags);
  if (!topology.ok()) return state.SkipWithError(topology.status().message().c_str());
  auto dir = std::filesystem::temp_directory_path() / ("topo_runtime_bench_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  log::EmbeddedLogOptions lo;
  lo.dir = dir.string();
  lo.producer_batch_records = 1000;
  auto log = std::move(log::EmbeddedLog::Open(lo)).value();
  {
    RunOptions setup;
    setup.application_id = "setup";
    auto app = std::move(Application::Create(*topology, log.get(), setup)).value();
    std::vector<std::string> report;
    if (!app->EnsureTopics(&report).ok()) return state.SkipWithError("EnsureTopics failed");
    auto producer = std::move(log->NewProducer("")).value();
    for (int i = 0; i < kRecords; ++i)
      if (!producer->Send(Event("deal.events", i % kPartitions, i)).ok())
        return state.SkipWithError("Send failed");
    if (!producer->Flush().ok()) return state.SkipWithError("Flush failed");
  }
  int run = 0;
  for (auto _ : state) {
    RunOptions o;
    o.application_id = "bench-" + std::to_string(run++);
    o.maintenance_interval_ms = 0;
    auto app = std::move(Application::Create(*topology, log.get(), o)).value();
    if (!app->Start().ok()) return state.SkipWithError("Start failed");
    while (app->Snapshot().records_in < static_cast<uint64_t>(kRecords))
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    app->RequestStop();
    if (!app->Wait().ok()) return state.SkipWithError("run failed");
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  log.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ApplicationEmbeddedExactlyOnce)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace topo::runtime

BENCHMARK_MAIN();
