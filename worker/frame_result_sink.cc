#include "worker/frame_result_sink.h"

#include "common/wire/ingest_messages.h"

namespace backtrace::worker {
namespace {

ColumnVector Slice(const ColumnVector& column, size_t first, size_t count) {
  ColumnVector slice(column.type());
  switch (column.type()) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      slice.int64s().assign(column.int64s().begin() + first, column.int64s().begin() + first + count);
      break;
    case ColumnType::kUInt64:
      slice.uint64s().assign(column.uint64s().begin() + first,
                             column.uint64s().begin() + first + count);
      break;
    case ColumnType::kFloat64:
      slice.float64s().assign(column.float64s().begin() + first,
                              column.float64s().begin() + first + count);
      break;
    case ColumnType::kString:
      for (size_t row = first; row < first + count; ++row) {
        slice.strings().push_back(column.strings().at(row));
      }
      break;
  }
  return slice;
}

}  // namespace

Status FrameResultSink::Begin(const std::vector<query::ResultColumn>& columns) {
  columns_.clear();
  for (const auto& column : columns) columns_.push_back({column.name, column.type});
  schema_pending_ = true;
  return Status::Ok();
}

Status FrameResultSink::SendSchema() {
  if (!schema_pending_) return Status::Ok();
  schema_pending_ = false;
  flatbuffers::FlatBufferBuilder builder(256);
  wire::FinishResultSchemaResponse(builder, request_id_, columns_);
  return stream_->WriteFrame(wire::MessageBytes(builder), deadline_);
}

Status FrameResultSink::Write(const std::vector<ColumnVector>& batch) {
  if (batch.size() != columns_.size()) {
    return Status::Internal("a result batch of " + std::to_string(batch.size()) +
                            " columns for a schema of " + std::to_string(columns_.size()));
  }
  RETURN_IF_ERROR(SendSchema());
  size_t rows = batch.empty() ? 0 : batch.front().size();
  return SendRows(batch, 0, rows);
}

Status FrameResultSink::SendRows(const std::vector<ColumnVector>& batch, size_t first,
                                 size_t count) {
  size_t bytes = 0;
  for (const auto& column : batch) bytes += column.ByteSize();
  size_t total_rows = batch.empty() ? 0 : batch.front().size();
  // A share of the batch's bytes, plus room for the message's framing.
  size_t estimate = total_rows == 0 ? 0 : bytes / total_rows * count;
  if (count > 1 && estimate + 1024 + 64 * batch.size() > max_frame_bytes_) {
    size_t half = count / 2;
    RETURN_IF_ERROR(SendRows(batch, first, half));
    return SendRows(batch, first + half, count - half);
  }
  flatbuffers::FlatBufferBuilder builder(std::min<size_t>(estimate + 1024, max_frame_bytes_));
  std::vector<flatbuffers::Offset<fb::ColumnData>> data;
  for (size_t index = 0; index < batch.size(); ++index) {
    if (first == 0 && count == total_rows) {
      data.push_back(wire::BuildColumnData(builder, columns_[index].name, batch[index]));
    } else {
      data.push_back(
          wire::BuildColumnData(builder, columns_[index].name, Slice(batch[index], first, count)));
    }
  }
  wire::FinishResultBatchResponse(builder, request_id_, data);
  std::string_view payload = wire::MessageBytes(builder);
  if (payload.size() > max_frame_bytes_) {
    if (count > 1) {
      size_t half = count / 2;
      RETURN_IF_ERROR(SendRows(batch, first, half));
      return SendRows(batch, first + half, count - half);
    }
    return Status::ResourceExhausted("a result row of " + std::to_string(payload.size()) +
                                     " bytes does not fit in one frame (max_frame_bytes = " +
                                     std::to_string(max_frame_bytes_) + ")");
  }
  return stream_->WriteFrame(payload, deadline_);
}

Status FrameResultSink::Finish(const wire::QueryStatistics& statistics) {
  RETURN_IF_ERROR(SendSchema());
  flatbuffers::FlatBufferBuilder builder(256);
  wire::FinishEndResponse(builder, request_id_, statistics);
  return stream_->WriteFrame(wire::MessageBytes(builder), deadline_);
}

Status FrameResultSink::Fail(const Status& status,
                             std::chrono::steady_clock::time_point write_deadline) {
  flatbuffers::FlatBufferBuilder builder(256);
  wire::FinishQueryErrorResponse(builder, request_id_, status);
  return stream_->WriteFrame(wire::MessageBytes(builder), write_deadline);
}

}  // namespace backtrace::worker
