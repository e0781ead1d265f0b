#pragma once
// StateDir: what one application instance keeps beside its log so that it
// survives a restart — the analogue of Kafka Streams' state.dir.
//
//   <root>/<application-id>/
//     LOCK         exclusive flock while a process runs the application here;
//                  holds its pid (a second `topo run` on the same dir is refused)
//     instance.id  this instance's id, made once and then kept
//     (State I adds the tasks' stores and checkpoints here)
//
// Why the instance id is kept: it names the instance's Kafka clients and its
// transactional ids (`<app>-<instance>-thread-<n>`). A successor started on
// the same state dir after a crash reuses them, so its InitTransactions fences
// the dead process's open transaction at once, instead of read_committed
// consumers waiting up to transaction.timeout.ms for it to expire. Two
// instances that run at once must therefore use two state dirs (the lock
// enforces it on one machine).
//
// Thread-compatible; the lock is held until the StateDir is destroyed.

#include <memory>
#include <string>

#include "engine/base/file_lock.h"
#include "engine/base/status.h"

namespace topo::runtime {

class StateDir {
 public:
  // Creates <root>/<application_id>/ if missing, locks it, and reads or makes
  // the instance id. In use by another process: FailedPrecondition naming the
  // dir and the pid. An instance.id that is not one: FailedPrecondition
  // naming the file (never silently replaced: that would orphan transactions).
  static Result<std::unique_ptr<StateDir>> Open(const std::string& root, const std::string& application_id);

  const std::string& path() const { return path_; }
  // Eight lowercase hex digits.
  const std::string& instance_id() const { return instance_id_; }

 private:
  StateDir(std::string path, FileLock lock, std::string instance_id)
      : path_(std::move(path)), lock_(std::move(lock)), instance_id_(std::move(instance_id)) {}
  std::string path_;
  FileLock lock_;
  std::string instance_id_;
};

}  // namespace topo::runtime
