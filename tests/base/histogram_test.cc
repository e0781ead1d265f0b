#include "engine/base/histogram.h"

#include <gtest/gtest.h>

namespace topo {
namespace {

// Buckets are Prometheus `le` bounds: a value equal to a bound belongs to it.
TEST(Histogram, ValuesLandInTheFirstBucketWhoseBoundHoldsThem) {
  Histogram h;
  h.Observe(-5);  // a clock step back: counted as 0
  h.Observe(0);
  h.Observe(1'000);          // exactly 1 ms
  h.Observe(1'001);          // just above: the 2.5 ms bucket
  h.Observe(7'200'000'000);  // two hours: beyond the last bound
  HistogramData d = h.Read();
  EXPECT_EQ(d.buckets[0], 3u);
  EXPECT_EQ(d.buckets[1], 1u);
  EXPECT_EQ(d.buckets.back(), 1u);
  EXPECT_EQ(d.count(), 5u);
  EXPECT_EQ(d.sum_us, 1'000.0 + 1'001.0 + 7'200'000'000.0);

  HistogramData twice = d;
  twice += d;
  EXPECT_EQ(twice.count(), 10u);
  EXPECT_EQ(twice.buckets[0], 6u);
  EXPECT_EQ(twice.sum_us, 2 * d.sum_us);
}

// Records timestamped in seconds look 56 years old: a million of them is
// beyond uint64 microseconds, but the sum only grows.
TEST(Histogram, SumDoesNotWrapOnAbsurdDurations) {
  Histogram h;
  const int64_t fifty_six_years_us = 1'700'000'000'000'000;
  for (int i = 0; i < 1'000'000; ++i) h.Observe(fifty_six_years_us);
  const double want = 1e6 * static_cast<double>(fifty_six_years_us);
  EXPECT_NEAR(h.Read().sum_us, want, want * 1e-9);
}

}  // namespace
}  // namespace topo
