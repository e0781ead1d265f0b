#pragma once
// Internal to the embedded backend (engine/log/embedded_*.cc): how records,
// topic configs, keys and offsets are laid out in its RocksDB database. The
// layout itself is documented in embedded_log.h (users' data dirs depend on
// it); this header is the one place that writes and parses it.
//
// Contract: every Encode/Put here has its Decode/Get, and what an older
// version wrote still decodes (a decoder that meets bytes it does not know
// returns false, and callers report the data as corrupt, naming the dir).
//
// Thread-safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/log/log.h"
#include "engine/log/raw_record.h"

namespace topo::log::embedded {

// The database's format marker (column family `default`). Format 2 added the
// metadata of group offsets; a format 1 database is format 2 data without any
// (OpenImpl upgrades its marker, so an older topo refuses it by name instead
// of misreading it).
inline constexpr char kFormatKey[] = "format";
inline constexpr char kFormatValue[] = "topo-embedded-log 2";
inline constexpr char kFormatValueV1[] = "topo-embedded-log 1";

// Column families (`default` holds only the format marker).
inline constexpr char kCfTopics[] = "topics";
inline constexpr char kCfRecords[] = "records";
inline constexpr char kCfLogStart[] = "log_start";
inline constexpr char kCfGroupOffsets[] = "group_offsets";

// ---- primitives: big-endian integers, varints, length-prefixed bytes ----

void PutBE32(std::string* out, uint32_t v);
void PutBE64(std::string* out, uint64_t v);
uint64_t GetBE64(const char* p);
void PutVarint(std::string* out, uint64_t v);
// Reads a varint at *p (advanced past it); false when it runs past `end`.
bool GetVarint(const char** p, const char* end, uint64_t* v);
uint64_t ZigZag(int64_t v);
int64_t UnZigZag(uint64_t v);
void PutBytes(std::string* out, std::string_view s);
// *s points into the input; false when the length runs past `end`.
bool GetBytes(const char** p, const char* end, std::string_view* s);

// ---- keys ----

// The records key prefix of a partition: <topic> '/' <partition BE4>. Every
// record of the partition is under it, in offset order.
std::string PartitionPrefix(const std::string& topic, int32_t partition);
// The next partition's prefix: an exclusive upper bound for iterators.
std::string PartitionUpper(const std::string& topic, int32_t partition);
// *key = prefix followed by the offset (BE8): the record's key.
void RecordKey(const std::string& prefix, int64_t offset, std::string* key);
// The offset at the end of a records key.
inline int64_t RecordKeyOffset(std::string_view key) {
  return static_cast<int64_t>(GetBE64(key.data() + key.size() - 8));
}
// <group> '/' <topic> '/' <partition BE4>.
std::string GroupOffsetKey(const std::string& group, const TopicPartition& tp);

// ---- values ----

// An offset (BE8): the log_start value.
std::string OffsetValue(int64_t offset);
// The offset of an OffsetValue; nullopt when `v` is not one.
std::optional<int64_t> DecodeOffsetValue(std::string_view v);

// A group's committed position (group_offsets): the offset (BE8), then the
// commit's metadata as it is (format 2). Without metadata it is an
// OffsetValue, which is what format 1 wrote.
void EncodeCommitted(int64_t offset, std::string_view metadata, std::string* out);
// nullopt when `v` is shorter than an offset.
std::optional<OffsetAndMetadata> DecodeCommitted(std::string_view v);

// A record, without its topic, partition and offset (those are its key).
void EncodeRecord(const RawRecord& r, std::string* out);
// Fills timestamp, key, value and headers of *r; false when `in` is corrupt.
bool DecodeRecord(std::string_view in, RawRecord* r);

// What retention and compaction look at, without copying the record.
struct RecordHead {
  int64_t timestamp = 0;
  std::optional<std::string_view> key;  // points into the decoded value
  bool has_value = false;
};
// Decodes flags, timestamp and key; *rest (when given) is where the value starts.
bool DecodeHead(std::string_view in, RecordHead* h, const char** rest = nullptr);

std::string EncodeTopicConfig(const TopicConfig& c);
// *c gets `name` and the decoded settings; false when `in` is corrupt.
bool DecodeTopicConfig(std::string_view name, std::string_view in, TopicConfig* c);

}  // namespace topo::log::embedded
