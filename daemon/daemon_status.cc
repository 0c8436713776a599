#include "daemon/daemon_status.h"

#include <unistd.h>

#include <filesystem>

#include "common/base/file.h"
#include "common/base/version.h"

namespace backtrace::daemon {

wire::TableStatus MakeTableStatus(const std::string& name, const TableMetrics& metrics) {
  wire::TableStatus status;
  status.name = name;
  status.blocks = metrics.blocks;
  status.rows_on_disk = metrics.disk_rows;
  status.file_bytes = metrics.disk_bytes;
  status.raw_bytes = metrics.raw_bytes;
  status.min_time = metrics.min_time;
  status.max_time = metrics.max_time;
  status.memory_rows = metrics.memory_rows;
  status.memory_bytes = metrics.memory_bytes;
  status.rows_ingested = metrics.rows_ingested;
  status.bytes_ingested = metrics.bytes_ingested;
  return status;
}

wire::DaemonStatus MakeDaemonStatus(const MetricsSnapshot& snapshot, const DaemonConfig& config,
                                    std::chrono::steady_clock::time_point started) {
  wire::DaemonStatus status;
  status.version = kVersion;
  status.pid = static_cast<uint64_t>(::getpid());
  status.uptime_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto absolute = [](const std::string& path) {
    std::error_code error;
    std::filesystem::path full = std::filesystem::absolute(path, error);
    return error ? path : full.lexically_normal().string();
  };
  status.data_dir = absolute(config.data_dir);
  status.ingest_socket = absolute(io::JoinPath(config.run_dir, "ingest.sock"));
  status.query_socket = absolute(io::JoinPath(config.run_dir, "query.sock"));
  status.metrics_listen = config.metrics_listen;
  status.connections = snapshot.connections;
  for (const auto& [name, table] : snapshot.tables) {
    status.memory_rows += table.memory_rows;
    status.memory_bytes += table.memory_bytes;
    status.tables.push_back(MakeTableStatus(name, table));
  }
  status.frozen_blocks = snapshot.frozen_blocks;
  status.compactors = config.compactors;
  status.compactions = snapshot.compactions;
  status.compactor_restarts = snapshot.compactor_restarts;
  status.ingest_paused = snapshot.ingest_paused;
  status.writes_stopped = snapshot.writes_stopped;
  status.write_error = snapshot.write_error;
  status.batches_acknowledged = snapshot.batches_acknowledged;
  status.wal_bytes_written = snapshot.wal_bytes_written;
  status.query_workers = snapshot.queries.workers_alive;
  status.query_connections = snapshot.queries.connections;
  status.queries_queued = snapshot.queries.queued;
  for (const auto& [outcome, count] : snapshot.queries.outcomes) {
    (outcome == "ok" ? status.queries_answered : status.queries_failed) += count;
  }
  return status;
}

}  // namespace backtrace::daemon
