#pragma once
// Internal to the embedded backend (engine/log/embedded_*.cc): the in-process
// group coordinator. It decides which member of a consumer group should own
// each partition (the target) and records who owns it now; consumers move
// partitions between the two inside their own Poll (embedded_consumer.cc).
//
// Contract:
// - Assignment is deterministic: Kafka's RoundRobinAssignor over units (partition
//   p of a co-partitioned set of topics; a lone topic is a set of one), sorted by
//   the set's first topic and p, dealt to the members in join order, each unit to
//   the next member that subscribed to its topics.
// - A partition has at most one owner. A member takes a partition dealt to it
//   only after its previous owner released it (revoke first, then assign), so
//   the previous owner always gets to commit what it processed.
// - Every partition a member loses, it loses through revocation: there are no
//   sessions, generations or timeouts here, so no partition is ever lost
//   (RebalanceListener::OnLost is never called by this backend). A member that
//   stops polling keeps its partitions until it polls, closes or is destroyed.
//
// Thread-safety: none of its own. The log calls every method with its state
// mutex held (EmbeddedLogImpl::state_mu()), which also guards each Member.

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/log/log.h"

namespace topo::log::embedded {

// A consumer's membership in its group.
struct Member {
  uint64_t id = 0;
  std::string client_id;
  std::set<std::string> topics;
  std::vector<std::vector<std::string>> copartitioned;  // as subscribed, each sorted
  std::set<TopicPartition> target;                      // what the coordinator assigned
  std::set<TopicPartition> owned;                       // what the consumer took (until it revokes)
};

class GroupCoordinator {
 public:
  // A topic's partition count; 0 for a topic that does not exist.
  using PartitionCount = std::function<int32_t(const std::string& topic)>;
  explicit GroupCoordinator(PartitionCount partitions) : partitions_(std::move(partitions)) {}

  // Adds `m` to `group` (at the end of the join order) on its first call, and
  // deals the group's partitions again for m's current subscription.
  void Subscribe(const std::string& group, Member* m);
  // Removes `m`: what it owns becomes free at once (no revocation; the caller
  // told its listener before, if it was to be told) and the rest of the group
  // is dealt again. The group goes away with its last member.
  void Leave(const std::string& group, Member* m);

  // What `m` owns but was dealt to another member: it must revoke these.
  std::vector<TopicPartition> ToRevoke(const Member& m) const;
  // After `m` revoked them: frees the partitions for their new owner.
  void Release(const std::string& group, Member* m, const std::vector<TopicPartition>& revoked);
  // Takes for `m` what was dealt to it and nobody holds; *settled tells
  // whether m now owns all of its share.
  std::vector<TopicPartition> TakeFree(const std::string& group, Member* m, bool* settled);
  // Whether `m` has something to revoke or to take.
  bool RebalancePending(const std::string& group, const Member& m) const;

 private:
  struct Group {
    std::vector<Member*> members;  // in join order
    std::map<TopicPartition, Member*> owner;
  };
  void Deal(Group& g);

  PartitionCount partitions_;
  std::map<std::string, Group> groups_;
  uint64_t next_member_id_ = 1;
};

}  // namespace topo::log::embedded
