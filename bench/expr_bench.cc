// Expression evaluation throughput over already-decoded Values (one core).
//
//   cmake -S . -B build-expr-rel -G Ninja -DCMAKE_BUILD_TYPE=Release
//   ninja -C build-expr-rel expr_bench && build-expr-rel/expr_bench
//
// Target: >= 20M evaluations/s for the simple predicate (DESIGN.md §5).

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "engine/base/partitioner.h"
#include "engine/expr/expr.h"

namespace topo::expr {
namespace {

Scope RecordScope() {
  Scope s;
  for (const char* n : {"key", "value", "headers", "timestamp", "topic", "partition", "offset"})
    s.vars.push_back({n, Type::Any()});
  return s;
}

// A deal-status event as the JSON codec would decode it.
Value DealEvent() {
  Object payload;
  payload.Append("amount", Value("1649.50"));
  payload.Append("currency", Value("EUR"));
  Object o;
  o.Append("event_id", Value("e-7f3a9c"));
  o.Append("event_type", Value("DealFunded"));
  o.Append("deal_id", Value("deal-000042"));
  o.Append("from_status", Value("PENDING"));
  o.Append("to_status", Value("FUNDED"));
  o.Append("amount", Value(int64_t{250}));
  o.Append("occurred_at", Value("2025-01-15T10:30:00.000Z"));
  o.Append("payload", Value(std::move(payload)));
  return Value(std::move(o));
}

CompiledExpr MustCompile(const char* src) {
  std::vector<CompileError> errors;
  auto c = CompiledExpr::Compile(src, RecordScope(), &errors);
  if (!c.ok()) {
    std::fprintf(stderr, "%s\n", errors.at(0).Render(src).c_str());
    std::abort();
  }
  return std::move(c).value();
}

void RunPredicate(benchmark::State& state, const char* src, const Value& value) {
  CompiledExpr e = MustCompile(src);
  Value key("deal-000042");
  const Value* slots[] = {&key, &value, nullptr, nullptr, nullptr, nullptr, nullptr};
  int64_t hits = 0;
  for (auto _ : state) {
    auto r = e.EvalBool(slots);
    hits += r.ok() && *r;
  }
  if (hits != static_cast<int64_t>(state.iterations())) state.SkipWithError("predicate did not hold");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void RunValue(benchmark::State& state, const char* src, const Value& value) {
  CompiledExpr e = MustCompile(src);
  Value key("deal-000042");
  const Value* slots[] = {&key, &value, nullptr, nullptr, nullptr, nullptr, nullptr};
  for (auto _ : state) {
    auto r = e.Eval(slots);
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_SimplePredicate(benchmark::State& state) {
  RunPredicate(state, "value.to_status == 'FUNDED' && value.amount > 100", DealEvent());
}
BENCHMARK(BM_SimplePredicate);

void BM_SimplePredicateDecimalAmount(benchmark::State& state) {
  Value v = DealEvent();
  v.MutableObject().Set("amount", Value(*Decimal::Parse("250.00")));
  RunPredicate(state, "value.to_status == 'FUNDED' && value.amount > decimal('100')", v);
}
BENCHMARK(BM_SimplePredicateDecimalAmount);

void BM_StringFunctionPredicate(benchmark::State& state) {
  RunPredicate(state, "lower(value.event_type) == 'dealfunded'", DealEvent());
}
BENCHMARK(BM_StringFunctionPredicate);

// A function call that is not fused into the comparison: the general call path.
void BM_StringFunctionCall(benchmark::State& state) {
  RunPredicate(state, "starts_with(lower(value.event_type), 'deal')", DealEvent());
}
BENCHMARK(BM_StringFunctionCall);

void BM_ObjectMap(benchmark::State& state) {
  RunValue(state,
           "{deal_id: value.deal_id, command: 'EXECUTE_PAYOUT', amount: decimal(value.payload.amount)}",
           DealEvent());
}
BENCHMARK(BM_ObjectMap);

void BM_DecimalArithmetic(benchmark::State& state) {
  Value v = DealEvent();
  v.MutableObject().Set("amount", Value("1649.50"));
  RunValue(state, "round(decimal(value.amount) * decimal('0.01'), 2)", v);
}
BENCHMARK(BM_DecimalArithmetic);

void BM_PartitionOf(benchmark::State& state) {
  RunValue(state, "partition_of(value.deal_id, 12)", DealEvent());
}
BENCHMARK(BM_PartitionOf);

void BM_PartitionForKeyRaw(benchmark::State& state) {
  std::string key = "deal-000042";
  for (auto _ : state) benchmark::DoNotOptimize(PartitionForKey(key, 12));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_PartitionForKeyRaw);

void BM_Compile(benchmark::State& state) {
  Scope scope = RecordScope();
  const char* src =
      "{deal_id: value.deal_id, command: 'EXECUTE_PAYOUT', amount: decimal(value.payload.amount)}";
  for (auto _ : state) {
    auto c = CompiledExpr::Compile(src, scope, nullptr);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Compile);

}  // namespace
}  // namespace topo::expr

BENCHMARK_MAIN();
