// CSV record scanning (RFC 4180): finds where one record of a CSV text ends
// and where each of its fields lies, without copying or allocating (the
// field list is a reused vector). Values are not interpreted here; see
// CsvReader for that.
//
// Grammar: fields are separated by ',' and records end at LF or CRLF (or at
// the end of the input). A field that starts with '"' is quoted: it runs to
// the next '"' that is not doubled, may hold ',', CR and LF, and "" in it
// stands for one '"'. A line that is empty (nothing before its LF or CRLF) is
// not a record.
//
// Malformed records are still delimited, so that a caller can skip them and
// go on: a '"' inside an unquoted field is taken literally, text after a
// closing quote runs to the next ',' or line end, a CR not followed by LF is
// taken literally; each is reported as the record's problem.
//
// Pure functions over caller-owned memory; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace backtrace {

struct CsvField {
  const char* data = nullptr;  // the field's text, without enclosing quotes
  uint32_t size = 0;
  bool quoted = false;
  bool has_escaped_quotes = false;  // data holds "" pairs that stand for '"'
};

enum class CsvProblem : uint8_t {
  kNone,
  kQuoteInUnquotedField,
  kTextAfterClosingQuote,
  kLoneCarriageReturn,
  kUnterminatedQuote,  // the input ended inside a quoted field
};

struct CsvRecord {
  std::vector<CsvField> fields;
  size_t bytes = 0;           // the record's length, line end included
  uint32_t inner_newlines = 0;  // LFs inside quoted fields (extra physical lines)
  CsvProblem problem = CsvProblem::kNone;  // the first problem found
  size_t problem_field = 0;   // index of the field that has it
};

enum class CsvScan : uint8_t {
  kRecord,     // *record describes one record of record->bytes bytes
  kEmptyLine,  // an empty line of record->bytes bytes (1 or 2)
  kNeedMore,   // the text ends inside the record: supply more and scan again
  kEnd,        // no text and no more to come
};

// The byte that must follow the scanned text in memory (at data[size]); it
// stops the inner loops without a bounds check.
inline constexpr char kCsvSentinel = '\n';
// How many bytes from data[size] on must be readable: the scanner reads
// unquoted fields 16 bytes at a time.
inline constexpr size_t kCsvPadding = 16;

// Scans the record at the start of data[0, size). data[size, size +
// kCsvPadding) must be readable, data[size] holding kCsvSentinel. `at_end` says that no text follows
// data[size - 1]; then a record may end without a line end. A caller must
// callers bound a record's length well below 4 GiB (field sizes are 32-bit).
CsvScan ScanCsvRecord(const char* data, size_t size, bool at_end, CsvRecord* record);

}  // namespace backtrace
