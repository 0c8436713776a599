// IngestEngine: the write path of backtraced. It answers ingest requests
// (CreateTable, DropTable, ListTables, Append), writes every valid batch to
// the WAL through group commit, and only after the WAL sync succeeded applies
// the rows to the table's hot block and acknowledges them. It freezes hot
// blocks (full, old, or at shutdown), hands frozen blocks to the
// CompactorPool, commits each persisted block to the catalog together with
// the WAL checkpoint and the producers' high-water marks, then deletes the
// WAL segments that the checkpoint covers.
//
// Idempotent producers: an Append whose (producer id, sequence) is at or
// below the producer's high-water mark is acknowledged again (duplicate =
// true) and not applied; producer id 0 opts out.
//
// Once a WAL sync fails, the engine refuses every later Append with the WAL's
// error (it never retries a sync): a restart recovers from what is on disk.
// A failed WAL write (a full disk) only fails the batches it held: they are
// answered with the error (kNoSpace) and the next batches are tried again.
//
// Threads: every method runs on the daemon's loop thread; WAL completions
// arrive on the WAL's sync thread and are handed to the loop through a
// uv_async.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/base/status.h"
#include "common/catalog/catalog.h"
#include "common/config/daemon_config.h"
#include "common/wal/group_commit_wal.h"
#include "common/wire/ingest_generated.h"
#include "common/wire/status_messages.h"
#include "daemon/compactor_pool.h"
#include "daemon/data_directory.h"
#include "daemon/ingest_server.h"
#include "daemon/metrics_snapshot.h"
#include "daemon/query_snapshot.h"
#include "daemon/table_state.h"

namespace backtrace::daemon {

struct IngestStatistics {
  uint64_t rows_acknowledged = 0;
  uint64_t batches_acknowledged = 0;
  uint64_t batches_duplicate = 0;
  uint64_t batches_rejected = 0;
  uint64_t blocks_committed = 0;
  uint64_t replayed_records = 0;
  uint64_t replayed_rows = 0;
};

class IngestEngine : public RequestHandler {
 public:
  IngestEngine(uv_loop_t* loop, const DaemonConfig& config, DataDirectory* directory);
  ~IngestEngine() override;

  // Start-up: opens the catalog, removes block directories that no catalog
  // entry names, replays the WAL past the checkpoint into hot blocks, opens
  // the WAL for appending and starts the compactors. Errors: a corrupt WAL
  // or catalog (the daemon refuses to start), resource and I/O errors.
  Status Recover(const std::string& worker_binary);

  void HandleRequest(FrameBuffer frame, Responder respond) override;
  std::string FramingErrorResponse(const Status& status) override;

  // Freezes hot blocks older than max_block_age; call periodically.
  void FreezeOldBlocks();
  // Shutdown: freezes every hot block so that compaction persists it.
  void FreezeAll();
  // True while Appends are still waiting for their WAL sync.
  bool HasAppendsInFlight() const { return appends_in_flight_ > 0; }
  // True while blocks wait for compaction or commit.
  bool HasUncommittedBlocks() const;
  // Stops compactors and the WAL; what is not committed stays in the WAL.
  void Stop();

  // Called whenever backpressure may have changed, with true when ingestion
  // must pause (hot memory over max_hot_bytes or too many frozen blocks).
  void SetPressureCallback(std::function<void(bool)> callback) {
    pressure_callback_ = std::move(callback);
  }

  // Answers GetStatus requests (set by the daemon, which knows more than
  // the engine: sockets, connections, uptime). Without one, GetStatus is
  // kNotSupported.
  void SetStatusProvider(std::function<wire::DaemonStatus()> provider) {
    status_provider_ = std::move(provider);
  }

  const IngestStatistics& statistics() const { return statistics_; }
  // The engine's numbers for the metrics endpoint (loop thread).
  MetricsSnapshot Snapshot() const;
  uint64_t hot_bytes() const { return hot_bytes_; }
  size_t frozen_blocks() const { return frozen_count_; }
  const Status& write_error() const { return write_error_; }
  const CompactorPool* compactors() const { return compactors_.get(); }

