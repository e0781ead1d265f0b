#include "engine/base/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace topo {

Result<FileLock> FileLock::Acquire(const std::string& path, const std::string& what,
                                   const std::string& hint) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot open " + path + ": " + std::strerror(errno), false);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char buf[32] = {};
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    if (err != EWOULDBLOCK) return Status::IoError("cannot lock " + path + ": " + std::strerror(err), false);
    std::string pid = n > 0 ? std::string(buf, std::strcspn(buf, "\n")) : "";
    return Status::FailedPrecondition(what + " is in use by " +
                                      (pid.empty() ? std::string("another process") : "process " + pid) +
                                      " (" + hint + ")");
  }
  FileLock lock(fd);
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    return Status::IoError("cannot write " + path + ": " + std::strerror(errno), false);
  return lock;
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    Release();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

void FileLock::Release() {
  if (fd_ < 0) return;
  // An empty file tells a reader nobody holds it.
  int rc = ftruncate(fd_, 0);
  (void)rc;    // best effort: the next owner rewrites it anyway
  close(fd_);  // releases the flock
  fd_ = -1;
}

}  // namespace topo
