#include "daemon/ingest_engine.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "common/base/coding.h"
#include "common/base/crash_point.h"
#include "common/base/file.h"
#include "common/base/log.h"
#include "common/schema/table_schema_codec.h"
#include "common/wire/ingest_messages.h"
#include "daemon/append_validation.h"
#include "daemon/daemon_status.h"
#include "daemon/wal_record_format.h"

namespace backtrace::daemon {

struct IngestEngine::PendingAppend {
  uint64_t request_id = 0;
  uint64_t table_id = 0;
  uint64_t producer_id = 0;
  uint64_t sequence = 0;
  size_t rows = 0;
  bool barrier = false;  // a resent batch waiting for its original
  std::vector<uint32_t> mapping;
  // The frame, with the table id in its prefix: the WAL record, written in
  // place, and after the sync the rows to apply.
  FrameBuffer frame;
  Responder respond;
};

namespace {

std::string AckResponse(uint64_t request_id, uint64_t sequence, bool durable, bool duplicate) {
  flatbuffers::FlatBufferBuilder builder(64);
  wire::FinishAckResponse(builder, request_id, sequence, durable, duplicate);
  return std::string(wire::MessageBytes(builder));
}

std::string ErrorResponse(uint64_t request_id, uint64_t sequence, const Status& status) {
  flatbuffers::FlatBufferBuilder builder(256);
  wire::FinishErrorResponse(builder, request_id, sequence, status);
  return std::string(wire::MessageBytes(builder));
}

std::string OkResponse(uint64_t request_id) {
  flatbuffers::FlatBufferBuilder builder(32);
  wire::FinishOkResponse(builder, request_id);
  return std::string(wire::MessageBytes(builder));
}

}  // namespace

IngestEngine::IngestEngine(uv_loop_t* loop, const DaemonConfig& config, DataDirectory* directory)
    : loop_(loop), config_(config), directory_(directory) {}

IngestEngine::~IngestEngine() = default;

std::string IngestEngine::FramingErrorResponse(const Status& status) {
  CountRejection(status);
  return ErrorResponse(0, 0, status);
}

void IngestEngine::AddTable(const TableInfo& info) {
  auto table = std::make_unique<TableState>();
  table->table_id = info.table_id;
  table->schema = info.schema;
  for (const auto& column : info.schema.columns) table->types.push_back(column.type);
  table->time_column = *info.schema.ColumnIndex(info.schema.time_column);
  table->persisted_lsn = info.wal_watermark;
  tables_[info.schema.name] = std::move(table);
}

TableState* IngestEngine::FindTable(std::string_view name) {
  auto found = tables_.find(name);
  return found == tables_.end() ? nullptr : found->second.get();
}

TableState* IngestEngine::FindTableById(uint64_t table_id) {
  for (auto& [name, table] : tables_) {
    if (table->table_id == table_id) return table.get();
  }
  return nullptr;
}

void IngestEngine::HandleRequest(FrameBuffer frame, Responder respond) {
  auto request = wire::VerifyRequest(frame.payload_view());
  if (!request.ok()) {
    CountRejection(request.status());
    respond(ErrorResponse(0, 0, request.status()), true);
    return;
  }
  const fb::Request& message = **request;
  uint64_t request_id = message.request_id();
  if (message.body_type() == fb::RequestBody::Append && message.body_as_Append() != nullptr) {
    HandleAppend(request_id, std::move(frame), *message.body_as_Append(), respond);
    return;
  }
  Status valid = wire::ValidateRequest(message);
  if (!valid.ok()) {
    respond(ErrorResponse(request_id, 0, valid), false);
    return;
  }
  switch (message.body_type()) {
    case fb::RequestBody::CreateTable:
      HandleCreateTable(request_id, *message.body_as_CreateTable(), respond);
      return;
    case fb::RequestBody::DropTable:
      HandleDropTable(request_id, *message.body_as_DropTable(), respond);
      return;
    case fb::RequestBody::ListTables:
      HandleListTables(request_id, respond);
      return;
    case fb::RequestBody::GetStatus:
      HandleGetStatus(request_id, respond);
      return;
    default:
      respond(ErrorResponse(request_id, 0, Status::NotSupported("unknown request")), false);
  }
}

void IngestEngine::HandleCreateTable(uint64_t request_id, const fb::CreateTable& body,
                                     const Responder& respond) {
  auto schema = TableSchemaFromFlatBuffer(*body.schema());
  if (!schema.ok()) {
    respond(ErrorResponse(request_id, 0, schema.status()), false);
    return;
  }
  auto info = catalog_->CreateTable(*schema);
  if (!info.ok()) {
    respond(ErrorResponse(request_id, 0, info.status()), false);
    return;
  }
  if (FindTable(info->schema.name) == nullptr) {
    AddTable(*info);
    LogInfo("created table " + info->schema.name + " (" + info->schema.ColumnListString() + ")");
  }
  respond(OkResponse(request_id), false);
}

void IngestEngine::HandleDropTable(uint64_t request_id, const fb::DropTable& body,
                                   const Responder& respond) {
  std::string name = body.name()->str();
  Status dropped = catalog_->DropTable(name);
  if (!dropped.ok()) {
    respond(ErrorResponse(request_id, 0, dropped), false);
    return;
  }
  auto found = tables_.find(name);
  if (found != tables_.end()) {
    TableState* table = found->second.get();
    if (table->hot) hot_bytes_ -= table->hot->block->used_bytes();
    for (const auto& frozen : table->frozen) {
      hot_bytes_ -= frozen.memory.block->used_bytes();
      --frozen_count_;
    }
    tables_.erase(found);
  }
  LogInfo("dropped table " + name);
  CheckPressure();
  respond(OkResponse(request_id), false);
}

void IngestEngine::HandleListTables(uint64_t request_id, const Responder& respond) {
  auto tables = catalog_->ListTables();
  if (!tables.ok()) {
    respond(ErrorResponse(request_id, 0, tables.status()), false);
    return;
  }
  MetricsSnapshot snapshot = Snapshot();
  flatbuffers::FlatBufferBuilder builder(1024);
  std::vector<flatbuffers::Offset<fb::TableSchema>> schemas;
  std::vector<flatbuffers::Offset<fb::TableStatus>> statistics;
  for (const auto& info : *tables) {
    schemas.push_back(BuildTableSchema(builder, info.schema));
    statistics.push_back(
        wire::BuildTableStatus(builder, MakeTableStatus(info.schema.name,
                                                        snapshot.tables[info.schema.name])));
  }
  wire::FinishTableListResponse(builder, request_id, schemas, statistics);
  respond(std::string(wire::MessageBytes(builder)), false);
}

void IngestEngine::HandleGetStatus(uint64_t request_id, const Responder& respond) {
  if (!status_provider_) {
    respond(ErrorResponse(request_id, 0, Status::NotSupported("this daemon reports no status")),
            false);
    return;
  }
  flatbuffers::FlatBufferBuilder builder(1024);
  wire::FinishDaemonStatusResponse(builder, request_id, status_provider_());
  respond(std::string(wire::MessageBytes(builder)), false);
}

void IngestEngine::HandleAppend(uint64_t request_id, FrameBuffer frame, const fb::Append& body,
                                const Responder& respond) {
  uint64_t sequence = body.sequence();
  auto reject = [&](const Status& status) {
    CountRejection(status);
    respond(ErrorResponse(request_id, sequence, status), false);
  };
  auto rows = wire::ValidateAppend(body);
  if (!rows.ok()) return reject(rows.status());
  if (!write_error_.ok()) {
    return reject(Status::FailedPrecondition(
        "writes are stopped since the WAL failed (" + write_error_.ToString() +
        "); restart backtraced to recover from what is on disk"));
  }
  std::string table_name = body.table()->str();
  TableState* table = FindTable(table_name);
  if (table == nullptr) return reject(Status::NotFound("table " + table_name + " does not exist"));
  auto mapping = MatchAppendToSchema(body, table->schema, *rows);
  if (!mapping.ok()) return reject(mapping.status());

  auto pending = std::make_unique<PendingAppend>();
  pending->request_id = request_id;
  pending->table_id = table->table_id;
  pending->producer_id = body.producer_id();
  pending->sequence = sequence;
  pending->rows = *rows;
  pending->respond = respond;
  if (pending->producer_id != 0) {
    uint64_t& submitted = submitted_marks_[pending->producer_id];
    if (sequence <= acknowledged_marks_[pending->producer_id]) {
      ++statistics_.batches_duplicate;
      respond(AckResponse(request_id, sequence, config_.wal_sync != WalSyncMode::kNone, true),
              false);
      return;
    }
    if (sequence <= submitted) {
      // The original is still waiting for its sync: answer after it.
      pending->barrier = true;
      ++appends_in_flight_;
      PendingAppend* raw = pending.release();
      wal_->Submit(kBarrierRecord, std::string(), [this, raw](Status status, uint64_t lsn) {
        std::lock_guard<std::mutex> lock(completions_mutex_);
        completions_.push_back({std::move(status), lsn, raw});
        uv_async_send(&wal_async_);
      });
      return;
    }
    submitted = sequence;
  }
  pending->mapping = std::move(*mapping);
  static_assert(FrameBuffer::kPrefixBytes == kAppendRecordHeaderBytes);
  coding::EncodeFixed64(reinterpret_cast<uint8_t*>(frame.prefix()), table->table_id);
  pending->frame = std::move(frame);
  ++appends_in_flight_;
  PendingAppend* raw = pending.release();
  wal_->SubmitUnowned(kAppendRecord, raw->frame.with_prefix(),
                      [this, raw](Status status, uint64_t lsn) {
                        std::lock_guard<std::mutex> lock(completions_mutex_);
                        completions_.push_back({std::move(status), lsn, raw});
                        uv_async_send(&wal_async_);
                      });
}

void IngestEngine::OnWalAsync(uv_async_t* handle) {
  static_cast<IngestEngine*>(handle->data)->DrainCompletions();
}

void IngestEngine::DrainCompletions() {
  std::deque<Completion> ready;
  {
    std::lock_guard<std::mutex> lock(completions_mutex_);
    ready.swap(completions_);
  }
  bool durable = config_.wal_sync != WalSyncMode::kNone;
  for (Completion& completion : ready) {
    std::unique_ptr<PendingAppend> pending(completion.append);
    --appends_in_flight_;
    if (!completion.status.ok()) {
      RespondNotDurable(*pending, completion.status);
      continue;
    }
    if (wal_write_failing_) {
      wal_write_failing_ = false;
      LogInfo("WAL writes succeed again; accepting writes");
    }
    last_completed_lsn_ = std::max(last_completed_lsn_, completion.lsn);
    if (pending->barrier) {
      ++statistics_.batches_duplicate;
      pending->respond(AckResponse(pending->request_id, pending->sequence, durable, true), false);
      continue;
    }
    TableState* table = FindTableById(pending->table_id);
    if (table != nullptr) {
      const auto* request = flatbuffers::GetRoot<fb::Request>(pending->frame.payload());
      Status applied = ApplyAppend(table, completion.lsn, *request->body_as_Append(),
                                   pending->mapping, pending->rows);
      if (!applied.ok()) {
        // The rows are durable in the WAL; a restart replays them.
        LogError("cannot hold durable rows in memory: " + applied.ToString());
        if (write_error_.ok()) write_error_ = applied;
      }
    }
    if (pending->producer_id != 0) {
      uint64_t& mark = acknowledged_marks_[pending->producer_id];
      mark = std::max(mark, pending->sequence);
    }
    CRASH_POINT("daemon_after_sync_before_ack");
    statistics_.rows_acknowledged += pending->rows;
    if (table != nullptr) {
      table->rows_ingested += pending->rows;
      table->bytes_ingested += pending->frame.payload_size();
    }
    ++statistics_.batches_acknowledged;
    pending->respond(AckResponse(pending->request_id, pending->sequence, durable, false), false);
  }
  CheckPressure();
}

void IngestEngine::RespondNotDurable(const PendingAppend& pending, const Status& status) {
  Status answer;
  if (wal_ && wal_->failed()) {
    // A failed sync: the WAL is never trusted again in this process.
    if (write_error_.ok()) {
      write_error_ = status;
      LogError("WAL sync failed, refusing all writes until backtraced is restarted: " +
               status.ToString());
    }
    answer = Status(status.code(), "batch not durable: the WAL failed (" + status.message() +
                                       "); restart backtraced to recover from what is on disk");
  } else {
    // A failed write (a full disk): nothing of the batch is in the WAL, and
    // the next batch tries again.
    if (!wal_write_failing_) {
      wal_write_failing_ = true;
      LogError("WAL write failed, refusing batches until a write succeeds: " + status.ToString());
    }
    answer = Status(status.code(), "batch not durable: " + status.message());
    // Every batch submitted before this answer is refused too (so none of a
    // producer's later batches overtakes this one); later ones are tried.
    if (wal_) wal_->ResumeAfterWriteFailure();
  }
  if (pending.producer_id != 0) {
    // The batch may be sent again: it must not pass for one in flight.
    uint64_t& submitted = submitted_marks_[pending.producer_id];
    submitted = std::min(submitted, std::max(pending.sequence == 0 ? 0 : pending.sequence - 1,
                                             acknowledged_marks_[pending.producer_id]));
  }
  CountRejection(answer);
  pending.respond(ErrorResponse(pending.request_id, pending.sequence, answer), false);
}

Status IngestEngine::ApplyAppend(TableState* table, uint64_t lsn, const fb::Append& append,
                                 const std::vector<uint32_t>& mapping, size_t rows) {
  const auto* columns = append.columns();
  std::vector<uint64_t> string_bytes(table->types.size(), 0);
  uint64_t largest_strings = 0;
  for (size_t column = 0; column < table->types.size(); ++column) {
    if (table->types[column] != ColumnType::kString) continue;
    const auto* bytes = columns->Get(mapping[column])->values_as_StringVector()->bytes();
    string_bytes[column] = bytes == nullptr ? 0 : bytes->size();
    largest_strings = std::max(largest_strings, string_bytes[column]);
  }
  if (table->hot && !table->hot->block->Fits(rows, string_bytes)) {
    RETURN_IF_ERROR(Freeze(table));
  }
  if (!table->hot) {
    uint64_t capacity = std::max<uint64_t>(config_.max_block_rows, rows);
    uint64_t string_capacity =
        std::max<uint64_t>({capacity * 64, config_.max_frame_bytes, largest_strings});
    ASSIGN_OR_RETURN(auto block, NewHotBlock(table, capacity, string_capacity));
    table->hot = BlockInMemory{std::move(block), 0, 0, std::chrono::steady_clock::now()};
  }
  hot::HotBlock* block = table->hot->block.get();
  uint64_t used_before = block->used_bytes();
  for (size_t column = 0; column < table->types.size(); ++column) {
    const fb::ColumnData& data = *columns->Get(mapping[column]);
    switch (table->types[column]) {
      case ColumnType::kInt64:
      case ColumnType::kTimestamp:
        block->AppendFixed(column, data.values_as_Int64Vector()->values()->data(), rows);
        break;
      case ColumnType::kUInt64:
        block->AppendFixed(column, data.values_as_UInt64Vector()->values()->data(), rows);
        break;
      case ColumnType::kFloat64:
        block->AppendFixed(column, data.values_as_Float64Vector()->values()->data(), rows);
        break;
      case ColumnType::kString: {
        const auto* strings = data.values_as_StringVector();
        static const uint8_t kNoBytes = 0;
        block->AppendStrings(column, strings->offsets()->data(),
                             strings->bytes() == nullptr ? &kNoBytes : strings->bytes()->data(),
                             rows);
        break;
      }
    }
  }
  block->CommitRows(rows);
  hot_bytes_ += block->used_bytes() - used_before;
  if (table->hot->first_lsn == 0) table->hot->first_lsn = lsn;
  table->hot->last_lsn = lsn;
  if (block->row_count() >= config_.max_block_rows) RETURN_IF_ERROR(Freeze(table));
  return Status::Ok();
}

Result<std::shared_ptr<hot::HotBlock>> IngestEngine::NewHotBlock(TableState* table,
                                                                 uint64_t capacity,
                                                                 uint64_t string_capacity) {
  uint64_t sequence = table->next_block_sequence++;
  for (auto spare = spare_blocks_.begin(); spare != spare_blocks_.end(); ++spare) {
    const hot::HotBlock& block = **spare;
    if (block.types() == table->types && block.capacity_rows() == capacity &&
        block.string_bytes_capacity() >= std::min<uint64_t>(string_capacity, UINT32_MAX)) {
      std::shared_ptr<hot::HotBlock> reused = std::move(*spare);
      spare_blocks_.erase(spare);
      reused->Reuse(table->table_id, sequence);
      return reused;
    }
  }
  ASSIGN_OR_RETURN(auto block, hot::HotBlock::Create(table->table_id, sequence, table->types,
                                                     capacity, string_capacity));
  return std::shared_ptr<hot::HotBlock>(std::move(block));
}

void IngestEngine::KeepSpareBlock(std::shared_ptr<hot::HotBlock> block) {
  // Another holder (a compaction job, a query's snapshot) may still map it.
  if (block.use_count() != 1) return;
  if (spare_blocks_.size() >= kSpareBlocks) spare_blocks_.erase(spare_blocks_.begin());
  spare_blocks_.push_back(std::move(block));
}

Status IngestEngine::Freeze(TableState* table) {
  if (!table->hot) return Status::Ok();
  if (table->hot->block->row_count() == 0) {
    table->hot.reset();
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(uint64_t block_id, catalog_->AllocateBlockIds(1));
  FrozenBlock frozen;
  frozen.memory = std::move(*table->hot);
  frozen.block_id = block_id;
  table->hot.reset();
  table->frozen.push_back(std::move(frozen));
  ++frozen_count_;
  if (compactors_) ScheduleCompaction(table, &table->frozen.back());
  return Status::Ok();
}

void IngestEngine::ScheduleCompaction(TableState* table, FrozenBlock* frozen) {
  CompactionJob job;
  job.table_id = table->table_id;
  job.block_id = frozen->block_id;
  job.row_count = frozen->memory.block->row_count();
  job.schema = table->schema;
  job.block = frozen->memory.block;
  job.staging_path = io::JoinPath(directory_->tmp_path(), std::to_string(table->table_id) + "-" +
                                                              std::to_string(frozen->block_id));
  job.destination_path = directory_->BlockPath(table->table_id, frozen->block_id);
  job.zstd_level = config_.zstd_level;
  frozen->compacting = true;
  compactors_->Enqueue(std::move(job));
}

void IngestEngine::FreezeOldBlocks() {
  auto now = std::chrono::steady_clock::now();
  for (auto& [name, table] : tables_) {
    if (table->hot && table->hot->block->row_count() > 0 &&
        now - table->hot->created >= config_.max_block_age) {
      Status status = Freeze(table.get());
      if (!status.ok()) LogError("cannot freeze a block of table " + name + ": " + status.ToString());
    }
    // Blocks whose compaction or commit failed are tried again.
    for (auto& frozen : table->frozen) {
      if (!frozen.compacting && !frozen.result) ScheduleCompaction(table.get(), &frozen);
    }
    CommitReadyBlocks(table.get());
  }
  CheckPressure();
}

void IngestEngine::FreezeAll() {
  for (auto& [name, table] : tables_) {
    Status status = Freeze(table.get());
    if (!status.ok()) LogError("cannot freeze a block of table " + name + ": " + status.ToString());
  }
}

bool IngestEngine::HasUncommittedBlocks() const {
  for (const auto& [name, table] : tables_) {
    if (!table->frozen.empty()) return true;
  }
  return false;
}

void IngestEngine::OnCompacted(const CompactionJob& job, Result<BlockMeta> result,
                               double seconds) {
  TableState* table = FindTableById(job.table_id);
  if (table == nullptr) return;  // dropped meanwhile
  auto frozen = std::find_if(table->frozen.begin(), table->frozen.end(),
                             [&](const FrozenBlock& f) { return f.block_id == job.block_id; });
  if (frozen == table->frozen.end()) return;
  frozen->compacting = false;
  compaction_seconds_.Observe(seconds);
  if (!result.ok()) {
    ++compaction_failures_;
    LogError("compaction of block " + std::to_string(job.block_id) + " of table " +
             table->schema.name + " failed, will retry: " + result.status().ToString());
    return;
  }
  frozen->result = std::move(*result);
  LogDebug("compacted block " + std::to_string(job.block_id) + " of table " + table->schema.name +
           " (" + std::to_string(job.row_count) + " rows) in " + std::to_string(seconds) + " s");
  CommitReadyBlocks(table);
  CheckPressure();
}

uint64_t IngestEngine::ComputeCheckpoint() const {
  uint64_t checkpoint = last_completed_lsn_ + 1;
  for (const auto& [name, table] : tables_) {
    if (table->hot && table->hot->first_lsn != 0) {
      checkpoint = std::min(checkpoint, table->hot->first_lsn);
    }
    for (const auto& frozen : table->frozen) {
      checkpoint = std::min(checkpoint, frozen.memory.first_lsn);
    }
  }
  return checkpoint;
}

void IngestEngine::CommitReadyBlocks(TableState* table) {
  bool committed_any = false;
  while (!table->frozen.empty() && table->frozen.front().result) {
    FrozenBlock& front = table->frozen.front();
    BlockMeta meta = *front.result;
    meta.wal_last_lsn = front.memory.last_lsn;
    // The checkpoint once this block is committed: computed without it.
    FrozenBlock held = std::move(front);
    table->frozen.pop_front();
    uint64_t checkpoint = ComputeCheckpoint();
    std::map<uint64_t, uint64_t> marks(acknowledged_marks_.begin(), acknowledged_marks_.end());
    Status status = catalog_->CommitBlock(meta, checkpoint, marks);
    if (!status.ok()) {
      table->frozen.push_front(std::move(held));
      LogError("cannot commit block " + std::to_string(meta.block_id) + " of table " +
               table->schema.name + ", will retry: " + status.ToString());
      return;
    }
    table->persisted_lsn = std::max(table->persisted_lsn, held.memory.last_lsn);
    table->disk.Add(meta);
    hot_bytes_ -= held.memory.block->used_bytes();
    KeepSpareBlock(std::move(held.memory.block));
    --frozen_count_;
    ++statistics_.blocks_committed;
    committed_any = true;
    LogDebug("committed block " + std::to_string(meta.block_id) + " of table " +
             table->schema.name + ", WAL checkpoint " + std::to_string(checkpoint));
  }
  if (committed_any) CRASH_POINT("daemon_after_commit_before_wal_delete");
  if (committed_any && wal_) {
    Status deleted = wal_->DeleteSegmentsBelow(ComputeCheckpoint());
    if (!deleted.ok()) LogWarning("cannot delete old WAL segments: " + deleted.ToString());
  }
}

void IngestEngine::CheckPressure() {
  if (hot_bytes_ > config_.max_hot_bytes) {
    // Memory is full: freeze the largest hot block so compaction can free it.
    TableState* largest = nullptr;
    for (auto& [name, table] : tables_) {
      if (table->hot && table->hot->block->row_count() > 0 &&
          (largest == nullptr ||
           table->hot->block->used_bytes() > largest->hot->block->used_bytes())) {
        largest = table.get();
      }
    }
    if (largest != nullptr) {
      Status status = Freeze(largest);
      if (!status.ok()) LogError("cannot freeze a block: " + status.ToString());
    }
  }
  bool pressure = hot_bytes_ > config_.max_hot_bytes || frozen_count_ > config_.max_frozen_blocks;
  if (pressure != pressure_) {
    pressure_ = pressure;
    if (pressure) {
      LogWarning("pausing ingestion: " + std::to_string(hot_bytes_) + " hot bytes, " +
                 std::to_string(frozen_count_) + " frozen blocks waiting for compaction");
    } else {
      LogInfo("resuming ingestion");
    }
    if (pressure_callback_) pressure_callback_(pressure);
  }
}

void IngestEngine::Stop() {
  if (compactors_) compactors_->Stop();
  if (wal_) wal_->Close();
  DrainCompletions();
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&wal_async_)) ||
      wal_async_.loop != nullptr) {
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&wal_async_))) {
      uv_close(reinterpret_cast<uv_handle_t*>(&wal_async_), nullptr);
    }
  }
}

}  // namespace backtrace::daemon
