#pragma once
// TaskCollector: a task's own RecordCollector, in front of its stream thread's
// output (Kafka Streams' per-task RecordCollector).
//
// - dirty(): whether the task wrote anything since its last commit. A commit is
//   due then even when no input was processed (punctuation and cache flushes
//   write without input).
// - One input record at a time: between BeginRecord and EndRecord the task's
//   sends are held back, and EndRecord(true) passes them on in order. When a
//   node dead-letters the record (DeadLetter), what other branches already
//   wrote for it is withdrawn and only the dead letter goes out, so the record
//   is in the dead-letter topic whole and replaying it writes every output
//   once (issue 9, defect 11). After that, sends for the record are dropped
//   (abandoned(): the task stops running nodes for it).
// - Outside a record (punctuation, flush) sends go straight through.
//
// Thread-safety: owned by one task.

#include <string>
#include <vector>

#include "engine/runtime/record_collector.h"

namespace topo::runtime {

class TaskCollector final : public RecordCollector {
 public:
  explicit TaskCollector(RecordCollector* out) : out_(out) {}

  Status Send(RawRecord record) override;
  // The record being dead-lettered whole: withdraws what it wrote so far.
  // `failure` begins the message of the error EndRecord returns when the log
  // refuses the dead letter ("node 'x' (map): <why>; its dead letter to 'd'").
  Status DeadLetter(RawRecord dead, std::string failure);

  void BeginRecord() {
    in_record_ = true;
    abandoned_ = false;
  }
  // Passes on what the record wrote (ok), or drops it (the record failed the
  // task: its transaction aborts, or the run stops). A dead letter the log
  // refuses is task-fatal (kAborted): the record would be nowhere.
  Status EndRecord(bool ok);
  // The open record was dead-lettered: nothing else of it runs or is written.
  bool abandoned() const { return abandoned_; }

  bool dirty() const { return dirty_; }
  void MarkClean() { dirty_ = false; }

 private:
  RecordCollector* out_;
  std::vector<RawRecord> held_;
  std::string dead_letter_failure_;  // set while held_ is one dead letter
  bool in_record_ = false;
  bool abandoned_ = false;
  bool dirty_ = false;
};

}  // namespace topo::runtime
