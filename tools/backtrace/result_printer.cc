#include "tools/backtrace/result_printer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tools/backtrace/value_text.h"

namespace backtrace::cli {
namespace {

// Text is gathered in a buffer and written once per batch (or when it grows
// past this), so that output streams without a write per value.
constexpr size_t kFlushBytes = size_t{1} << 20;

class PrinterBase : public ResultPrinter {
 public:
  PrinterBase(std::FILE* stream, std::string stream_name)
      : stream_(stream), stream_name_(std::move(stream_name)) {}

 protected:
  Status Flush() {
    if (!buffer_.empty() &&
        std::fwrite(buffer_.data(), 1, buffer_.size(), stream_) != buffer_.size()) {
      return Status::FromErrno(errno, "writing " + stream_name_);
    }
    buffer_.clear();
    if (std::fflush(stream_) != 0) return Status::FromErrno(errno, "writing " + stream_name_);
    return Status::Ok();
  }
  Status FlushIfLarge() { return buffer_.size() >= kFlushBytes ? Flush() : Status::Ok(); }

  std::string buffer_;

 private:
  std::FILE* stream_;
  std::string stream_name_;
};

class CsvPrinter : public PrinterBase {
 public:
  using PrinterBase::PrinterBase;

  Status Begin(const std::vector<wire::ResultColumn>& columns) override {
    // A one-column row holding an empty string would be an empty line,
    // which CSV readers skip: quote it.
    quote_empty_ = columns.size() == 1;
    for (size_t index = 0; index < columns.size(); ++index) {
      if (index > 0) buffer_.push_back(',');
      AppendCsvField(columns[index].name, &buffer_);
    }
    buffer_.push_back('\n');
    return Flush();
  }

  Status Write(const std::vector<ColumnVector>& columns, size_t rows) override {
    for (size_t row = 0; row < rows; ++row) {
      for (size_t index = 0; index < columns.size(); ++index) {
        if (index > 0) buffer_.push_back(',');
        AppendValue(columns[index], row, TextStyle::kCsv, &buffer_, quote_empty_);
      }
      buffer_.push_back('\n');
      RETURN_IF_ERROR(FlushIfLarge());
    }
    return Flush();
  }

  Status Finish() override { return Flush(); }

 private:
  bool quote_empty_ = false;
};

class JsonPrinter : public PrinterBase {
 public:
  using PrinterBase::PrinterBase;

  Status Begin(const std::vector<wire::ResultColumn>& columns) override {
    for (const auto& column : columns) {
      std::string key;
      AppendJsonString(column.name, &key);
      key.push_back(':');
      keys_.push_back(std::move(key));
    }
    return Status::Ok();
  }

  Status Write(const std::vector<ColumnVector>& columns, size_t rows) override {
    for (size_t row = 0; row < rows; ++row) {
      buffer_.push_back('{');
      for (size_t index = 0; index < columns.size(); ++index) {
        if (index > 0) buffer_.push_back(',');
        buffer_.append(keys_[index]);
        AppendValue(columns[index], row, TextStyle::kJson, &buffer_);
      }
      buffer_.append("}\n");
      RETURN_IF_ERROR(FlushIfLarge());
    }
    return Flush();
  }

  Status Finish() override { return Flush(); }

 private:
  std::vector<std::string> keys_;
};

// Aligned columns in the manner of psql: a centred header, a rule, one line
// per row with " | " between cells, numbers right-aligned, and "(N rows)".
class TablePrinter : public PrinterBase {
 public:
  TablePrinter(const PrinterOptions& options, std::FILE* stream, std::string stream_name)
      : PrinterBase(stream, std::move(stream_name)), options_(options) {}

  Status Begin(const std::vector<wire::ResultColumn>& columns) override {
    columns_ = columns;
    plain_ = options_.plain && columns.size() == 1;
    for (const auto& column : columns) widths_.push_back(DisplayWidth(column.name));
    return Status::Ok();
  }

