// DaemonProcess: a real backtraced process for a test, on its own data and
// run directories, with its standard error captured to a file. Start waits
// until the ingest socket accepts connections; Kill sends SIGKILL;
// Terminate sends SIGTERM and waits for the exit code.
//
// Owned by one test; single-threaded use.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace backtrace::testing {

// Directory of the built programs (backtraced, backtrace-worker, backtrace).
std::string BinaryDirectory();

class DaemonProcess {
 public:
  // data_dir and run_dir are created if missing. extra_config is TOML text
  // appended to the generated configuration file.
  DaemonProcess(std::string data_dir, std::string run_dir, std::string extra_config = "");
  ~DaemonProcess();  // kills the process if still running

  // Starts the daemon and waits (up to `timeout`) for its ingest socket.
  Status Start(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Starts it and returns its exit code, for daemons expected to refuse.
  Result<int> RunToExit(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  void Kill();
  // SIGTERM and wait; returns the exit code (or 128 + signal).
  Result<int> Terminate(std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // Waits for the process to exit by itself; returns the exit code.
  Result<int> Wait(std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    return WaitForExit(timeout);
  }

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  std::string ingest_socket() const { return run_dir_ + "/ingest.sock"; }
  std::string query_socket() const { return run_dir_ + "/query.sock"; }
  const std::string& data_dir() const { return data_dir_; }
  // Everything the daemon wrote to standard error so far.
  std::string Log() const;
  // Process ids of the daemon's children (compactors, workers).
  std::vector<pid_t> ChildPids() const;
  // Those children started with `--role <role>` ("compactor", "query").
  std::vector<pid_t> ChildPidsWithRole(const std::string& role) const;

 private:
  Status Spawn();
  Result<int> WaitForExit(std::chrono::milliseconds timeout);

  std::string data_dir_;
  std::string run_dir_;
  std::string config_path_;
  std::string log_path_;
  pid_t pid_ = -1;
};

}  // namespace backtrace::testing
