#include "engine/log/embedded_group_coordinator.h"

#include <algorithm>

namespace topo::log::embedded {

void GroupCoordinator::Subscribe(const std::string& group, Member* m) {
  Group& g = groups_[group];
  if (std::find(g.members.begin(), g.members.end(), m) == g.members.end()) {
    m->id = next_member_id_++;
    g.members.push_back(m);
  }
  Deal(g);
}

void GroupCoordinator::Leave(const std::string& group, Member* m) {
  Group& g = groups_.at(group);
  for (const auto& tp : m->owned) g.owner.erase(tp);
  m->owned.clear();
  m->target.clear();
  g.members.erase(std::find(g.members.begin(), g.members.end(), m));
  Deal(g);
  if (g.members.empty()) groups_.erase(group);
}

std::vector<TopicPartition> GroupCoordinator::ToRevoke(const Member& m) const {
  std::vector<TopicPartition> revoked;
  for (const auto& tp : m.owned) {
    if (!m.target.count(tp)) revoked.push_back(tp);
  }
  return revoked;
}

void GroupCoordinator::Release(const std::string& group, Member* m,
                               const std::vector<TopicPartition>& revoked) {
  Group& g = groups_.at(group);
  for (const auto& tp : revoked) {
    m->owned.erase(tp);
    g.owner.erase(tp);
  }
}

std::vector<TopicPartition> GroupCoordinator::TakeFree(const std::string& group, Member* m, bool* settled) {
  Group& g = groups_.at(group);
  std::vector<TopicPartition> added;
  for (const auto& tp : m->target) {
    if (m->owned.count(tp) || g.owner.count(tp)) continue;
    g.owner[tp] = m;
    m->owned.insert(tp);
    added.push_back(tp);
  }
  *settled = std::all_of(m->target.begin(), m->target.end(),
                         [&](const TopicPartition& tp) { return m->owned.count(tp) > 0; });
  return added;
}

bool GroupCoordinator::RebalancePending(const std::string& group, const Member& m) const {
  const Group& g = groups_.at(group);
  for (const auto& tp : m.owned) {
    if (!m.target.count(tp)) return true;
  }
  for (const auto& tp : m.target) {
    if (!m.owned.count(tp) && !g.owner.count(tp)) return true;
  }
  return false;
}

void GroupCoordinator::Deal(Group& g) {
  for (Member* m : g.members) m->target.clear();
  if (g.members.empty()) return;
  // Units of assignment: partition p of a co-partitioned group of topics (a
  // lone topic is a group of one), keyed by the group's first topic.
  std::map<std::string, std::vector<std::string>> units;
  for (Member* m : g.members)
    for (const auto& topics : m->copartitioned) units.emplace(topics.front(), topics);
  // Kafka's RoundRobinAssignor over units: sorted, dealt around the members in
  // order, each to the next member that subscribed to the unit's group.
  size_t next = 0;
  size_t n = g.members.size();
  for (const auto& [leader, topics] : units) {
    const int32_t partitions = partitions_(leader);
    for (int32_t p = 0; p < partitions; ++p) {
      for (size_t k = 0; k < n; ++k) {
        Member* m = g.members[(next + k) % n];
        if (m->topics.count(leader)) {
          for (const auto& topic : topics) m->target.insert(TopicPartition{topic, Partition(p)});
          next = (next + k + 1) % n;
          break;
        }
      }
    }
  }
}

}  // namespace topo::log::embedded
