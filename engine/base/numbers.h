#pragma once
// Whole numbers from text, all or nothing: "12" is 12; "", "12x", " 12" and
// numbers out of int64's range are nullopt. One parser for the places that read
// numbers from users' config strings (topic configs in the plan and the logs).

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace topo {

inline std::optional<int64_t> ParseInt64(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace topo
