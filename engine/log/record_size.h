#pragma once
// Record size limits, as Kafka applies them: a topic's `max.message.bytes`
// (Kafka's name, in TopicConfig::extra) bounds the size of a record batch, and
// a batch of one record is what a record that is too big is measured as.
//
// Both backends and `topo produce` refuse a record whose RecordBatchBytes is
// above its topic's limit: the embedded log in Producer::Send, a Kafka broker
// on its own, `topo produce` before it writes anything, and a sink (as an
// error of that record, handled by the sink's onError policy).
//
// Thread-safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>

#include "engine/base/numbers.h"
#include "engine/base/status.h"
#include "engine/log/raw_record.h"

namespace topo::log {

// Kafka's default max.message.bytes (broker message.max.bytes): 1 MiB plus the
// 12 bytes of log overhead (offset and length), since Kafka 1.1 (KAFKA-4203).
inline constexpr int64_t kDefaultMaxMessageBytes = 1048588;
inline constexpr const char* kMaxMessageBytes = "max.message.bytes";

namespace record_size_internal {
inline int64_t VarintBytes(int64_t v) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);  // zigzag
  int64_t n = 1;
  while (z >= 0x80) z >>= 7, ++n;
  return n;
}
inline int64_t Field(const std::optional<std::string>& bytes) {
  int64_t len = bytes ? static_cast<int64_t>(bytes->size()) : -1;
  return VarintBytes(len) + (bytes ? len : 0);
}
}  // namespace record_size_internal

// The size of `r` alone in an uncompressed Kafka record batch (magic v2): the
// 61-byte batch header plus the record (length, attributes, timestamp and
// offset deltas of 0, key, value, headers). What a Kafka broker compares with
// max.message.bytes (compression aside: topo counts uncompressed bytes).
inline int64_t RecordBatchBytes(const RawRecord& r) {
  using record_size_internal::Field;
  using record_size_internal::VarintBytes;
  int64_t body = 1 + 1 + 1 + Field(r.key) + Field(r.value);  // attributes, deltas
  body += VarintBytes(static_cast<int64_t>(r.headers.size()));
  for (const auto& [name, value] : r.headers) {
    body += VarintBytes(static_cast<int64_t>(name.size())) + static_cast<int64_t>(name.size());
    body += VarintBytes(static_cast<int64_t>(value.size())) + static_cast<int64_t>(value.size());
  }
  return 61 + VarintBytes(body) + body;
}

// The max.message.bytes of a topic's config map (`extra`, or a topology's
// topic `config`), kDefaultMaxMessageBytes when absent. Not a whole number >= 0
// is an error naming the topic, as Kafka's own validation would refuse it.
template <typename Map>
Result<int64_t> MaxMessageBytes(const std::string& topic, const Map& config) {
  auto it = config.find(kMaxMessageBytes);
  if (it == config.end()) return kDefaultMaxMessageBytes;
  std::optional<int64_t> v = ParseInt64(it->second);
  if (!v || *v < 0)
    return Status::Invalid("topic '" + topic + "': config max.message.bytes must be a whole number >= 0 " +
                           "(bytes), not '" + std::string(it->second) + "'");
  return *v;
}

// "record of N bytes exceeds the max.message.bytes of topic 'T' (L)": the one wording.
inline std::string TooLargeMessage(int64_t size, const std::string& topic, int64_t limit) {
  return "record of " + std::to_string(size) + " bytes exceeds the max.message.bytes of topic '" + topic +
         "' (" + std::to_string(limit) + ")";
}

}  // namespace topo::log
