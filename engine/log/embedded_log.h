#pragma once
// EmbeddedLog: the `embedded` Log backend — a durable local log kept in one
// RocksDB database under a data directory (`topo run --data-dir`, default ./.topo).
// It gives the Kafka model of log.h on one machine, with no broker.
//
// Ownership. Opening takes an exclusive flock on <dir>/OWNER and writes the
// owner's pid in it; a second open (another process, or the same one) fails
// with "data dir <dir> is in use by process <pid> (topo run?)". The lock goes
// away with the process, so a killed owner never leaves a stale lock behind.
//
// Layout of <dir>:
//   OWNER             the lock file (flock) holding the owner's pid
//   db/               the RocksDB database, with these column families:
//     default         "format" -> "topo-embedded-log 2" (a format 1 dir, whose group
//                     offsets have no metadata, opens as it is and is marked 2)
//     topics          <topic> -> TopicConfig (partitions, compact, retention_ms, extra)
//     records         <topic> '/' <partition: 4 bytes big-endian> <offset: 8 bytes big-endian>
//                     -> varint flags (bit 0 key set, bit 1 value set), zigzag-varint
//                        timestamp, [varint len + key], [varint len + value],
//                        varint header count, (varint len + name, varint len + value)*
//     log_start       <topic> '/' <partition BE4> -> the partition's first offset (BE8),
//                     written when retention deletes its head
//     group_offsets   <group> '/' <topic> '/' <partition BE4> -> next offset to read (BE8),
//                        then the commit's metadata (log.h CommitMetadata; none: nothing)
// Topic names follow Kafka's rule ([a-zA-Z0-9._-], at most 249 characters), so
// a key's topic ends at its first '/' and each partition's records are one
// contiguous, offset-ordered key range.
//
// Offsets are assigned when records become visible, never before: a plain
// producer's Send writes its record at once with the partition's next offset; a
// transactional producer's records get theirs in CommitTransaction, which, under
// one per-log writer mutex, writes the records AND the group's consumed offsets
// (with their metadata) in ONE WriteBatch and then advances the in-memory end
// offsets. Outputs and input positions therefore commit atomically
// (exactly-once on this backend), and readers see each partition's offsets in
// order with no holes from in-flight writes. End offsets are recovered at open
// from each partition's last key (and its log_start, when retention emptied it).
//
// Durability. Every write goes through RocksDB's WAL, which reaches the OS
// before Write returns, so a process crash (SIGKILL) loses nothing that was
// committed. A machine crash (power loss) can lose the last commits unless
// `sync_writes` is set, which fsyncs the WAL on every commit.
//
// Consumers. An in-process group coordinator per log: consumers that Subscribe
// with the same group share their topics' partitions, assigned
// deterministically (all partitions sorted by topic and number, dealt
// round-robin to the members in join order, each to the next member that
// subscribed to its topic). When a member joins, changes its subscription or
// closes, the moved partitions are first revoked from their owner (OnRevoked,
// inside the owner's next Poll, on its thread) and only then assigned to the new
// owner (OnAssigned, inside its Poll). With no sessions, generations or
// timeouts, a partition never moves without its owner's OnRevoked, so OnLost is
// never called here. A newly assigned partition starts at the
// group's committed offset, else at the beginning. Close revokes (OnRevoked) what
// the consumer owns; destroying an unclosed consumer leaves the group silently.
// A consumer that is a group member may commit offsets only for partitions it
// owns (a revoked owner cannot overwrite its successor's progress). Groups are
// independent: several groups read the same topic, each with its own offsets.
//
// Retention and compaction run only when the owner calls Maintain(now_ms) (the
// runtime calls it periodically): retention deletes, from the head of each
// partition of a topic with retention_ms >= 0, the records whose timestamp is
// older than now - retention_ms, stopping at the first newer one (one
// DeleteRange; the begin offset advances). Compaction, for `compact` topics,
// keeps the latest record per key and drops tombstones older than
// `delete.retention.ms` (topic `extra`, Kafka's name; default 24 h); the last
// record of a partition is never compacted away. Consumers positioned before the
// begin offset, or on a compacted-away record, continue at the next record that
// exists (Kafka's auto.offset.reset=earliest).
//
// Compaction holds the keys written since its last pass in memory, and each
// pass with new records reads the whole partition (Kafka's cleaner does the
// same, segment by segment). Size retention, for topics with `retention.bytes`
// in `extra` (Kafka's name, bytes per partition; -1 or absent: no limit), keeps
// the shortest newest part of each partition whose size on disk (RocksDB's
// estimate: compressed, exact to a 16 KiB block once flushed) is at least
// retention.bytes, and deletes the rest from the head, as Kafka deletes whole old
// segments while the rest still holds retention.bytes. The last record stays.
//
// Record size: Send refuses (InvalidArgument, naming the size and the limit) a
// record whose Kafka batch size (record_size.h) is above its topic's
// `max.message.bytes` (`extra`; default 1048588, Kafka's), as a broker would.
// EnsureTopics refuses a max.message.bytes that is not a whole number >= 0.
//
// Lifetimes: a consumer must Subscribe before it Polls, and the group id must
// not be empty. The EmbeddedLog must outlive its consumers and producers (it
// aborts with a message otherwise). A transactional producer's CommitTransaction
// takes a consumer of the same log; its group receives the consumed offsets.
//
// Thread-safety: the Log (including Maintain) may be shared by threads; each
// Consumer and Producer belongs to one thread (as log.h says). Writers of
// records serialize on one mutex (RocksDB's Write included); readers do not
// take it.

