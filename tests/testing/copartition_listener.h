#pragma once
// CopartitionListener: a RebalanceListener that records what a consumer owns
// and checks, on every callback, that partition p of topic `a` moves exactly
// when partition p of topic `b` does (the two are co-partitioned).

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "engine/log/log.h"

namespace topo::testing {

class CopartitionListener : public log::RebalanceListener {
 public:
  CopartitionListener(std::string a, std::string b) : a_(std::move(a)), b_(std::move(b)) {}
  void OnAssigned(const std::vector<log::TopicPartition>& added) override {
    Check(added, "assigned");
    owned.insert(added.begin(), added.end());
  }
  void OnRevoked(const std::vector<log::TopicPartition>& removed) override {
    Check(removed, "revoked");
    for (const auto& tp : removed) owned.erase(tp);
  }
  // Partition numbers of `topic` owned now.
  std::set<int32_t> Partitions(const std::string& topic) const {
    std::set<int32_t> out;
    for (const auto& tp : owned)
      if (tp.topic == topic) out.insert(tp.partition.value());
    return out;
  }
  std::set<log::TopicPartition> owned;

 private:
  void Check(const std::vector<log::TopicPartition>& tps, const char* what) {
    std::set<int32_t> a, b;
    for (const auto& tp : tps) {
      if (tp.topic == a_) a.insert(tp.partition.value());
      if (tp.topic == b_) b.insert(tp.partition.value());
    }
    EXPECT_EQ(a, b) << what << ": " << a_ << " and " << b_ << " partitions moved apart";
  }
  std::string a_, b_;
};

}  // namespace topo::testing
