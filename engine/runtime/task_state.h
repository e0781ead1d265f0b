#pragma once
// TaskState: the lifecycle of a task (DESIGN §8), as in Kafka Streams' Task.State.
//
//   created ──> restoring ──> running ──> suspended ──> closed
//      │            │  ^                     │  │
//      │            │  └─────────────────────┘  │      (suspended -> restoring:
//      └────────────┴──> closed <───────────────┘       the partitions came back)
//
// created:    operators instantiated, nothing read yet.
// restoring:  its stores catch up from their changelogs and its stream time
//             comes back from the commit metadata; no input is processed.
// running:    processes input, may write outputs.
// suspended:  its partitions are being revoked: flushed, waiting for the
//             commit of what it processed; processes nothing.
// closed:     terminal; its resources are released.
// A task that lost its partitions (another member owns them) or whose thread
// was fenced goes to closed from any state, without committing (TaskManager).
//
// Every transition goes through CanTransition, the one table of them.

#include <string_view>

namespace topo::runtime {

enum class TaskState { kCreated, kRestoring, kRunning, kSuspended, kClosed };

// Whether `from` -> `to` is a legal transition (the diagram above).
bool CanTransition(TaskState from, TaskState to);

std::string_view TaskStateName(TaskState s);

}  // namespace topo::runtime
