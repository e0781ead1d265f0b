#include "engine/base/partitioner.h"

#include <gtest/gtest.h>

namespace topo {
namespace {

// Expected values from Kafka's UtilsTest.testMurmur2 (clients/src/test/.../UtilsTest.java).
TEST(Murmur2Test, MatchesKafkaJavaClient) {
  EXPECT_EQ(Murmur2("21"), -973932308);
  EXPECT_EQ(Murmur2("foobar"), -790332482);
  EXPECT_EQ(Murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(Murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(Murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(Murmur2("abc"), 479470107);
  EXPECT_EQ(Murmur2(""), 275646681);
}

TEST(Murmur2Test, HighBytesAreUnsigned) {
  // Java masks each byte with 0xff; a sign-extending implementation differs on
  // these. Expected values from an independent model of the Java code's int math.
  EXPECT_EQ(Murmur2("h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac"), -6057523);
  EXPECT_EQ(Murmur2(std::string_view("\xff\xfe\x80\x7f\x01", 5)), 1671290684);
  EXPECT_EQ(Murmur2(std::string_view("\x80", 1)), 857690492);
}

TEST(Murmur2Test, PartitionForKeyIsPositiveModulo) {
  const int32_t h = Murmur2("21");
  const int32_t expected = static_cast<int32_t>(static_cast<uint32_t>(h) & 0x7fffffff) % 12;
  EXPECT_EQ(PartitionForKey("21", 12), expected);
  for (int n : {1, 3, 7, 12, 100}) {
    for (const char* k : {"", "a", "deal-42", "inv_1", "foobar"}) {
      int32_t p = PartitionForKey(k, n);
      EXPECT_GE(p, 0);
      EXPECT_LT(p, n);
    }
  }
  EXPECT_EQ(PartitionForKey("anything", 1), 0);
}

}  // namespace
}  // namespace topo
