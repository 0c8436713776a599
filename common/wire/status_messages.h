// The daemon's figures on the ingest socket (common/wire/ingest.fbs): the
// per-table statistics a TableList carries and the DaemonStatus answer to
// GetStatus, as plain values, with their builders and readers.
//
// Stateless functions; callable from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/wire/ingest_generated.h"

namespace backtrace::wire {

// See table TableStatus in ingest.fbs for each figure's meaning.
struct TableStatus {
  std::string name;
  uint64_t blocks = 0;
  uint64_t rows_on_disk = 0;
  uint64_t file_bytes = 0;
  uint64_t raw_bytes = 0;
  int64_t min_time = 1;  // min_time > max_time: no rows on disk
  int64_t max_time = 0;
  uint64_t memory_rows = 0;
  uint64_t memory_bytes = 0;
  uint64_t rows_ingested = 0;
  uint64_t bytes_ingested = 0;

  bool has_rows_on_disk() const { return min_time <= max_time; }
  bool operator==(const TableStatus&) const = default;
};

// See table DaemonStatus in ingest.fbs.
struct DaemonStatus {
  std::string version;
  uint64_t pid = 0;
  double uptime_seconds = 0;
  std::string data_dir;
  std::string ingest_socket;
  std::string query_socket;
  std::string metrics_listen;
  uint64_t connections = 0;
  uint64_t memory_rows = 0;
  uint64_t memory_bytes = 0;
  uint64_t frozen_blocks = 0;
  uint64_t compactors = 0;
  uint64_t compactions = 0;
  uint64_t compactor_restarts = 0;
  bool ingest_paused = false;
  bool writes_stopped = false;
  std::string write_error;
  uint64_t batches_acknowledged = 0;
  uint64_t wal_bytes_written = 0;
  std::vector<TableStatus> tables;
  uint64_t query_workers = 0;
  uint64_t query_connections = 0;
  uint64_t queries_queued = 0;
  uint64_t queries_answered = 0;
  uint64_t queries_failed = 0;

  bool operator==(const DaemonStatus&) const = default;
};

flatbuffers::Offset<fb::TableStatus> BuildTableStatus(flatbuffers::FlatBufferBuilder& builder,
                                                      const TableStatus& status);
// Absent strings read as empty.
TableStatus TableStatusFromFlatBuffer(const fb::TableStatus& status);

void FinishGetStatusRequest(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id);
void FinishDaemonStatusResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                                const DaemonStatus& status);
DaemonStatus DaemonStatusFromFlatBuffer(const fb::DaemonStatus& status);

}  // namespace backtrace::wire
