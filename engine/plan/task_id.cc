#include "engine/plan/task_id.h"

#include <charconv>

namespace topo::plan {

std::string TaskId::ToString() const { return subtopology + "_" + std::to_string(partition); }

std::optional<TaskId> TaskId::Parse(std::string_view text) {
  const size_t sep = text.rfind('_');
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  const std::string_view digits = text.substr(sep + 1);
  // Only the canonical form, so Parse(s)->ToString() == s for every s it accepts.
  if (digits.empty() || digits[0] < '0' || digits[0] > '9' || (digits.size() > 1 && digits[0] == '0'))
    return std::nullopt;
  int32_t partition = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), partition);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return TaskId{std::string(text.substr(0, sep)), partition};
}

}  // namespace topo::plan
