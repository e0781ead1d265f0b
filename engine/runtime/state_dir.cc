#include "engine/runtime/state_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

namespace topo::runtime {
namespace {

bool IsInstanceId(const std::string& s) {
  if (s.size() != 8) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Writes `content` to `path` so that a crash leaves either no file or the
// whole one: a temporary file, fsync, rename, fsync of the directory.
Status WriteDurably(const std::string& dir, const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot create " + tmp + ": " + std::strerror(errno), false);
  bool ok =
      write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) && fsync(fd) == 0;
  int err = errno;
  close(fd);
  if (!ok) return Status::IoError("cannot write " + tmp + ": " + std::strerror(err), false);
  if (rename(tmp.c_str(), path.c_str()) != 0)
    return Status::IoError("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno), false);
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);  // best effort: the rename is durable on most file systems without it
    close(dfd);
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<StateDir>> StateDir::Open(const std::string& root, const std::string& application_id) {
  if (application_id.empty() || application_id == "." || application_id == ".." ||
      application_id.find('/') != std::string::npos)
    return Status::Invalid("application id '" + application_id +
                           "' cannot name a directory in the state dir");
  const std::string dir = (std::filesystem::path(root) / application_id).string();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create state dir " + dir + ": " + ec.message(), false);
  ASSIGN_OR_RETURN(
      FileLock lock,
      FileLock::Acquire(dir + "/LOCK", "state dir " + dir,
                        "another topo run of this application; give each instance its own --state-dir"));

  const std::string id_path = dir + "/instance.id";
  std::string id;
  if (std::filesystem::exists(id_path, ec)) {
    std::ifstream in(id_path);
    std::getline(in, id);
    if (!IsInstanceId(id))
      return Status::FailedPrecondition(
          "state dir " + dir + ": instance.id does not hold an instance id (8 hex " +
          "digits) — the file is damaged; remove it to start as a new instance");
  } else {
    std::random_device rd;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", rd());
    id = buf;
    RETURN_IF_ERROR(WriteDurably(dir, id_path, id + "\n"));
  }
  return std::unique_ptr<StateDir>(new StateDir(dir, std::move(lock), std::move(id)));
}

}  // namespace topo::runtime
