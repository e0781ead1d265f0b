#pragma once
// TopoProcess: the built `topo` binary run as a child process, as a user runs
// it, with its combined output collected by a reader thread so a test can wait
// for a line (an event) instead of sleeping.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace topo::testing {

class TopoProcess {
 public:
  TopoProcess() = default;
  TopoProcess(const TopoProcess&) = delete;
  ~TopoProcess() {
    if (pid_ > 0 && !waited_) {
      kill(pid_, SIGKILL);
      Wait();
    }
  }

  // Starts `topo args...` (the binary CMake built, TOPO_BINARY_PATH).
  void Start(const std::vector<std::string>& args) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      dup2(fds[1], 2);
      close(fds[0]);
      std::vector<char*> argv;
      std::string bin = TOPO_BINARY_PATH;
      argv.push_back(bin.data());
      std::vector<std::string> copy = args;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    reader_ = std::thread([this, fd = fds[0]] {
      char buf[4096];
      for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) {
        std::lock_guard<std::mutex> lock(mu_);
        output_.append(buf, n);
        cv_.notify_all();
      }
      close(fd);
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
      cv_.notify_all();
    });
  }

  // Blocks until the output contains `text` (true), or the process closed its
  // output or `timeout` passed (false): a broken run fails the test instead of
  // hanging it.
  bool AwaitOutput(const std::string& text, std::chrono::seconds timeout = std::chrono::seconds(120)) {
    return AwaitOutput([&](const std::string& out) { return out.find(text) != std::string::npos; }, timeout);
  }
  // The same for any condition on the whole output so far.
  bool AwaitOutput(const std::function<bool(const std::string&)>& done,
                   std::chrono::seconds timeout = std::chrono::seconds(120)) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return done(output_) || closed_; });
    return done(output_);
  }

  // Blocks until the process closed its output (it is exiting), or `timeout`
  // passed: false then, so a test can fail a hang instead of waiting forever.
  bool AwaitClosed(std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return closed_; });
    return closed_;
  }

  void Signal(int sig) { kill(pid_, sig); }

  // Waits for exit; returns the waitpid status.
  int Wait() {
    if (!waited_) {
      waitpid(pid_, &status_, 0);
      waited_ = true;
      if (reader_.joinable()) reader_.join();
    }
    return status_;
  }

  std::string output() {
    std::lock_guard<std::mutex> lock(mu_);
    return output_;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool waited_ = false;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string output_;
  bool closed_ = false;
};

}  // namespace topo::testing
