#pragma once
// TaskId: the name of a task, (sub-topology, partition), as everything that
// outlives one run refers to it: state directories, changelog checkpoints,
// commit metadata, logs and `topo describe`.
//
// The sub-topology part is the sub-topology's stable name (plan::Subtopology::
// name: its alphabetically first source topic), never its position in a plan,
// so an edit elsewhere in the topology keeps every existing task's id (Kafka
// Streams' positional `0_3` renumbers on such an edit: KIP-372).
//
// Text form, defined only here: `<subtopology>_<partition>`, e.g.
// `deal.events_3`. Topic names may contain `_`; the partition is what follows
// the last one.
//
// Thread-safety: a value type.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace topo::plan {

struct TaskId {
  std::string subtopology;  // plan::Subtopology::name
  int32_t partition = 0;

  auto operator<=>(const TaskId&) const = default;

  std::string ToString() const;
  // The inverse of ToString: nullopt unless `text` is exactly what ToString
  // writes (a non-empty sub-topology, `_`, a partition in [0, INT32_MAX]
  // without sign or leading zeros).
  static std::optional<TaskId> Parse(std::string_view text);
};

}  // namespace topo::plan
