// MetricsSnapshot: every number backtraced exports to Prometheus, as plain
// values taken at one moment on the loop thread. The exporter serves the
// latest snapshot; producing one costs nothing on the ingest path (counters
// are plain fields the engine keeps anyway).
//
// Plain values; HistogramCounts is not synchronised (its owner locks).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace backtrace::daemon {

// A Prometheus histogram's state: per-bucket counts for the upper bounds,
// plus the +Inf bucket, the number of observations and their sum.
struct HistogramCounts {
  HistogramCounts() = default;
  explicit HistogramCounts(std::vector<double> bounds)
      : upper_bounds(std::move(bounds)), bucket_counts(upper_bounds.size() + 1, 0) {}

  void Observe(double value) {
    size_t bucket = 0;
    while (bucket < upper_bounds.size() && value > upper_bounds[bucket]) ++bucket;
    ++bucket_counts[bucket];
    ++count;
    sum += value;
  }

  std::vector<double> upper_bounds;
  std::vector<uint64_t> bucket_counts;
  uint64_t count = 0;
  double sum = 0;
};

// Buckets for durations in seconds, from 50 µs to 60 s.
inline std::vector<double> DurationBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30,    60};
}

// Buckets for counts (records per group commit).
inline std::vector<double> CountBuckets() {
  return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096};
}

struct TableMetrics {
  uint64_t rows_ingested = 0;
  uint64_t bytes_ingested = 0;
  uint64_t memory_rows = 0;   // hot and frozen rows not yet persisted
  uint64_t memory_bytes = 0;
  uint64_t blocks = 0;        // committed blocks
  uint64_t disk_bytes = 0;    // their column files
  uint64_t disk_rows = 0;     // their rows
  uint64_t raw_bytes = 0;     // their values before encoding
  int64_t min_time = 1;       // their time range; min_time > max_time: none
  int64_t max_time = 0;
};

// The query service's numbers: the daemon's own (outcomes, queue,
// connections, workers) and the workers' figures from their QueryFinished
// reports.
struct QueryMetrics {
  // By outcome: ok, error, timeout, memory, rejected, worker_crash.
  std::map<std::string, uint64_t> outcomes;
  HistogramCounts duration_seconds{DurationBuckets()};
  uint64_t blocks_pruned = 0;
  uint64_t blocks_scanned = 0;
  uint64_t granules_skipped = 0;
  uint64_t granules_scanned = 0;
  uint64_t rows_scanned = 0;
  uint64_t queued = 0;
  uint64_t workers_alive = 0;
  uint64_t worker_restarts = 0;
  uint64_t connections = 0;
};

struct MetricsSnapshot {
  std::map<std::string, TableMetrics> tables;
  uint64_t batches_acknowledged = 0;
  uint64_t batches_duplicate = 0;
  std::map<std::string, uint64_t> batches_rejected;  // by reason
  uint64_t wal_bytes_written = 0;
  uint64_t wal_records_written = 0;
  uint64_t wal_syncs = 0;
  HistogramCounts wal_sync_seconds;
  HistogramCounts group_commit_records;
  uint64_t frozen_blocks = 0;
  uint64_t compactions = 0;
  uint64_t compaction_failures = 0;
  HistogramCounts compaction_seconds;
  uint64_t compactor_restarts = 0;
  uint64_t connections = 0;
  QueryMetrics queries;
  double wal_replay_seconds = 0;
  bool ingest_paused = false;
  bool writes_stopped = false;
  std::string write_error;  // why writes stopped
  bool wal_failed = false;  // a WAL sync failed: restart needed
};

}  // namespace backtrace::daemon
