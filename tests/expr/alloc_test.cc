// The hot predicate path must not allocate (DESIGN.md §8): counted by replacing
// the global operator new for this test binary.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "engine/expr/expr.h"

// GCC cannot see that these replacements pair malloc with free.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  std::abort();  // out of memory in a test
}
// Every unaligned form is replaced, so memory never crosses allocator families
// (AddressSanitizer checks that).
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return operator new(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return operator new(n); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace topo::expr {
namespace {

long AllocationsDuring(const CompiledExpr& e, const Value* const* slots, int times) {
  (void)e.EvalBool(slots);  // first use may initialise function-local statics
  long before = g_allocations.load();
  for (int i = 0; i < times; ++i) {
    auto r = e.EvalBool(slots);
    if (!r.ok() || !*r) ADD_FAILURE() << "predicate did not hold";
  }
  return g_allocations.load() - before;
}

TEST(AllocationTest, PredicatesOverParsedValuesDoNotAllocate) {
  Scope scope;
  scope.vars = {{"key", Type::Any()}, {"value", Type::Any()}};
  Object o;
  o.Append("event_type", Value("DealFunded"));
  o.Append("to_status", Value("FUNDED"));
  o.Append("amount", Value(int64_t{250}));
  o.Append("price", Value(*Decimal::Parse("16.49")));
  o.Append("tags", Value(Array{Value("vip"), Value("eu")}));
  Value value(std::move(o));
  Value key("deal-42");
  const Value* slots[] = {&key, &value};
  for (const char* src : {
           "value.to_status == 'FUNDED' && value.amount > 100",
           "value.to_status != 'PENDING' || value.amount < 0",
           "value.price >= decimal('10.00') && !(value.amount == 0)",
           "lower(value.event_type) == 'dealfunded'",
           "'vip' in value.tags && (value.missing ?? 1) == 1",
           "key == 'deal-42' ? value.amount >= 250 : false",
       }) {
    auto e = CompiledExpr::Compile(src, scope, nullptr);
    ASSERT_TRUE(e.ok()) << src;
    EXPECT_EQ(AllocationsDuring(*e, slots, 1000), 0) << src;
  }
}

}  // namespace
}  // namespace topo::expr
