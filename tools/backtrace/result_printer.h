// ResultPrinter: writes a query result to standard output (or any stdio
// stream) batch by batch, as an aligned table, CSV or JSON Lines (the
// formats are specified in docs/cli.md, "query"; values are written by
// value_text.h).
//
// Printers stream: CSV and JSON write each batch before the next one is
// read; the table keeps at most table_sample_rows rows to size its columns,
// prints them, and writes the rows after them with those widths (a longer
// value then overflows its column instead of realigning the table).
//
// The printer borrows its stream; used by one thread.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/schema/column_vector.h"
#include "common/wire/query_messages.h"

namespace backtrace::cli {

enum class OutputFormat { kTable, kCsv, kJson };

struct PrinterOptions {
  OutputFormat format = OutputFormat::kCsv;
  // Table format only: print the rows of a one-column result as plain
  // lines, without header, rules or row count (for EXPLAIN).
  bool plain = false;
  // Table format: rows used to choose the column widths.
  size_t table_sample_rows = 1000;
};

class ResultPrinter {
 public:
  virtual ~ResultPrinter() = default;
  // Each call returns kIoError naming the stream if writing to it failed.
  [[nodiscard]] virtual Status Begin(const std::vector<wire::ResultColumn>& columns) = 0;
  [[nodiscard]] virtual Status Write(const std::vector<ColumnVector>& columns, size_t rows) = 0;
  // The result is complete: writes what is held back and any footer.
  [[nodiscard]] virtual Status Finish() = 0;
};

// `stream_name` names the stream in error messages ("standard output").
std::unique_ptr<ResultPrinter> MakeResultPrinter(const PrinterOptions& options, std::FILE* stream,
                                                 std::string stream_name);

}  // namespace backtrace::cli
