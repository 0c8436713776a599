// BacktraceDaemon: the backtraced process that backtrace_runner measures,
// run on one benchmark database. A benchmark database is a directory:
//   <database>/data   the daemon's data_dir (column files, catalog, WAL)
//   <database>/run    its run_dir: sockets, the generated configuration
//                     (backtraced.toml) and the daemon's log (backtraced.log)
// Only <database>/data counts as the database's bytes.
//
// The configuration is the daemon's defaults except: data_dir and run_dir as
// above, no metrics endpoint, and a shutdown_timeout of one hour, so that
// stopping (SIGTERM) always waits until every block is compacted into
// column files; a shutdown that still leaves blocks in the WAL is an error.
//
// Stop reads the peak resident memory (VmHWM) of the daemon and of every
// child process it has (compactors, query workers) just before SIGTERM, and
// keeps the largest figures seen over every Start/Stop cycle.
//
// Owned by the runner's engine; one thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace backtrace::peers {

struct ServerMemory {
  uint64_t daemon_peak_bytes = 0;
  // Sum over the daemon and its children at one moment (shared pages, such
  // as hot blocks in memfd, count once per process that maps them).
  uint64_t all_processes_peak_bytes = 0;
  uint64_t processes = 0;
  // The largest peak of any single process, shutdown included (wait4).
  uint64_t largest_process_peak_bytes = 0;
  // User + system CPU time of the daemon and the children it waited for
  // (wait4), summed over every run.
  double cpu_seconds = 0;
};

class BacktraceDaemon {
 public:
  BacktraceDaemon(std::string binary_directory, std::string database);
  ~BacktraceDaemon();  // SIGKILL when still running
  BacktraceDaemon(const BacktraceDaemon&) = delete;
  BacktraceDaemon& operator=(const BacktraceDaemon&) = delete;

  static std::string DataDirectory(const std::string& database) { return database + "/data"; }
  static std::string RunDirectory(const std::string& database) { return database + "/run"; }

  // Creates the directories and configuration when missing, starts
  // backtraced and waits until both sockets accept connections. False with
  // *error (with the daemon's log) when it exits or is not ready in time.
  bool Start(std::string* error);
  // SIGTERM, then waits for the exit (every block compacted). False with
  // *error when the daemon fails or leaves blocks in the WAL. No-op when
  // not running.
  bool Stop(std::string* error);
  bool running() const { return pid_ > 0; }

  std::string ingest_socket() const { return RunDirectory(database_) + "/ingest.sock"; }
  std::string query_socket() const { return RunDirectory(database_) + "/query.sock"; }
  const ServerMemory& memory() const { return memory_; }

 private:
  std::string Log() const;
  void SampleMemory();

  std::string binary_directory_;
  std::string database_;
  pid_t pid_ = -1;
  ServerMemory memory_;
};

// Regular files under `directory`, recursively, sorted (for the size and
// the page-cache drop of a database). Empty when it does not exist.
std::vector<std::string> FilesUnder(const std::string& directory);

}  // namespace backtrace::peers
