#include "engine/runtime/task_collector.h"

#include <utility>

namespace topo::runtime {

Status TaskCollector::Send(RawRecord record) {
  if (!in_record_) {
    dirty_ = true;
    return out_->Send(std::move(record));
  }
  if (!abandoned_) held_.push_back(std::move(record));
  return Status::Ok();
}

Status TaskCollector::DeadLetter(RawRecord dead, std::string failure) {
  if (!in_record_) {  // no input record to withdraw anything of
    dirty_ = true;
    Status sent = out_->Send(std::move(dead));
    return sent.ok() ? sent : Status::Aborted(failure + " failed: " + sent.message());
  }
  held_.clear();
  held_.push_back(std::move(dead));
  dead_letter_failure_ = std::move(failure);
  abandoned_ = true;
  return Status::Ok();
}

Status TaskCollector::EndRecord(bool ok) {
  in_record_ = false;
  std::string dead_letter_failure = std::exchange(dead_letter_failure_, {});
  const bool abandoned = std::exchange(abandoned_, false);
  if (!ok || held_.empty()) {
    held_.clear();
    return Status::Ok();
  }
  dirty_ = true;
  Status result;
  for (auto& r : held_) {
    result = out_->Send(std::move(r));
    if (!result.ok()) break;
  }
  held_.clear();
  // A dead letter that cannot be written leaves the record nowhere: stop,
  // naming the node (whatever the error's kind; kFenced and friends too).
  if (!result.ok() && abandoned) return Status::Aborted(dead_letter_failure + " failed: " + result.message());
  return result;
}

}  // namespace topo::runtime
