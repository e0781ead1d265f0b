#include "engine/runtime/task_state.h"

namespace topo::runtime {

bool CanTransition(TaskState from, TaskState to) {
  using S = TaskState;
  switch (from) {
    case S::kCreated: return to == S::kRestoring || to == S::kClosed;
    case S::kRestoring: return to == S::kRunning || to == S::kSuspended || to == S::kClosed;
    case S::kRunning: return to == S::kSuspended || to == S::kClosed;
    case S::kSuspended: return to == S::kRestoring || to == S::kClosed;
    case S::kClosed: return false;
  }
  return false;
}

std::string_view TaskStateName(TaskState s) {
  switch (s) {
    case TaskState::kCreated: return "created";
    case TaskState::kRestoring: return "restoring";
    case TaskState::kRunning: return "running";
    case TaskState::kSuspended: return "suspended";
    case TaskState::kClosed: return "closed";
  }
  return "?";
}

}  // namespace topo::runtime
