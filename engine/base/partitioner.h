#pragma once
// The partition of a keyed record, as the Kafka Java client's default
// partitioner picks it, so records topo writes land where a Java producer of
// the same key would put them (and a Kafka Streams application reading the
// topic finds each key in one partition). Used by sinks, dead letters,
// `topo produce`, the test driver and the expression `partition_of`.
//
// Thread-safety: pure functions.

#include <cstdint>
#include <string_view>

namespace topo {

// Kafka's Java-client murmur2 of raw bytes (org.apache.kafka.common.utils.Utils.murmur2).
int32_t Murmur2(std::string_view data);
// (murmur2(key_bytes) & 0x7fffffff) % num_partitions; num_partitions >= 1.
int32_t PartitionForKey(std::string_view key_bytes, int32_t num_partitions);

}  // namespace topo