  Status Write(const std::vector<ColumnVector>& columns, size_t rows) override {
    total_rows_ += rows;
    if (plain_) {
      for (size_t row = 0; row < rows; ++row) {
        buffer_.append(columns[0].strings().at(row));
        buffer_.push_back('\n');
        RETURN_IF_ERROR(FlushIfLarge());
      }
      return Flush();
    }
    std::vector<std::string> cells(columns.size());
    for (size_t row = 0; row < rows; ++row) {
      for (size_t index = 0; index < columns.size(); ++index) {
        cells[index].clear();
        AppendValue(columns[index], row, TextStyle::kTable, &cells[index]);
      }
      if (header_written_) {
        AppendRow(cells);
        RETURN_IF_ERROR(FlushIfLarge());
        continue;
      }
      for (size_t index = 0; index < cells.size(); ++index) {
        widths_[index] = std::max(widths_[index], DisplayWidth(cells[index]));
      }
      held_.push_back(cells);
      if (held_.size() >= options_.table_sample_rows) RETURN_IF_ERROR(WriteHeld());
    }
    return header_written_ ? Flush() : Status::Ok();
  }

  Status Finish() override {
    if (plain_) return Flush();
    if (!header_written_) RETURN_IF_ERROR(WriteHeld());
    buffer_.append(total_rows_ == 1 ? "(1 row)\n" : "(" + std::to_string(total_rows_) + " rows)\n");
    return Flush();
  }

 private:
  // Appends `text` padded to the column's width: centred (header), right-
  // aligned (numbers) or left-aligned; the last cell gets no trailing spaces.
  enum class Align { kLeft, kRight, kCentre };
  void AppendCell(size_t index, std::string_view text, Align align) {
    bool last = index + 1 == columns_.size();
    size_t width = DisplayWidth(text);
    size_t padding = widths_[index] > width ? widths_[index] - width : 0;
    size_t before = align == Align::kRight ? padding : align == Align::kCentre ? padding / 2 : 0;
    size_t after = padding - before;
    buffer_.append(index == 0 ? " " : " | ");
    buffer_.append(before, ' ');
    buffer_.append(text);
    if (!last) buffer_.append(after, ' ');
  }

  void AppendRow(const std::vector<std::string>& cells) {
    for (size_t index = 0; index < cells.size(); ++index) {
      AppendCell(index, cells[index],
                 IsNumeric(columns_[index].type) ? Align::kRight : Align::kLeft);
    }
    buffer_.push_back('\n');
  }

  Status WriteHeld() {
    for (size_t index = 0; index < columns_.size(); ++index) {
      AppendCell(index, columns_[index].name, Align::kCentre);
    }
    buffer_.push_back('\n');
    for (size_t index = 0; index < columns_.size(); ++index) {
      if (index > 0) buffer_.push_back('+');
      buffer_.append(widths_[index] + 2, '-');
    }
    buffer_.push_back('\n');
    header_written_ = true;
    for (const auto& cells : held_) {
      AppendRow(cells);
      RETURN_IF_ERROR(FlushIfLarge());
    }
    held_.clear();
    held_.shrink_to_fit();
    return Flush();
  }

  PrinterOptions options_;
  std::vector<wire::ResultColumn> columns_;
  std::vector<size_t> widths_;
  std::vector<std::vector<std::string>> held_;
  bool plain_ = false;
  bool header_written_ = false;
  uint64_t total_rows_ = 0;
};

}  // namespace

std::unique_ptr<ResultPrinter> MakeResultPrinter(const PrinterOptions& options, std::FILE* stream,
                                                 std::string stream_name) {
  switch (options.format) {
    case OutputFormat::kTable:
      return std::make_unique<TablePrinter>(options, stream, std::move(stream_name));
    case OutputFormat::kJson:
      return std::make_unique<JsonPrinter>(stream, std::move(stream_name));
    case OutputFormat::kCsv:
      break;
  }
  return std::make_unique<CsvPrinter>(stream, std::move(stream_name));
}

}  // namespace backtrace::cli
