// Kafka's Java-client murmur2 (org.apache.kafka.common.utils.Utils.murmur2),
// bit for bit: keys partitioned here must land where a Java producer puts them.
// Java's int arithmetic wraps, so the math is done in uint32_t and `>>>` is a
// logical shift of the unsigned value.

#include "engine/base/partitioner.h"

#include <cstdint>

namespace topo {

int32_t Murmur2(std::string_view data) {
  const uint32_t length = static_cast<uint32_t>(data.size());
  const uint32_t seed = 0x9747b28c;
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());

  uint32_t h = seed ^ length;
  const uint32_t length4 = length / 4;
  for (uint32_t i = 0; i < length4; ++i) {
    const uint32_t i4 = i * 4;
    uint32_t k = bytes[i4] | (uint32_t{bytes[i4 + 1]} << 8) | (uint32_t{bytes[i4 + 2]} << 16) |
                 (uint32_t{bytes[i4 + 3]} << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const uint32_t tail = length & ~3u;
  switch (length % 4) {
    case 3: h ^= uint32_t{bytes[tail + 2]} << 16; [[fallthrough]];
    case 2: h ^= uint32_t{bytes[tail + 1]} << 8; [[fallthrough]];
    case 1: h ^= bytes[tail]; h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t PartitionForKey(std::string_view key_bytes, int32_t num_partitions) {
  // Utils.toPositive: mask the sign bit (not abs, which fails for INT_MIN).
  return static_cast<int32_t>(static_cast<uint32_t>(Murmur2(key_bytes)) & 0x7fffffff) % num_partitions;
}

}  // namespace topo
