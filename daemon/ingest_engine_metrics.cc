// IngestEngine: the numbers it exports to the metrics endpoint.
#include <algorithm>
#include <cctype>

#include "daemon/ingest_engine.h"

namespace backtrace::daemon {

void IngestEngine::CountRejection(const Status& status) {
  ++statistics_.batches_rejected;
  std::string reason(StatusCodeName(status.code()));
  std::replace(reason.begin(), reason.end(), ' ', '_');
  std::transform(reason.begin(), reason.end(), reason.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  ++rejected_by_reason_[reason];
}

MetricsSnapshot IngestEngine::Snapshot() const {
  MetricsSnapshot snapshot;
  for (const auto& [name, table] : tables_) {
    TableMetrics& metrics = snapshot.tables[name];
    metrics.rows_ingested = table->rows_ingested;
    metrics.bytes_ingested = table->bytes_ingested;
    metrics.blocks = table->disk.blocks;
    metrics.disk_bytes = table->disk.file_bytes;
    metrics.disk_rows = table->disk.rows;
    metrics.raw_bytes = table->disk.raw_bytes;
    metrics.min_time = table->disk.min_time;
    metrics.max_time = table->disk.max_time;
    if (table->hot) {
      metrics.memory_rows += table->hot->block->row_count();
      metrics.memory_bytes += table->hot->block->used_bytes();
    }
    for (const auto& frozen : table->frozen) {
      metrics.memory_rows += frozen.memory.block->row_count();
      metrics.memory_bytes += frozen.memory.block->used_bytes();
    }
  }
  snapshot.batches_acknowledged = statistics_.batches_acknowledged;
  snapshot.batches_duplicate = statistics_.batches_duplicate;
  snapshot.batches_rejected = rejected_by_reason_;
  if (wal_) {
    wal::GroupCommitStats stats = wal_->stats();
    snapshot.wal_bytes_written = stats.bytes;
    snapshot.wal_records_written = stats.records;
    snapshot.wal_syncs = stats.syncs;
  }
  {
    std::lock_guard<std::mutex> lock(wal_metrics_mutex_);
    snapshot.wal_sync_seconds = wal_sync_seconds_;
    snapshot.group_commit_records = group_commit_records_;
  }
  snapshot.frozen_blocks = frozen_count_;
  snapshot.compaction_failures = compaction_failures_;
  snapshot.compaction_seconds = compaction_seconds_;
  if (compactors_) {
    CompactorPoolStatistics pool = compactors_->statistics();
    snapshot.compactions = pool.compactions;
    snapshot.compactor_restarts = pool.restarts;
  }
  snapshot.wal_replay_seconds = replay_seconds_;
  snapshot.ingest_paused = pressure_;
  snapshot.writes_stopped = !write_error_.ok();
  if (!write_error_.ok()) snapshot.write_error = write_error_.ToString();
  snapshot.wal_failed = wal_ != nullptr && wal_->failed();
  return snapshot;
}

}  // namespace backtrace::daemon
