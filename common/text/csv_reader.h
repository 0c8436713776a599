// CsvReader: reads CSV text (a file, a pipe, stdin, memory) into column
// batches for a known set of target columns, e.g. a table's schema. The text
// format is specified in docs/csv_format.md.
//
// The first non-empty line is a header naming the columns in any order;
// every target column must appear in it exactly once and nothing else may.
// Then each ReadBatch call fills one ColumnVector per target column (in
// target order) with the next rows. Values are parsed in place in a reused
// read buffer: there is no allocation per row or per field (ColumnVectors
// grow amortised, and keep their capacity from batch to batch).
//
// A bad line (wrong field count, malformed quoting, a value its column's type
// cannot hold, a string over kMaxStringBytes) ends the reading with an error
// such as `line 123: column "qty": "abc" is not an int64` — line numbers are
// physical, 1-based, the header included. With skip_bad_lines such lines are
// skipped and counted instead; a batch never holds part of a bad row.
//
// The reader owns its ByteSource. Not synchronised: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "common/schema/column_type.h"
#include "common/schema/column_vector.h"
#include "common/text/byte_source.h"
#include "common/text/csv_tokenizer.h"

namespace backtrace {

struct CsvReaderOptions {
  // Skip bad lines (counting them) instead of stopping at the first one.
  bool skip_bad_lines = false;
  // Bytes asked of the source per read. Small values are for tests.
  size_t read_bytes = 1 << 20;
  // How many bad-line messages bad_line_reasons() keeps.
  size_t kept_reasons = 10;
};

class CsvReader {
 public:
  // Target columns: names and types, in the order ReadBatch fills them.
  using Columns = std::vector<std::pair<std::string, ColumnType>>;

  // Reads the header from `source`. Errors (InvalidArgument unless the
  // source failed): an empty target list or a repeated target name; empty
  // input; a malformed header line; an unknown, repeated or missing column
  // (the message names them); a source read error as the source reported it.
  [[nodiscard]] static Result<CsvReader> Open(Columns columns,
                                              std::unique_ptr<ByteSource> source,
                                              CsvReaderOptions options = {});

  CsvReader(CsvReader&&) noexcept = default;
  CsvReader& operator=(CsvReader&&) noexcept = default;
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Clears *columns (keeping their capacity; a vector of the wrong shape is
  // rebuilt with one ColumnVector per target column) and appends up to
  // max_rows (> 0) rows. Returns the number of rows, 0 only at the end of the
  // input. A bad line (without skip_bad_lines), a record longer than
  // max_record_bytes() or a source error is reported once the rows before it
  // have been returned: the call that meets it returns those rows, and it and
  // every later call return the error.
  [[nodiscard]] Result<size_t> ReadBatch(size_t max_rows, std::vector<ColumnVector>* columns);

  // Bytes of input consumed so far (through the last row, skipped line or
  // header read), for progress reports.
  uint64_t bytes_consumed() const { return bytes_before_buffer_ + position_; }
  // Physical lines consumed so far, the header's included.
  uint64_t lines_consumed() const { return next_line_ - 1; }
  uint64_t rows_read() const { return rows_read_; }
  // Bad lines skipped (only with skip_bad_lines) and the first
  // options.kept_reasons of their messages.
  uint64_t bad_lines() const { return bad_lines_; }
  const std::vector<std::string>& bad_line_reasons() const { return bad_line_reasons_; }
  // The longest record accepted: enough for every field at its longest, fully
  // quoted, with room to spare (capped at 1 GiB). A longer one (an unterminated quote, usually)
  // stops reading even with skip_bad_lines.
  size_t max_record_bytes() const { return max_record_bytes_; }

 private:
  // Why a record could not become a row (see FailureMessage).
  struct Failure {
    enum Kind { kNone, kStructure, kFieldCount, kValue, kValueOutOfRange, kStringTooLong };
    Kind kind = kNone;
    size_t field = 0;  // index in the header
  };

  // Where header field i's values go in the batch being filled.
  struct Sink {
    ColumnType type = ColumnType::kInt64;
    std::vector<int64_t>* int64s = nullptr;  // kInt64 and kTimestamp
    std::vector<uint64_t>* uint64s = nullptr;
    std::vector<double>* float64s = nullptr;
    StringValues* strings = nullptr;
  };

  CsvReader(Columns columns, std::unique_ptr<ByteSource> source, CsvReaderOptions options);

  Status ReadHeader();
  // Scans the next record, reading more input as needed.
  Result<CsvScan> ScanNext();
  Status Refill();
  void PrepareBatch(std::vector<ColumnVector>* columns);
  // Appends record_ to the sinks; on failure appends nothing.
  Failure Convert();
  // Removes the last value of the sinks of header fields [0, count).
  void RemoveLastValues(size_t count);
  // True when a string column is too full for another record (offsets are
  // 32-bit).
  bool StringsNearlyFull() const;
  std::string FailureMessage(const Failure& failure, uint64_t line) const;
  std::string ColumnLabel(size_t field) const;

  Columns columns_;
  std::unique_ptr<ByteSource> source_;
  CsvReaderOptions options_;
  size_t max_record_bytes_ = 0;

  // target_of_field_[i]: the target column that header field i fills.
  std::vector<size_t> target_of_field_;
  std::vector<Sink> sinks_;  // by header field, for the batch being filled
  std::vector<const StringValues*> string_sinks_;

  // buffer_[position_, end_) is unread input; buffer_[end_] is kCsvSentinel
  // and kCsvPadding bytes from end_ on are readable.
  std::vector<char> buffer_;
  size_t position_ = 0;
  size_t end_ = 0;
  bool at_end_ = false;
  uint64_t bytes_before_buffer_ = 0;  // input bytes discarded from the buffer

  CsvRecord record_;
  uint64_t next_line_ = 1;  // physical line number where the next record starts
  uint64_t rows_read_ = 0;
  uint64_t bad_lines_ = 0;
  std::vector<std::string> bad_line_reasons_;
  Status stop_;  // the error that ended reading, returned by every later call
};

}  // namespace backtrace