#include <cstdint>
#include <memory>
#include <string>

#include "engine/base/status.h"
#include "engine/log/log.h"

namespace topo::log {

struct EmbeddedLogOptions {
  // The data directory; created when missing.
  // Default: "./.topo"
  std::string dir = "./.topo";
  // fsync the WAL on every commit: survives machine crashes (power loss), at a
  // cost of a disk flush per commit. Process crashes (SIGKILL) are safe without
  // it, because RocksDB's WAL write reaches the OS before Write returns.
  // Default: false
  bool sync_writes = false;
  // The log's memory: RocksDB's block cache, with the memtables of every column
  // family charged to it (a memtable growing evicts cached blocks), so blocks
  // and memtables together stay near this figure however much is written.
  // Without the charge, memtables came on top of a full cache and RSS grew
  // with the records written (`topo run`: 214 MB after 1 M records, 365 MB
  // after 5 M).
  // Default: 128 MiB
  size_t memory_bytes = size_t{128} << 20;
  // Memtables of all column families together, within memory_bytes; past this
  // the largest is flushed. Bigger means fewer, larger L0 files: fewer flushes
  // and less for a consumer's iterator to merge.
  // Default: 64 MiB
  size_t write_buffer_bytes = size_t{64} << 20;
  // A plain (non-transactional) producer writes its records this many at a
  // time: when that many are queued, on Flush, and when it is destroyed. 1
  // writes every Send at once (0.16-0.2 M records/s here: one RocksDB write
  // each); 1000 gives about 0.8 M/s, near the transactional append rate. Records get their
  // offsets, and become visible, when written.
  // Default: 1
  size_t producer_batch_records = 1;
  // RocksDB background threads (flushes and compactions).
  // Default: 2
  int background_jobs = 2;
};

class EmbeddedLog : public Log {
 public:
  // Opens (creating when missing) the log in options.dir and takes ownership of
  // the directory. Errors: the directory is owned by another process (names its
  // pid), cannot be created, or RocksDB fails to open it.
  static Result<std::unique_ptr<EmbeddedLog>> Open(const EmbeddedLogOptions& options);

  // Applies retention and compaction as of wall-clock time now_ms (see above).
  // The runtime calls it periodically; safe while producers and consumers run.
  virtual Status Maintain(int64_t now_ms) = 0;

  // Offset of the first record still kept (advanced by retention).
  virtual Result<Offset> BeginOffset(const TopicPartition& tp) = 0;
};

// The same as EmbeddedLog::Open, as a plain Log.
Result<std::unique_ptr<Log>> OpenEmbeddedLog(const EmbeddedLogOptions& options);

}  // namespace topo::log
