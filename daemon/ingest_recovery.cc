// IngestEngine start-up: catalog, orphan clean-up, WAL replay, compactors.
#include <chrono>
#include <cstring>

#include "common/base/coding.h"
#include "common/base/file.h"
#include "common/base/log.h"
#include "common/wal/wal_replay.h"
#include "common/wire/ingest_messages.h"
#include "daemon/append_validation.h"
#include "daemon/ingest_engine.h"
#include "daemon/wal_record_format.h"

namespace backtrace::daemon {

Status IngestEngine::Recover(const std::string& worker_binary) {
  ASSIGN_OR_RETURN(catalog_, Catalog::OpenPrimary(directory_->catalog_path()));
  ASSIGN_OR_RETURN(auto tables, catalog_->ListTables());
  ASSIGN_OR_RETURN(uint64_t sequence, catalog_->CurrentSequence());
  for (const auto& info : tables) {
    AddTable(info);
    ASSIGN_OR_RETURN(auto blocks, catalog_->AllBlocks(info.table_id, sequence));
    TableState* table = FindTableById(info.table_id);
    for (const auto& block : blocks) {
      table->disk.Add(block);
    }
  }
  ASSIGN_OR_RETURN(auto marks, catalog_->GetProducerMarks());
  for (const auto& [producer, sequence] : marks) {
    acknowledged_marks_[producer] = sequence;
    submitted_marks_[producer] = sequence;
  }
  RETURN_IF_ERROR(RemoveOrphanBlockDirectories());
  RETURN_IF_ERROR(Replay());

  uv_async_init(loop_, &wal_async_, &IngestEngine::OnWalAsync);
  wal_async_.data = this;

  CompactorPoolOptions options;
  options.worker_binary = worker_binary;
  options.data_dir = directory_->path();
  options.compactors = config_.compactors;
  options.log_level = config_.log_level;
  compactors_ = std::make_unique<CompactorPool>(
      loop_, options, [this](const CompactionJob& job, Result<BlockMeta> result, double seconds) {
        OnCompacted(job, std::move(result), seconds);
      });
  RETURN_IF_ERROR(compactors_->Start());
  for (auto& [name, table] : tables_) {
    for (auto& frozen : table->frozen) ScheduleCompaction(table.get(), &frozen);
  }
  CheckPressure();
  return Status::Ok();
}

Status IngestEngine::RemoveOrphanBlockDirectories() {
  ASSIGN_OR_RETURN(auto table_names, io::ListDirectory(directory_->tables_path()));
  for (const auto& table_name : table_names) {
    std::string table_path = io::JoinPath(directory_->tables_path(), table_name);
    uint64_t table_id = 0;
    bool numeric = !table_name.empty() && table_name.find_first_not_of("0123456789") == std::string::npos;
    if (numeric) table_id = std::stoull(table_name);
    if (!numeric || !catalog_->GetTableById(table_id).ok()) {
      LogWarning("removing " + table_path + ": no table in the catalog owns it");
      RETURN_IF_ERROR(io::RemoveTree(table_path));
      continue;
    }
    ASSIGN_OR_RETURN(auto block_names, io::ListDirectory(table_path));
    for (const auto& block_name : block_names) {
      std::string block_path = io::JoinPath(table_path, block_name);
      bool block_numeric = !block_name.empty() &&
                           block_name.find_first_not_of("0123456789") == std::string::npos;
      if (block_numeric) {
        auto block = catalog_->GetBlock(std::stoull(block_name));
        if (block.ok()) continue;
        if (!block.status().IsNotFound()) return block.status();
      }
      LogInfo("removing " + block_path + ": left by a compaction that was never committed");
      RETURN_IF_ERROR(io::RemoveTree(block_path));
    }
  }
  return Status::Ok();
}

Status IngestEngine::Replay() {
  auto started = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(uint64_t checkpoint, catalog_->GetWalCheckpoint());
  if (checkpoint == 0) checkpoint = 1;
  std::string aligned;
  auto visit = [&](uint64_t lsn, uint8_t type, std::string_view payload) -> Status {
    last_completed_lsn_ = std::max(last_completed_lsn_, lsn);
    if (type == kBarrierRecord) return Status::Ok();
    if (type != kAppendRecord) {
      return Status::Corruption("WAL record " + std::to_string(lsn) + " has unknown type " +
                                std::to_string(type));
    }
    if (payload.size() < kAppendRecordHeaderBytes) {
      return Status::Corruption("WAL record " + std::to_string(lsn) + " is too short");
    }
    uint64_t table_id = coding::DecodeFixed64(reinterpret_cast<const uint8_t*>(payload.data()));
    // Copy so that the FlatBuffer is aligned as when it was received.
    aligned.assign(payload.data() + kAppendRecordHeaderBytes,
                   payload.size() - kAppendRecordHeaderBytes);
    auto request = wire::VerifyRequest(aligned);
    const fb::Append* append = request.ok() ? (*request)->body_as_Append() : nullptr;
    if (append == nullptr) {
      return Status::Corruption("WAL record " + std::to_string(lsn) +
                                " does not hold an Append request");
    }
    if (append->producer_id() != 0) {
      uint64_t& mark = acknowledged_marks_[append->producer_id()];
      mark = std::max(mark, append->sequence());
      submitted_marks_[append->producer_id()] = mark;
    }
    TableState* table = FindTableById(table_id);
    if (table == nullptr || lsn <= table->persisted_lsn) return Status::Ok();
    auto rows = wire::ValidateAppend(*append);
    if (!rows.ok()) return rows.status().WithContext("WAL record " + std::to_string(lsn));
    auto mapping = MatchAppendToSchema(*append, table->schema, *rows);
    if (!mapping.ok()) return mapping.status().WithContext("WAL record " + std::to_string(lsn));
    ++statistics_.replayed_records;
    statistics_.replayed_rows += *rows;
    return ApplyAppend(table, lsn, *append, *mapping, *rows);
  };
  wal::ReplayReport report;
  RETURN_IF_ERROR(wal::Replay(directory_->wal_path(), checkpoint, visit, true, &report));
  // Everything below the next LSN is durable and applied (or skipped).
  last_completed_lsn_ = std::max(last_completed_lsn_, report.next_lsn - 1);
  if (report.torn_bytes_cut > 0) {
    LogWarning("cut a torn WAL tail of " + std::to_string(report.torn_bytes_cut) + " bytes at " +
               report.torn_segment + " offset " + std::to_string(report.torn_offset) + " (" +
               report.torn_problem + ", then " + std::to_string(report.torn_records_dropped) +
               " intact unsynced records); those records were never acknowledged");
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  replay_seconds_ = seconds;
  LogInfo("replayed " + std::to_string(statistics_.replayed_records) + " WAL records (" +
          std::to_string(statistics_.replayed_rows) + " rows) from LSN " +
          std::to_string(checkpoint) + " in " + std::to_string(seconds) + " s");
  wal::WalOptions options;
  options.directory = directory_->wal_path();
  options.segment_bytes = config_.wal_segment_bytes;
  options.sync = config_.wal_sync != WalSyncMode::kNone;
  ASSIGN_OR_RETURN(wal_, wal::GroupCommitWal::Open(options, report.next_lsn));
  wal_->SetGroupObserver([this](size_t records, double group_seconds) {
    std::lock_guard<std::mutex> lock(wal_metrics_mutex_);
    wal_sync_seconds_.Observe(group_seconds);
    group_commit_records_.Observe(static_cast<double>(records));
  });
  return Status::Ok();
}

}  // namespace backtrace::daemon
