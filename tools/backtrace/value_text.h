// How `backtrace query` writes one value of a result as text, in each
// output format (docs/cli.md, "query"):
//
// - Numbers: integers in decimal; floats in the shortest form that reads
//   back as the same double (std::to_chars), "nan", "inf", "-inf".
// - Timestamps: in tables ISO 8601 UTC, "2024-01-02T03:04:05Z", with the
//   fraction of the second given in 3, 6 or 9 digits, the fewest that show
//   it exactly (".120Z", ".123456Z", ".000000001Z"), none when it is zero;
//   in CSV and JSON the integer nanoseconds since the epoch, which
//   `backtrace ingest` reads back as well.
// - Table cells: strings with control characters written as escapes (\n,
//   \t, \r, \\x1f...) so that each row stays on one line.
// - CSV fields (RFC 4180): quoted when they hold ',', '"', CR or LF (with
//   '"' doubled), or when asked (an empty field that would make an empty,
//   skipped line).
// - JSON: strings escaped per RFC 8259; bytes that are not UTF-8 become
//   U+FFFD; NaN and infinities, which JSON cannot hold, become null.
//
// Pure functions that append to a caller's string; callable from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/schema/column_vector.h"

namespace backtrace::cli {

enum class TextStyle { kTable, kCsv, kJson };

// Appends the value of `row` of `column` in `style`. For kCsv,
// `quote_empty` quotes an empty string field.
void AppendValue(const ColumnVector& column, size_t row, TextStyle style, std::string* out,
                 bool quote_empty = false);

// The pieces AppendValue is made of.
void AppendFloat(double value, std::string* out);
void AppendTrimmedTimestamp(int64_t nanos, std::string* out);
void AppendTableString(std::string_view value, std::string* out);
void AppendCsvField(std::string_view value, std::string* out, bool quote_empty = false);
void AppendJsonString(std::string_view value, std::string* out);

// Characters a terminal shows for `text`: UTF-8 code points (bytes that do
// not continue a sequence), a fair estimate for aligning columns.
size_t DisplayWidth(std::string_view text);

// True for numeric column types (right-aligned in a table).
bool IsNumeric(ColumnType type);

}  // namespace backtrace::cli
