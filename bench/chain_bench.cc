// End-to-end stateless chain: JSON source -> filter -> map -> JSON sink, one
// task, on ~250-byte seed-like deal events. Measures the engine's per-record
// cost (decode, expressions, encode, partitioning) with a collector that only
// counts, so no log backend is in the number.
//
//   build/chain_bench                                   # generated events
//   TOPO_BENCH_INPUT=events.jsonl build/chain_bench     # a JSON-lines file (bench/jq_compare.sh)
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "engine/base/clock.h"
#include "engine/plan/loader.h"
#include "engine/runtime/compiled_topology.h"
#include "engine/runtime/task.h"
#include "operators/builtin.h"

namespace topo {
namespace {

constexpr const char* kTopology = R"jsonnet(
local topo = import 'topo.libsonnet';
topo.topology('bench', {
  topics: { 'deal.events': topo.topic(partitions=1), 'escrow.commands': topo.topic(partitions=12) },
  nodes: {
    events: topo.source('deal.events'),
    funded: topo.filter('events', "value.to_status == 'FUNDED' && decimal(value.payload.amount) > decimal('100')"),
    cmd: topo.map('funded', value="{deal_id: value.deal_id, command: 'EXECUTE_PAYOUT', amount: value.payload.amount}"),
    out: topo.sink('cmd', 'escrow.commands', key='value.deal_id'),
  },
}))jsonnet";

class CountingCollector : public runtime::RecordCollector {
 public:
  Status Send(RawRecord r) override {
    ++count;
    bytes += r.value ? r.value->size() : 0;
    return Status::Ok();
  }
  uint64_t count = 0, bytes = 0;
};

std::string Event(int i) {
  static const char* kStatus[] = {"FUNDED", "AWAITING_DEPOSIT", "RELEASED", "POSTED"};
  char buf[400];
  std::snprintf(buf, sizeof buf,
                R"({"deal_id":"d-%06d","event_type":"DealStatusChanged","from_status":"AWAITING_DEPOSIT",)"
                R"("to_status":"%s","payload":{"amount":"%d.50","currency":"TON","recipient_id":"u-%04d",)"
                R"("channel":"@channel_%d"},"timestamp":"2025-01-15T10:30:00.000Z","version":3})",
                i, kStatus[i % 4], 50 + (i * 37) % 200, i % 9973, i % 500);
  return buf;
}

std::vector<RawRecord> Inputs() {
  std::vector<std::string> lines;
  if (const char* path = std::getenv("TOPO_BENCH_INPUT")) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) lines.push_back(line);
  } else {
    for (int i = 0; i < 10000; ++i) lines.push_back(Event(i));
  }
  std::vector<RawRecord> out;
  out.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    RawRecord r;
    r.topic = "deal.events";
    r.offset = Offset(static_cast<int64_t>(i));
    r.key = "d-" + std::to_string(i);
    r.value = std::move(lines[i]);
    out.push_back(std::move(r));
  }
  return out;
}

void BM_JsonFilterMapSink(benchmark::State& state) {
  operators::RegisterBuiltinOperators();
  auto loaded = plan::LoadTopologyFromString("bench.jsonnet", kTopology, {});
  if (!loaded.ok()) return state.SkipWithError(loaded.status().message().c_str());
  plan::Diagnostics diags;
  auto topology = runtime::CompiledTopology::Compile(std::move(loaded).value(), &diags);
  if (!topology.ok()) return state.SkipWithError(diags.empty() ? "compile" : diags[0].message.c_str());
  CountingCollector collector;
  SystemClock clock;
  auto task = runtime::Task::Create(**topology, 0, Partition(0), &collector, &clock);
  if (!task.ok()) return state.SkipWithError(task.status().message().c_str());
  const auto inputs = Inputs();
  uint64_t bytes_in = 0;
  for (const auto& r : inputs) bytes_in += r.value->size();
  for (auto _ : state) {
    for (const auto& r : inputs) {
      Status s = (*task)->Process(r);
      if (!s.ok()) return state.SkipWithError(s.message().c_str());
    }
  }
  state.SetItemsProcessed(state.iterations() * inputs.size());
  state.SetBytesProcessed(state.iterations() * bytes_in);
  state.counters["out_fraction"] =
      static_cast<double>(collector.count) / (state.iterations() * inputs.size());
  state.counters["avg_in_bytes"] = static_cast<double>(bytes_in) / inputs.size();
}
BENCHMARK(BM_JsonFilterMapSink)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace topo

BENCHMARK_MAIN();
