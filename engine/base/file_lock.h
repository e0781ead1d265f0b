#pragma once
// FileLock: an exclusive, non-blocking flock on a file that also holds the
// owner's pid, so the process that finds the lock taken can say who has it.
// The kernel releases the flock when the owner dies, so a killed owner never
// leaves a stale lock behind; the pid in the file is only for messages.
//
// Thread-compatible; move-only. Destruction empties the file (nobody owns it)
// and releases the lock.

#include <string>

#include "engine/base/status.h"

namespace topo {

class FileLock {
 public:
  // Creates `path` if missing and locks it. Taken by another process: a
  // FailedPrecondition "<what> is in use by process <pid> (<hint>)".
  static Result<FileLock> Acquire(const std::string& path, const std::string& what, const std::string& hint);

  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() { Release(); }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  void Release();
  int fd_ = -1;
};

}  // namespace topo
