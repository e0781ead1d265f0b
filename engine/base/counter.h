#pragma once
// Counter: a monotonically growing metric with ONE writer thread and any
// number of reader threads (a task's metrics, read by /metrics and the status
// line). The writer's increment is a relaxed load + store — a plain `add` on
// x86, no locked instruction — because nobody else writes; readers get a
// slightly stale but never torn value, without a data race.

#include <atomic>
#include <cstdint>

namespace topo {

class Counter {
 public:
  // Writer thread only.
  void Add(uint64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  Counter& operator++() {
    Add(1);
    return *this;
  }
  // Any thread.
  uint64_t Get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

}  // namespace topo
