// log.h's own behaviour: what holds for every backend.

#include "engine/log/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace topo::log {
namespace {

// A listener that keeps no uncommitted state implements only OnAssigned and
// OnRevoked; lost partitions reach it as revoked.
TEST(RebalanceListener, LostPartitionsDefaultToRevoked) {
  struct OnlyRevoked : RebalanceListener {
    void OnAssigned(const std::vector<TopicPartition>&) override {}
    void OnRevoked(const std::vector<TopicPartition>& removed) override { revoked = removed; }
    std::vector<TopicPartition> revoked;
  } listener;
  RebalanceListener& l = listener;
  l.OnLost({TopicPartition{"t", Partition(3)}});
  EXPECT_EQ(listener.revoked, (std::vector<TopicPartition>{TopicPartition{"t", Partition(3)}}));
}

}  // namespace
}  // namespace topo::log
