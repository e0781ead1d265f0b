#pragma once
// Strong types for ids and time so arguments cannot be swapped silently.

#include <compare>
#include <cstdint>
#include <functional>

namespace topo {

template <typename Tag, typename Rep>
struct StrongInt {
  Rep v{};
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(Rep x) : v(x) {}
  constexpr Rep value() const { return v; }
  constexpr auto operator<=>(const StrongInt&) const = default;
};

using Offset = StrongInt<struct OffsetTag, int64_t>;
using Partition = StrongInt<struct PartitionTag, int32_t>;
// Milliseconds since the Unix epoch (record and stream time).
using TimestampMs = StrongInt<struct TimestampTag, int64_t>;

}  // namespace topo

template <typename Tag, typename Rep>
struct std::hash<topo::StrongInt<Tag, Rep>> {
  size_t operator()(const topo::StrongInt<Tag, Rep>& x) const noexcept { return std::hash<Rep>()(x.v); }
};
