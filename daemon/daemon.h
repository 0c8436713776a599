// Daemon: backtraced's top level. It owns the libuv loop and, on it, the
// ingest server, the ingest engine, the query server and its worker pool, a
// maintenance timer (age-based freezing, compaction and commit retries,
// metrics) and the SIGTERM/SIGINT handlers.
//
// Shutdown (first SIGTERM or SIGINT): stop accepting and reading, answer
// every batch already received (ack or error), freeze every hot block and
// wait until compaction has committed them or shutdown_timeout passed (what
// is not committed stays in the WAL), then exit 0. A second signal exits at
// once; the WAL still holds every acknowledged row.
//
// Owned by main(); runs on the main thread.
#pragma once

#include <uv.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/base/status.h"
#include "common/config/daemon_config.h"
#include "daemon/data_directory.h"
#include "daemon/ingest_engine.h"
#include "daemon/ingest_server.h"
#include "daemon/metrics_exporter.h"
#include "daemon/query_server.h"
#include "daemon/query_worker_pool.h"
#include "daemon/service_notifier.h"

namespace backtrace::daemon {

class Daemon {
 public:
  Daemon(DaemonConfig config, std::string worker_binary);
  ~Daemon();

  // Locks the data directory, recovers, listens, and runs until shutdown.
  // Returns the error that prevented start-up or stopped the daemon.
  Status Run();

 private:
  static void OnSignal(uv_signal_t* handle, int signal_number);
  static void OnTick(uv_timer_t* handle);
  void BeginShutdown();
  void ContinueShutdown();
  void FinishShutdown();
  // Starts the query workers and listens on query.sock.
  Status StartQueries();
  // Stops what was started and lets the loop close the handles.
  Status AbortStartup(Status status);

  DaemonConfig config_;
  std::string worker_binary_;
  uv_loop_t loop_{};
  uv_signal_t terminate_signal_{};
  uv_signal_t interrupt_signal_{};
  uv_timer_t tick_{};
  std::unique_ptr<DataDirectory> directory_;
  std::unique_ptr<IngestEngine> engine_;
  std::unique_ptr<IngestServer> server_;
  std::unique_ptr<QueryWorkerPool> query_pool_;
  std::unique_ptr<QueryServer> query_server_;
  ServiceNotifier notifier_;
  std::shared_ptr<MetricsExporter> metrics_;
  void PublishMetrics();
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool shutting_down_ = false;
  bool frozen_for_shutdown_ = false;
  std::chrono::steady_clock::time_point shutdown_started_;
};

}  // namespace backtrace::daemon
