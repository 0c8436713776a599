#include "common/query/result_writer.h"

#include <algorithm>

namespace backtrace::query {
namespace {

// Appends rows [first, first + count) of `source` to *target.
void AppendRows(const ColumnVector& source, size_t first, size_t count, ColumnVector* target) {
  switch (source.type()) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      target->int64s().insert(target->int64s().end(), source.int64s().begin() + first,
                              source.int64s().begin() + first + count);
      break;
    case ColumnType::kUInt64:
      target->uint64s().insert(target->uint64s().end(), source.uint64s().begin() + first,
                               source.uint64s().begin() + first + count);
      break;
    case ColumnType::kFloat64:
      target->float64s().insert(target->float64s().end(), source.float64s().begin() + first,
                                source.float64s().begin() + first + count);
      break;
    case ColumnType::kString:
      for (size_t row = first; row < first + count; ++row) {
        target->strings().push_back(source.strings().at(row));
      }
      break;
  }
}

uint64_t ByteSize(const std::vector<ColumnVector>& columns) {
  uint64_t bytes = 0;
  for (const auto& column : columns) bytes += column.ByteSize();
  return bytes;
}

}  // namespace

ResultWriter::ResultWriter(const QueryPlan& plan, ResultSink& sink, const QueryLimits& limits,
                           MemoryBudget& budget)
    : plan_(plan),
      sink_(sink),
      batch_rows_(std::max<size_t>(1, limits.batch_rows)),
      budget_(budget),
      buffer_(MakeColumns()) {}

std::vector<ColumnVector> ResultWriter::MakeColumns() const {
  std::vector<ColumnVector> columns;
  for (const auto& output : plan_.outputs) columns.emplace_back(output.expression.type);
  return columns;
}

Status ResultWriter::Begin() {
  std::vector<ResultColumn> columns;
  for (const auto& output : plan_.outputs) {
    if (!output.hidden) columns.push_back(ResultColumn{output.name, output.expression.type});
  }
  return sink_.Begin(columns);
}

bool ResultWriter::done() const {
  return plan_.order_by.empty() && plan_.limit && accepted_ >= *plan_.limit;
}

Status ResultWriter::Add(std::vector<ColumnVector>& columns) {
  size_t rows = columns.empty() ? 0 : columns[0].size();
  if (rows == 0) return Status::Ok();
  if (plan_.order_by.empty()) {
    if (plan_.limit) rows = static_cast<size_t>(std::min<uint64_t>(rows, *plan_.limit - std::min(*plan_.limit, accepted_)));
    for (size_t i = 0; i < columns.size(); ++i) AppendRows(columns[i], 0, rows, &buffer_[i]);
    accepted_ += rows;
    return Flush(false);
  }
  for (size_t i = 0; i < columns.size(); ++i) AppendRows(columns[i], 0, rows, &buffer_[i]);
  size_t buffered = buffer_[0].size();
  if (plan_.limit && buffered >= std::max<uint64_t>(2 * *plan_.limit, 65536)) {
    RETURN_IF_ERROR(Compact());
  }
  return budget_.Set(&buffer_account_, ByteSize(buffer_),
                     "ORDER BY holding " + std::to_string(buffer_[0].size()) + " rows");
}

Status ResultWriter::Compact() {
  std::vector<const ColumnVector*> pointers;
  for (const auto& column : buffer_) pointers.push_back(&column);
  std::vector<SortKey> keys;
  for (const auto& key : plan_.order_by) keys.push_back(SortKey{key.output, key.descending});
  size_t limit = plan_.limit ? static_cast<size_t>(std::min<uint64_t>(*plan_.limit, SIZE_MAX))
                             : SIZE_MAX;
  std::vector<uint32_t> order = SortRows(pointers, keys, buffer_[0].size(), limit);
  PermuteColumns(order, &buffer_);
  return Status::Ok();
}

Status ResultWriter::Flush(bool everything) {
  size_t buffered = buffer_.empty() ? 0 : buffer_[0].size();
  size_t first = 0;
  while (buffered - first >= batch_rows_ || (everything && first < buffered)) {
    size_t count = std::min(batch_rows_, buffered - first);
    std::vector<ColumnVector> batch;
    for (size_t i = 0; i < buffer_.size(); ++i) {
      if (plan_.outputs[i].hidden) continue;
      ColumnVector column(buffer_[i].type());
      AppendRows(buffer_[i], first, count, &column);
      batch.push_back(std::move(column));
    }
    RETURN_IF_ERROR(sink_.Write(batch));
    rows_returned_ += count;
    first += count;
  }
  if (first > 0) {
    for (auto& column : buffer_) {
      ColumnVector rest(column.type());
      AppendRows(column, first, buffered - first, &rest);
      column = std::move(rest);
    }
  }
  return Status::Ok();
}

Status ResultWriter::Finish() {
  if (!plan_.order_by.empty() && !buffer_.empty() && buffer_[0].size() > 0) {
    RETURN_IF_ERROR(Compact());
  }
  RETURN_IF_ERROR(Flush(true));
  return budget_.Set(&buffer_account_, 0, "ORDER BY");
}

}  // namespace backtrace::query
