// QueryWorkerPool: the daemon's query worker processes. Each is a
// `backtrace-worker --role query` child connected by a socketpair
// (docs/process_protocol.md "Query workers"); a worker runs one query at a
// time. The pool hands a query to an idle worker (Assign), watches the
// workers' channels on the loop (uv_poll) for QueryOutputStarted and
// QueryFinished, and reports each query's end through its callback.
//
// Failures: a worker whose channel breaks (it crashed, or was killed) is
// reaped and started again after a pause (100 ms, doubling to 10 s, back to
// 100 ms after a query it finished); its query ends with worker_died. A
// worker still running a query `overrun_grace` after the query's deadline
// is killed (the query ends with worker_died and timed_out).
//
// Ownership: the pool owns its children, their channels and its libuv
// handles; a job's block references are held until its callback has run.
// Threads: every method and callback runs on the loop thread. Stop closes
// the handles; the pool must live until the loop has run their close
// callbacks.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/ipc/query_dispatch.h"
#include "daemon/query_snapshot.h"

namespace backtrace::daemon {

struct QueryJob {
  ipc::QueryAssignment assignment;  // blocks: filled from snapshot by Assign
  QuerySnapshot snapshot;
  int client_descriptor = -1;  // borrowed: sent to the worker
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

struct QueryOutcome {
  uint64_t request_id = 0;
  // The worker's report; for a worker that died, kAborted describing how.
  Status status;
  bool worker_died = false;
  bool timed_out = false;
  // The worker may have written to the client (a frame may be partial).
  bool output_started = false;
  // The worker wrote a whole answer; false also when it died.
  bool answer_complete = false;
  query::QueryStatistics statistics;
  int worker_pid = -1;
};

struct QueryWorkerPoolOptions {
  std::string worker_binary;
  std::string data_dir;
  size_t workers = 1;
  std::string log_level = "info";
  std::chrono::milliseconds overrun_grace{5000};
};

class QueryWorkerPool {
 public:
  using DoneCallback = std::function<void(QueryOutcome)>;
  // Called whenever a worker becomes free (after a query, or when started).
  using IdleCallback = std::function<void()>;

  QueryWorkerPool(uv_loop_t* loop, QueryWorkerPoolOptions options, IdleCallback idle);
  ~QueryWorkerPool();
  QueryWorkerPool(const QueryWorkerPool&) = delete;
  QueryWorkerPool& operator=(const QueryWorkerPool&) = delete;

  // Starts the workers. Errors: the first generation could not be spawned.
  [[nodiscard]] Status Start();
  bool HasIdleWorker() const;
  // Sends the job to an idle worker; `done` runs once when the query ends.
  // Errors (the job was not started and `done` will not run): kBusy when no
  // worker is idle; the channel's error when the chosen worker is gone (it
  // is restarted).
  [[nodiscard]] Status Assign(QueryJob job, DoneCallback done);
  // Kills the workers and closes the handles; queries in progress are
  // dropped without their callbacks.
  void Stop();

  size_t alive() const;
  uint64_t restarts() const { return restarts_; }
  std::vector<int> worker_pids() const;

 private:
  struct Slot;
  Status Spawn(Slot* slot);
  void OnReadable(Slot* slot);
  // The worker's channel broke: reap it, end its query, schedule a restart.
  void WorkerDied(Slot* slot, const std::string& reason);
  void Finish(Slot* slot, QueryOutcome outcome);
  void ScheduleRestart(Slot* slot);

  uv_loop_t* loop_;
  QueryWorkerPoolOptions options_;
  IdleCallback idle_;
  std::vector<std::unique_ptr<Slot>> slots_;
  uint64_t restarts_ = 0;
  bool stopped_ = false;
};

}  // namespace backtrace::daemon