  // What a query of `table_name` reads, as of now (query_snapshot.h).
  // kNotFound "table 'x' does not exist"; the catalog's read error.
  [[nodiscard]] Result<QuerySnapshot> SnapshotForQuery(std::string_view table_name);
  bool HasTable(std::string_view table_name) { return FindTable(table_name) != nullptr; }

 private:
  struct PendingAppend;
  struct Completion {
    Status status;
    uint64_t lsn;
    PendingAppend* append;
  };

  void HandleCreateTable(uint64_t request_id, const fb::CreateTable& body, const Responder& respond);
  void HandleDropTable(uint64_t request_id, const fb::DropTable& body, const Responder& respond);
  void HandleListTables(uint64_t request_id, const Responder& respond);
  void HandleGetStatus(uint64_t request_id, const Responder& respond);
  void HandleAppend(uint64_t request_id, FrameBuffer frame, const fb::Append& body,
                    const Responder& respond);

  // Applies a durable Append record's rows to its table (freezing the hot
  // block first if they do not fit) and records its LSN.
  // Answers an Append whose WAL write or sync failed.
  void RespondNotDurable(const PendingAppend& pending, const Status& status);
  Status ApplyAppend(TableState* table, uint64_t lsn, const fb::Append& append,
                     const std::vector<uint32_t>& mapping, size_t rows);
  Status Freeze(TableState* table);
  // A new hot block for table: a spare one of the same shape, else a new one.
  Result<std::shared_ptr<hot::HotBlock>> NewHotBlock(TableState* table, uint64_t capacity,
                                                     uint64_t string_capacity);
  // Keeps a committed block as a spare if nothing else holds it.
  void KeepSpareBlock(std::shared_ptr<hot::HotBlock> block);
  void ScheduleCompaction(TableState* table, FrozenBlock* frozen);
  void OnCompacted(const CompactionJob& job, Result<BlockMeta> result, double seconds);
  void CommitReadyBlocks(TableState* table);
  uint64_t ComputeCheckpoint() const;
  void CheckPressure();
  TableState* FindTable(std::string_view name);
  TableState* FindTableById(uint64_t table_id);
  void AddTable(const TableInfo& info);
  Status RemoveOrphanBlockDirectories();
  Status Replay();

  static void OnWalAsync(uv_async_t* handle);
  void DrainCompletions();

  uv_loop_t* loop_;
  DaemonConfig config_;
  DataDirectory* directory_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<wal::GroupCommitWal> wal_;
  std::unique_ptr<CompactorPool> compactors_;
  std::map<std::string, std::unique_ptr<TableState>, std::less<>> tables_;

  // Producer high-water marks: acknowledged, and submitted to the WAL.
  std::unordered_map<uint64_t, uint64_t> acknowledged_marks_;
  std::unordered_map<uint64_t, uint64_t> submitted_marks_;

  uv_async_t wal_async_{};
  std::mutex completions_mutex_;
  std::deque<Completion> completions_;
  size_t appends_in_flight_ = 0;
  uint64_t last_completed_lsn_ = 0;

  // Committed blocks kept to become hot blocks again: their pages are in
  // memory already, and allocating and zeroing fresh ones is the largest
  // cost of applying rows. At most kSpareBlocks.
  static constexpr size_t kSpareBlocks = 2;
  std::vector<std::shared_ptr<hot::HotBlock>> spare_blocks_;

  std::function<wire::DaemonStatus()> status_provider_;

  uint64_t hot_bytes_ = 0;
  size_t frozen_count_ = 0;
  bool pressure_ = false;
  std::function<void(bool)> pressure_callback_;
  Status write_error_;
  bool wal_write_failing_ = false;  // the last WAL write failed (logged once)
  IngestStatistics statistics_;

  // Metrics beyond the statistics.
  void CountRejection(const Status& status);
  std::map<std::string, uint64_t> rejected_by_reason_;
  double replay_seconds_ = 0;
  uint64_t compaction_failures_ = 0;
  HistogramCounts compaction_seconds_{DurationBuckets()};
  mutable std::mutex wal_metrics_mutex_;  // the WAL thread observes groups
  HistogramCounts wal_sync_seconds_{DurationBuckets()};
  HistogramCounts group_commit_records_{CountBuckets()};
};

}  // namespace backtrace::daemon
