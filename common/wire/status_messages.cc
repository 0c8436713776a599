#include "common/wire/status_messages.h"

#include "common/wire/ingest_messages.h"

namespace backtrace::wire {
namespace {

std::string Text(const flatbuffers::String* text) { return text == nullptr ? "" : text->str(); }

}  // namespace

flatbuffers::Offset<fb::TableStatus> BuildTableStatus(flatbuffers::FlatBufferBuilder& builder,
                                                      const TableStatus& status) {
  auto name = builder.CreateString(status.name);
  return fb::CreateTableStatus(builder, name, status.blocks, status.rows_on_disk,
                               status.file_bytes, status.raw_bytes, status.min_time,
                               status.max_time, status.memory_rows, status.memory_bytes,
                               status.rows_ingested, status.bytes_ingested);
}

TableStatus TableStatusFromFlatBuffer(const fb::TableStatus& status) {
  TableStatus result;
  result.name = Text(status.name());
  result.blocks = status.blocks();
  result.rows_on_disk = status.rows_on_disk();
  result.file_bytes = status.file_bytes();
  result.raw_bytes = status.raw_bytes();
  result.min_time = status.min_time();
  result.max_time = status.max_time();
  result.memory_rows = status.memory_rows();
  result.memory_bytes = status.memory_bytes();
  result.rows_ingested = status.rows_ingested();
  result.bytes_ingested = status.bytes_ingested();
  return result;
}

void FinishGetStatusRequest(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id) {
  FinishRequest(builder, request_id, fb::RequestBody::GetStatus,
                fb::CreateGetStatus(builder).Union());
}

void FinishDaemonStatusResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                                const DaemonStatus& status) {
  std::vector<flatbuffers::Offset<fb::TableStatus>> tables;
  for (const TableStatus& table : status.tables) tables.push_back(BuildTableStatus(builder, table));
  auto body = fb::CreateDaemonStatusDirect(
      builder, status.version.c_str(), status.pid, status.uptime_seconds, status.data_dir.c_str(),
      status.ingest_socket.c_str(), status.query_socket.c_str(), status.metrics_listen.c_str(),
      status.connections, status.memory_rows, status.memory_bytes, status.frozen_blocks,
      status.compactors, status.compactions, status.compactor_restarts, status.ingest_paused,
      status.writes_stopped, status.write_error.c_str(), status.batches_acknowledged,
      status.wal_bytes_written, &tables, status.query_workers, status.query_connections,
      status.queries_queued, status.queries_answered, status.queries_failed);
  FinishResponse(builder, request_id, fb::ResponseBody::DaemonStatus, body.Union());
}

DaemonStatus DaemonStatusFromFlatBuffer(const fb::DaemonStatus& status) {
  DaemonStatus result;
  result.version = Text(status.version());
  result.pid = status.pid();
  result.uptime_seconds = status.uptime_seconds();
  result.data_dir = Text(status.data_dir());
  result.ingest_socket = Text(status.ingest_socket());
  result.query_socket = Text(status.query_socket());
  result.metrics_listen = Text(status.metrics_listen());
  result.connections = status.connections();
  result.memory_rows = status.memory_rows();
  result.memory_bytes = status.memory_bytes();
  result.frozen_blocks = status.frozen_blocks();
  result.compactors = status.compactors();
  result.compactions = status.compactions();
  result.compactor_restarts = status.compactor_restarts();
  result.ingest_paused = status.ingest_paused();
  result.writes_stopped = status.writes_stopped();
  result.write_error = Text(status.write_error());
  result.batches_acknowledged = status.batches_acknowledged();
  result.wal_bytes_written = status.wal_bytes_written();
  result.query_workers = status.query_workers();
  result.query_connections = status.query_connections();
  result.queries_queued = status.queries_queued();
  result.queries_answered = status.queries_answered();
  result.queries_failed = status.queries_failed();
  if (status.tables() != nullptr) {
    for (const fb::TableStatus* table : *status.tables()) {
      result.tables.push_back(TableStatusFromFlatBuffer(*table));
    }
  }
  return result;
}

}  // namespace backtrace::wire
