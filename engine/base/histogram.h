#pragma once
// Histogram: a distribution of durations in fixed buckets, with the same
// threading contract as Counter (one writer thread, any number of readers).
// The buckets are Prometheus' cumulative `le` bounds, chosen to span a commit
// (milliseconds) up to the end-to-end latency of a backlog being caught up
// (an hour): alerts such as "p95 end-to-end time > 5 s" read them directly.
//
// Read() gives a HistogramData: plain numbers that add up over threads.

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>

#include "engine/base/counter.h"

namespace topo {

// Upper bounds of the buckets, in microseconds; one more bucket (+Inf) follows.
inline constexpr std::array<int64_t, 17> kHistogramBoundsUs = {
    1'000,     2'500,     5'000,     10'000,     25'000,     50'000,     100'000,     250'000,      500'000,
    1'000'000, 2'500'000, 5'000'000, 10'000'000, 30'000'000, 60'000'000, 300'000'000, 3'600'000'000};

struct HistogramData {
  std::array<uint64_t, kHistogramBoundsUs.size() + 1> buckets{};  // per bucket, not cumulative
  // A double, as Prometheus keeps it: a few records with absurd timestamps
  // (seconds read as milliseconds) must not wrap it around.
  double sum_us = 0;

  uint64_t count() const {
    uint64_t n = 0;
    for (uint64_t b : buckets) n += b;
    return n;
  }
  HistogramData& operator+=(const HistogramData& o) {
    for (size_t i = 0; i < buckets.size(); ++i) buckets[i] += o.buckets[i];
    sum_us += o.sum_us;
    return *this;
  }
};

class Histogram {
 public:
  // Writer thread only. Negative durations (a clock step) count as 0.
  void Observe(int64_t us) {
    us = std::max<int64_t>(us, 0);
    auto it = std::lower_bound(kHistogramBoundsUs.begin(), kHistogramBoundsUs.end(), us);
    buckets_[it - kHistogramBoundsUs.begin()].Add();
    sum_us_.store(sum_us_.load(std::memory_order_relaxed) + static_cast<double>(us),
                  std::memory_order_relaxed);
  }
  // Any thread.
  HistogramData Read() const {
    HistogramData d;
    for (size_t i = 0; i < buckets_.size(); ++i) d.buckets[i] = buckets_[i].Get();
    d.sum_us = sum_us_.load(std::memory_order_relaxed);
    return d;
  }

 private:
  std::array<Counter, kHistogramBoundsUs.size() + 1> buckets_;
  std::atomic<double> sum_us_{0};  // one writer: load + store, like Counter
};

}  // namespace topo
