#include "tools/backtrace/batch_sender.h"

#include <algorithm>
#include <thread>

namespace backtrace::cli {
namespace {

// Room kept in a frame for the message around the column values.
constexpr size_t kFrameOverheadBytes = 4096;
constexpr size_t kColumnOverheadBytes = 64;

bool IsConnectionError(const Status& status) {
  return status.code() == StatusCode::kAborted || status.code() == StatusCode::kIoError;
}

void CopyRows(const ColumnVector& from, size_t begin, size_t end, ColumnVector* to) {
  to->Clear();
  switch (from.type()) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      to->int64s().assign(from.int64s().begin() + static_cast<ptrdiff_t>(begin),
                          from.int64s().begin() + static_cast<ptrdiff_t>(end));
      break;
    case ColumnType::kUInt64:
      to->uint64s().assign(from.uint64s().begin() + static_cast<ptrdiff_t>(begin),
                           from.uint64s().begin() + static_cast<ptrdiff_t>(end));
      break;
    case ColumnType::kFloat64:
      to->float64s().assign(from.float64s().begin() + static_cast<ptrdiff_t>(begin),
                            from.float64s().begin() + static_cast<ptrdiff_t>(end));
      break;
    case ColumnType::kString: {
      const StringValues& values = from.strings();
      StringValues& out = to->strings();
      for (size_t row = begin; row < end; ++row) out.push_back(values.at(row));
      break;
    }
  }
}

}  // namespace

BatchSender::BatchSender(client::IngestClient* client, TableSchema schema,
                         BatchSenderOptions options)
    : client_(client),
      schema_(std::move(schema)),
      options_(std::move(options)),
      backoff_(options_.first_backoff) {
  for (const auto& column : schema_.columns) slice_.emplace_back(column.type);
}

size_t BatchSender::EstimateBytes(const std::vector<ColumnVector>& columns, size_t begin,
                                  size_t end) const {
  size_t bytes = kFrameOverheadBytes + schema_.name.size();
  size_t rows = end - begin;
  for (size_t column = 0; column < columns.size(); ++column) {
    bytes += kColumnOverheadBytes + schema_.columns[column].name.size();
    if (columns[column].type() == ColumnType::kString) {
      const StringValues& values = columns[column].strings();
      bytes += (rows + 1) * sizeof(uint32_t) + (values.offsets[end] - values.offsets[begin]) + 8;
    } else {
      bytes += rows * 8 + 8;
    }
  }
  return bytes;
}

Status BatchSender::Send(const std::vector<ColumnVector>& columns) {
  if (columns.size() != schema_.columns.size() || columns.front().size() == 0) {
    return Status::Internal("a batch for table " + schema_.name + " has the wrong shape");
  }
  return SendRange(columns, 0, columns.front().size());
}

Status BatchSender::SendRange(const std::vector<ColumnVector>& columns, size_t begin,
                              size_t end) {
  size_t rows = end - begin;
  if (rows > 1 && EstimateBytes(columns, begin, end) > client_->options().max_frame_bytes) {
    size_t middle = begin + rows / 2;
    RETURN_IF_ERROR(SendRange(columns, begin, middle));
    return SendRange(columns, middle, end);
  }
  const std::vector<ColumnVector>* values = &columns;
  if (rows != columns.front().size()) {
    for (size_t column = 0; column < columns.size(); ++column) {
      CopyRows(columns[column], begin, end, &slice_[column]);
    }
    values = &slice_;
  }
  std::vector<client::NamedColumn> named;
  for (size_t column = 0; column < values->size(); ++column) {
    named.push_back({schema_.columns[column].name, &(*values)[column]});
  }
  Status appended = AppendWithRetry(named);
  if (appended.code() == StatusCode::kInvalidArgument && !client_->batch_rejected()) {
    // Larger than estimated (only Append's own size check says this):
    // split the original rows; the halves refill the slice.
    if (rows == 1) {
      return Status::InvalidArgument("a single row of table " + schema_.name +
                                     " is too large for one message to the daemon (" +
                                     appended.message() + ")");
    }
    size_t middle = begin + rows / 2;
    RETURN_IF_ERROR(SendRange(columns, begin, middle));
    return SendRange(columns, middle, end);
  }
  return appended;
}

Status BatchSender::AppendWithRetry(const std::vector<client::NamedColumn>& columns) {
  uint64_t sequence = next_sequence_;
  while (true) {
    Status status = client_->Append(schema_.name, columns, sequence);
    if (status.ok()) {
      next_sequence_ = sequence + 1;
      return status;
    }
    if (status.code() == StatusCode::kInvalidArgument && !client_->batch_rejected()) {
      return status;  // too large; the caller splits it
    }
    RETURN_IF_ERROR(Recover(status));
  }
}

Status BatchSender::Finish() {
  while (true) {
    Status status = client_->Flush();
    if (status.ok()) return status;
    RETURN_IF_ERROR(Recover(status));
  }
}

Status BatchSender::Recover(const Status& cause) {
  if (client_->batch_rejected() || !IsConnectionError(cause)) return cause;
  uint64_t batches = client_->acknowledged_batches();
  if (batches != batches_at_last_failure_) {
    batches_at_last_failure_ = batches;
    failed_attempts_ = 0;
    backoff_ = options_.first_backoff;
  }
  if (options_.notice && failed_attempts_ < options_.reconnect_attempts) {
    options_.notice("lost the connection to backtraced (" + cause.message() + "); reconnecting");
  }
  Status last = cause;
  while (failed_attempts_ < options_.reconnect_attempts) {
    ++failed_attempts_;
    std::this_thread::sleep_for(backoff_);
    backoff_ = std::min(backoff_ * 2, options_.max_backoff);
    last = client_->Reconnect();
    if (last.ok()) {
      if (options_.notice) {
        options_.notice("reconnected; resending " + std::to_string(client_->in_flight()) +
                        " unacknowledged batches");
      }
      return last;
    }
    if (client_->batch_rejected() || !IsConnectionError(last)) return last;
  }
  return Status(cause.code(), "lost the connection to backtraced (" + cause.message() +
                                  ") and could not restore it in " +
                                  std::to_string(options_.reconnect_attempts) +
                                  " attempts: " + last.message());
}

}  // namespace backtrace::cli
