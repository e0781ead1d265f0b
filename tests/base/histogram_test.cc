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
  EXPECT_EQ(d.sum_us, 1'000u + 1'001u + 7'200'000'000u);

  HistogramData twice = d;
  twice += d;
  EXPECT_EQ(twice.count(), 10u);
  EXPECT_EQ(twice.buckets[0], 6u);
  EXPECT_EQ(twice.sum_us, 2 * d.sum_us);
}

}  // namespace
}  // namespace topo
