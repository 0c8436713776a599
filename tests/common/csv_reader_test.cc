#include "common/text/csv_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/text/byte_source.h"
#include "common/text/timestamp_format.h"

namespace backtrace {
namespace {

const CsvReader::Columns kOrders = {{"ts", ColumnType::kTimestamp},
                                    {"symbol", ColumnType::kString},
                                    {"price", ColumnType::kFloat64},
                                    {"qty", ColumnType::kInt64}};

Result<CsvReader> Open(const std::string& csv, const CsvReader::Columns& columns,
                       CsvReaderOptions options = {}) {
  return CsvReader::Open(columns, std::make_unique<StringByteSource>(csv), options);
}

// Everything a reader produced: all rows, appended from every batch.
struct Outcome {
  Status status;  // the error that ended reading, if any
  std::vector<ColumnVector> columns;
  size_t rows = 0;
  uint64_t bad_lines = 0;
  std::vector<std::string> reasons;
  uint64_t bytes_consumed = 0;
  uint64_t lines_consumed = 0;

  std::vector<Value> Column(size_t index) const {
    std::vector<Value> values;
    for (size_t row = 0; row < columns[index].size(); ++row) {
      values.push_back(columns[index].ValueAt(row));
    }
    return values;
  }
};

Outcome ReadAll(const std::string& csv, const CsvReader::Columns& columns,
                CsvReaderOptions options = {}, size_t batch_rows = 1000) {
  Outcome outcome;
  for (const auto& column : columns) outcome.columns.emplace_back(column.second);
  Result<CsvReader> reader = Open(csv, columns, options);
  if (!reader.ok()) {
    outcome.status = reader.status();
    return outcome;
  }
  std::vector<ColumnVector> batch;
  while (true) {
    Result<size_t> rows = reader->ReadBatch(batch_rows, &batch);
    if (!rows.ok()) {
      outcome.status = rows.status();
      break;
    }
    if (*rows == 0) break;
    EXPECT_LE(*rows, batch_rows);
    for (size_t c = 0; c < columns.size(); ++c) {
      EXPECT_EQ(batch[c].size(), *rows);
      for (size_t row = 0; row < *rows; ++row) outcome.columns[c].Append(batch[c].ValueAt(row));
    }
    outcome.rows += *rows;
  }
  outcome.bad_lines = reader->bad_lines();
  outcome.reasons = reader->bad_line_reasons();
  outcome.bytes_consumed = reader->bytes_consumed();
  outcome.lines_consumed = reader->lines_consumed();
  EXPECT_EQ(reader->rows_read(), outcome.rows);
  return outcome;
}

std::string OpenError(const std::string& csv, const CsvReader::Columns& columns = kOrders) {
  Result<CsvReader> reader = Open(csv, columns);
  EXPECT_FALSE(reader.ok()) << csv;
  return reader.ok() ? "" : reader.status().message();
}

// The error that reading `csv` ends with (after any good rows).
std::string ReadError(const std::string& csv, const CsvReader::Columns& columns = kOrders) {
  Outcome outcome = ReadAll(csv, columns);
  EXPECT_FALSE(outcome.status.ok()) << csv;
  EXPECT_EQ(outcome.status.code(), StatusCode::kInvalidArgument);
  return outcome.status.message();
}

std::vector<Value> Strings(std::initializer_list<const char*> texts) {
  std::vector<Value> values;
  for (const char* text : texts) values.push_back(std::string(text));
  return values;
}

TEST(CsvReader, HeaderInAnyOrderFillsColumnsInTargetOrder) {
  Outcome outcome = ReadAll(
      "qty,price,symbol,ts\n"
      "100,1.25,AAPL,1704153600000000000\n"
      "-7,2,MSFT,2024-01-02T00:00:01Z\n",
      kOrders);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  ASSERT_EQ(outcome.rows, 2u);
  EXPECT_EQ(outcome.Column(0), (std::vector<Value>{int64_t{1'704'153'600'000'000'000},
                                                   int64_t{1'704'153'601'000'000'000}}));
  EXPECT_EQ(outcome.Column(1), Strings({"AAPL", "MSFT"}));
  EXPECT_EQ(outcome.Column(2), (std::vector<Value>{1.25, 2.0}));
  EXPECT_EQ(outcome.Column(3), (std::vector<Value>{int64_t{100}, int64_t{-7}}));
}

TEST(CsvReader, MissingHeaderColumnIsNamed) {
  EXPECT_EQ(OpenError("ts,symbol,qty\n1,A,1\n"),
            "CSV header (line 1): missing column \"price\" (the columns are ts, symbol, price, qty)");
  EXPECT_EQ(OpenError("ts\n"),
            "CSV header (line 1): missing column \"symbol\", \"price\", \"qty\" (the columns are "
            "ts, symbol, price, qty)");
}

TEST(CsvReader, DuplicateHeaderColumnIsNamed) {
  EXPECT_EQ(OpenError("ts,symbol,price,qty,price\n"),
            "CSV header (line 1): column \"price\" appears more than once");
}

TEST(CsvReader, UnknownHeaderColumnIsNamed) {
  EXPECT_EQ(OpenError("ts,symbol,price,qty,venue\n"),
            "CSV header (line 1): unknown column \"venue\" (the columns are ts, symbol, price, qty)");
  // Names are matched exactly: no trimming, no case folding.
  EXPECT_EQ(OpenError("ts, symbol,price,QTY\n"),
            "CSV header (line 1): unknown column \" symbol\", \"QTY\" (the columns are ts, "
            "symbol, price, qty)");
}

TEST(CsvReader, QuotedHeaderNamesAndByteOrderMarkAreAccepted) {
  CsvReader::Columns columns = {{"a,b", ColumnType::kInt64}, {"say \"hi\"", ColumnType::kString}};
  Outcome outcome = ReadAll("\xEF\xBB\xBF\"a,b\",\"say \"\"hi\"\"\"\n1,x\n", columns);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_EQ(outcome.Column(0), (std::vector<Value>{int64_t{1}}));
  EXPECT_EQ(outcome.Column(1), Strings({"x"}));
}

TEST(CsvReader, MalformedHeaderIsAnError) {
  EXPECT_EQ(OpenError("ts,sym\"bol,price,qty\n"),
            "CSV header (line 1): a quote inside an unquoted field (quote the whole field and "
            "double the quote) in field 2");
}

TEST(CsvReader, EmptyInputIsAnError) {
  EXPECT_EQ(OpenError(""),
            "empty CSV input: expected a header line naming the columns ts, symbol, price, qty");
  EXPECT_EQ(OpenError("\n\r\n\n"),
            "empty CSV input: expected a header line naming the columns ts, symbol, price, qty");
}

TEST(CsvReader, HeaderOnlyGivesNoRows) {
  for (const char* csv : {"ts,symbol,price,qty", "ts,symbol,price,qty\n", "ts,symbol,price,qty\r\n\n"}) {
    Outcome outcome = ReadAll(csv, kOrders);
    EXPECT_TRUE(outcome.status.ok()) << outcome.status.ToString();
    EXPECT_EQ(outcome.rows, 0u);
    EXPECT_EQ(outcome.bytes_consumed, std::string(csv).size());
  }
}

TEST(CsvReader, OpenRejectsBadTargetColumns) {
  EXPECT_FALSE(Open("a\n", {}).ok());
  Result<CsvReader> repeated = Open("a\n", {{"a", ColumnType::kInt64}, {"a", ColumnType::kString}});
  ASSERT_FALSE(repeated.ok());
  EXPECT_EQ(repeated.status().message(), "CSV reader: target column \"a\" is listed twice");
}

TEST(CsvReader, QuotedFieldsHoldSeparatorsQuotesAndNewlines) {
  CsvReader::Columns columns = {{"id", ColumnType::kInt64}, {"text", ColumnType::kString}};
  Outcome outcome = ReadAll(
      "id,text\n"
      "1,\"a,b\"\n"
      "2,\"say \"\"hi\"\"\"\n"
      "3,\"two\nlines\"\n"
      "4,\"\"\n"
      "5,\n"
      "6,\"\"\"\"\n"
      "\"7\",\"crlf\r\ninside\"\n"
      "8,plain text with spaces \n",
      columns);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_EQ(outcome.Column(1), Strings({"a,b", "say \"hi\"", "two\nlines", "", "", "\"",
                                        "crlf\r\ninside", "plain text with spaces "}));
  EXPECT_EQ(outcome.Column(0).size(), 8u);
  EXPECT_EQ(outcome.lines_consumed, 11u);
}

TEST(CsvReader, LineNumbersCountNewlinesInsideQuotes) {
  CsvReader::Columns columns = {{"id", ColumnType::kInt64}, {"text", ColumnType::kString}};
  EXPECT_EQ(ReadError("id,text\n1,\"a\nb\nc\"\n\n2,x\nbad,y\n", columns),
            "line 7: column \"id\": \"bad\" is not an int64");
}

TEST(CsvReader, CrlfLineEnds) {
  Outcome outcome = ReadAll("ts,symbol,price,qty\r\n1,A,1.5,2\r\n3,\"B\",4.5,6\r\n", kOrders);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_EQ(outcome.Column(1), Strings({"A", "B"}));
  EXPECT_EQ(outcome.Column(3), (std::vector<Value>{int64_t{2}, int64_t{6}}));
}

TEST(CsvReader, LastLineWithoutNewline) {
  for (const char* csv : {"ts,symbol,price,qty\n1,A,1.5,2", "ts,symbol,price,qty\r\n1,A,1.5,2\r",
                          "ts,symbol,price,qty\n1,\"A\",1.5,\"2\""}) {
    Outcome outcome = ReadAll(csv, kOrders);
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
    EXPECT_EQ(outcome.Column(1), Strings({"A"})) << csv;
    EXPECT_EQ(outcome.Column(3), (std::vector<Value>{int64_t{2}})) << csv;
    EXPECT_EQ(outcome.bytes_consumed, std::string(csv).size());
  }
}

TEST(CsvReader, EmptyLinesAreSkipped) {
  Outcome outcome = ReadAll("\nts,symbol,price,qty\n\n1,A,1,1\r\n\r\n\n2,B,2,2\n\n", kOrders);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_EQ(outcome.Column(1), Strings({"A", "B"}));
  EXPECT_EQ(outcome.lines_consumed, 8u);
}

TEST(CsvReader, EveryFieldFormEachType) {
  CsvReader::Columns columns = {{"i", ColumnType::kInt64},
                                {"u", ColumnType::kUInt64},
                                {"f", ColumnType::kFloat64},
                                {"t", ColumnType::kTimestamp}};
  Outcome outcome = ReadAll(
      "i,u,f,t\n"
      "-9223372036854775808,0,-0.5,-1\n"
      "9223372036854775807,18446744073709551615,1e300,2024-01-02 00:00:00.123\n"
      "0,7,inf,2024-01-02T00:00:00+01:00\n"
      "007,007,-Infinity,1970-01-01\n"
      "1,1,.5,0\n",
      columns);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_EQ(outcome.Column(0),
            (std::vector<Value>{std::numeric_limits<int64_t>::min(),
                                std::numeric_limits<int64_t>::max(), int64_t{0}, int64_t{7},
                                int64_t{1}}));
  EXPECT_EQ(outcome.Column(1), (std::vector<Value>{uint64_t{0}, ~uint64_t{0}, uint64_t{7},
                                                   uint64_t{7}, uint64_t{1}}));
  EXPECT_EQ(outcome.Column(2),
            (std::vector<Value>{-0.5, 1e300, std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity(), 0.5}));
  EXPECT_EQ(outcome.Column(3),
            (std::vector<Value>{int64_t{-1}, int64_t{1'704'153'600'123'000'000},
                                int64_t{1'704'150'000'000'000'000}, int64_t{0}, int64_t{0}}));
}

TEST(CsvReader, NanIsAFloat) {
  Outcome outcome = ReadAll("f\nnan\nNaN\n", {{"f", ColumnType::kFloat64}});
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  ASSERT_EQ(outcome.rows, 2u);
  EXPECT_TRUE(std::isnan(outcome.columns[0].float64s()[0]));
  EXPECT_TRUE(std::isnan(outcome.columns[0].float64s()[1]));
}

TEST(CsvReader, BadInt64IsReportedWithLineAndColumn) {
  const std::string head = "ts,symbol,price,qty\n1,A,1,1\n";
  EXPECT_EQ(ReadError(head + "2,B,2,abc\n"), "line 3: column \"qty\": \"abc\" is not an int64");
  EXPECT_EQ(ReadError(head + "2,B,2,1.5\n"), "line 3: column \"qty\": \"1.5\" is not an int64");
  EXPECT_EQ(ReadError(head + "2,B,2,\n"), "line 3: column \"qty\": \"\" is not an int64");
  EXPECT_EQ(ReadError(head + "2,B,2,+1\n"), "line 3: column \"qty\": \"+1\" is not an int64");
  EXPECT_EQ(ReadError(head + "2,B,2, 1\n"), "line 3: column \"qty\": \" 1\" is not an int64");
  EXPECT_EQ(ReadError(head + "2,B,2,9223372036854775808\n"),
            "line 3: column \"qty\": \"9223372036854775808\" is out of range for int64");
}

TEST(CsvReader, BadUInt64IsReported) {
  CsvReader::Columns columns = {{"u", ColumnType::kUInt64}};
  EXPECT_EQ(ReadError("u\n1\n-1\n", columns), "line 3: column \"u\": \"-1\" is not a uint64");
  EXPECT_EQ(ReadError("u\n18446744073709551616\n", columns),
            "line 2: column \"u\": \"18446744073709551616\" is out of range for uint64");
}

TEST(CsvReader, BadFloat64IsReported) {
  const std::string head = "ts,symbol,price,qty\n";
  EXPECT_EQ(ReadError(head + "1,A,1.2.3,1\n"), "line 2: column \"price\": \"1.2.3\" is not a float64");
  EXPECT_EQ(ReadError(head + "1,A,1e,1\n"), "line 2: column \"price\": \"1e\" is not a float64");
  EXPECT_EQ(ReadError(head + "1,A,0x10,1\n"), "line 2: column \"price\": \"0x10\" is not a float64");
  EXPECT_EQ(ReadError(head + "1,A,1e999,1\n"),
            "line 2: column \"price\": \"1e999\" is out of range for float64");
}

TEST(CsvReader, BadTimestampIsReportedWithTheReason) {
  const std::string head = "ts,symbol,price,qty\n";
  EXPECT_EQ(ReadError(head + "2024-13-01,A,1,1\n"),
            "line 2: column \"ts\": \"2024-13-01\" is not a timestamp: month 13 is not in 01..12");
  EXPECT_EQ(ReadError(head + "9223372036854775808,A,1,1\n"),
            "line 2: column \"ts\": \"9223372036854775808\" is not a timestamp: out of range "
            "(timestamps span 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z)");
  EXPECT_EQ(ReadError(head + "x\ty,A,1,1\n"),
            "line 2: column \"ts\": \"x\\ty\" is not a timestamp: expected a digit at offset 0, "
            "found 'x'");
}

TEST(CsvReader, LongBadValuesAreCutInMessages) {
  const std::string value(100, '9');
  EXPECT_EQ(ReadError("ts,symbol,price,qty\n1,A,1," + value + "x\n"),
            "line 2: column \"qty\": \"" + std::string(60, '9') + "...\" (101 bytes) is not an int64");
}

TEST(CsvReader, WrongFieldCountIsReported) {
  const std::string head = "ts,symbol,price,qty\n";
  EXPECT_EQ(ReadError(head + "1,A,1\n"), "line 2: expected 4 fields, found 3");
  EXPECT_EQ(ReadError(head + "1,A,1,1,\n"), "line 2: expected 4 fields, found 5");
}

TEST(CsvReader, MalformedQuotingIsReported) {
  const std::string head = "ts,symbol,price,qty\n";
  EXPECT_EQ(ReadError(head + "1,A\"B,1,1\n"),
            "line 2: column \"symbol\": a quote inside an unquoted field (quote the whole field "
            "and double the quote)");
  EXPECT_EQ(ReadError(head + "1,\"A\"B,1,1\n"),
            "line 2: column \"symbol\": text after the closing quote of a field");
  EXPECT_EQ(ReadError(head + "1,A\rB,1,1\n"),
            "line 2: column \"symbol\": a carriage return not followed by a line feed");
  EXPECT_EQ(ReadError(head + "1,A,1,1\n2,\"B,1,1\n3,C,1,1\n"),
            "line 3: column \"symbol\": a quoted field is not closed before the end of the input");
  EXPECT_EQ(ReadError(head + "1,A,1,1,\"x\"y\n"),
            "line 2: field 5: text after the closing quote of a field");
}

TEST(CsvReader, EveryReadBoundaryGivesTheSameRows) {
  // Reads of every size from 1 byte up put a read boundary at every position
  // of every field, quote, escape and line end.
  CsvReader::Columns columns = {{"id", ColumnType::kInt64},
                                {"text", ColumnType::kString},
                                {"when", ColumnType::kTimestamp},
                                {"price", ColumnType::kFloat64}};
  const std::string csv =
      "\xEF\xBB\xBFprice,\"id\",text,when\r\n"
      "1.5,1,plain,1704153600000000000\r\n"
      "\r\n"
      "-2.25,22,\"with, comma\",2024-01-02T00:00:00.123456789Z\n"
      "3e10,333,\"say \"\"hi\"\"\",2024-01-02 03:04:05\n"
      "\n"
      "0.001,4444,\"two\r\nlines\",-5\n"
      "inf,-55555,\"\",1970-01-01\n"
      "-0,6,,0";
  Outcome whole = ReadAll(csv, columns);
  ASSERT_TRUE(whole.status.ok()) << whole.status.ToString();
  ASSERT_EQ(whole.rows, 6u);
  EXPECT_EQ(whole.Column(1), Strings({"plain", "with, comma", "say \"hi\"", "two\r\nlines", "", ""}));
  for (size_t read_bytes = 1; read_bytes <= csv.size() + 1; ++read_bytes) {
    CsvReaderOptions options;
    options.read_bytes = read_bytes;
    Outcome pieces = ReadAll(csv, columns, options, 1 + read_bytes % 4);
    ASSERT_TRUE(pieces.status.ok()) << "read_bytes " << read_bytes << ": " << pieces.status.ToString();
    for (size_t c = 0; c < columns.size(); ++c) {
      ASSERT_EQ(pieces.Column(c), whole.Column(c)) << "read_bytes " << read_bytes << " column " << c;
    }
    ASSERT_EQ(pieces.bytes_consumed, csv.size());
    ASSERT_EQ(pieces.lines_consumed, 10u);
  }
}

TEST(CsvReader, EveryReadBoundaryGivesTheSameErrorAndCounts) {
  const std::string csv =
      "ts,symbol,price,qty\n"
      "1,\"A\nA\",1,1\n"
      "2,B,oops,2\n"
      "3,\"C\"\"\",3,3\r\n"
      "4,D,4\n"
      "5,E,5,5";
  for (size_t read_bytes = 1; read_bytes <= csv.size() + 1; ++read_bytes) {
    CsvReaderOptions options;
    options.read_bytes = read_bytes;
    Outcome stopped = ReadAll(csv, kOrders, options);
    ASSERT_EQ(stopped.status.message(), "line 4: column \"price\": \"oops\" is not a float64");
    ASSERT_EQ(stopped.rows, 1u);
    options.skip_bad_lines = true;
    Outcome skipped = ReadAll(csv, kOrders, options, 2);
    ASSERT_TRUE(skipped.status.ok());
    ASSERT_EQ(skipped.Column(1), Strings({"A\nA", "C\"", "E"})) << read_bytes;
    ASSERT_EQ(skipped.reasons, (std::vector<std::string>{
                                   "line 4: column \"price\": \"oops\" is not a float64",
                                   "line 6: expected 4 fields, found 3"}));
  }
}

TEST(CsvReader, RowsBeforeABadLineAreReturnedThenTheErrorStays) {
  Result<CsvReader> reader = Open("ts,symbol,price,qty\n1,A,1,1\n2,B,2,2\n3,C,x,3\n4,D,4,4\n", kOrders);
  ASSERT_TRUE(reader.ok());
  std::vector<ColumnVector> batch;
  Result<size_t> first = reader->ReadBatch(100, &batch);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 2u);
  EXPECT_EQ(batch[1].strings().at(1), "B");
  for (int i = 0; i < 2; ++i) {
    Result<size_t> next = reader->ReadBatch(100, &batch);
    ASSERT_FALSE(next.ok());
    EXPECT_EQ(next.status().message(), "line 4: column \"price\": \"x\" is not a float64");
    EXPECT_EQ(batch[0].size(), 0u);
  }
}

TEST(CsvReader, SkipBadLinesCountsThemAndKeepsTheFirstReasons) {
  CsvReaderOptions options;
  options.skip_bad_lines = true;
  options.kept_reasons = 2;
  Outcome outcome = ReadAll(
      "ts,symbol,price,qty\n"
      "1,A,1,1\n"
      "2,B,2,x\n"      // bad qty: the ts, symbol and price already parsed are dropped
      "3,C,3\n"        // too few fields
      "4,D,4,4\n"
      "5,\"E\"x,5,5\n"  // text after quote
      "6,F,6,6\n"
      "2024-02-30,G,7,7\n"
      "8,\"multi\nline\",8,8\n",
      kOrders, options, 2);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_EQ(outcome.Column(1), Strings({"A", "D", "F", "multi\nline"}));
  EXPECT_EQ(outcome.Column(0), (std::vector<Value>{int64_t{1}, int64_t{4}, int64_t{6}, int64_t{8}}));
  EXPECT_EQ(outcome.Column(2), (std::vector<Value>{1.0, 4.0, 6.0, 8.0}));
  EXPECT_EQ(outcome.Column(3), (std::vector<Value>{int64_t{1}, int64_t{4}, int64_t{6}, int64_t{8}}));
  EXPECT_EQ(outcome.bad_lines, 4u);
  EXPECT_EQ(outcome.reasons, (std::vector<std::string>{
                                 "line 3: column \"qty\": \"x\" is not an int64",
                                 "line 4: expected 4 fields, found 3"}));
  EXPECT_EQ(outcome.lines_consumed, 10u);
}

TEST(CsvReader, SkipBadLinesWithEveryLineBad) {
  CsvReaderOptions options;
  options.skip_bad_lines = true;
  std::string csv = "ts,symbol,price,qty\n";
  for (int i = 0; i < 50; ++i) csv += "x,A,1,1\n";
  Outcome outcome = ReadAll(csv, kOrders, options, 7);
  ASSERT_TRUE(outcome.status.ok());
  EXPECT_EQ(outcome.rows, 0u);
  EXPECT_EQ(outcome.bad_lines, 50u);
  EXPECT_EQ(outcome.reasons.size(), 10u);
  EXPECT_EQ(outcome.reasons.back().substr(0, 8), "line 11:");
}

TEST(CsvReader, StringOfTheLimitIsAcceptedAndOneByteMoreIsNot) {
  CsvReader::Columns columns = {{"id", ColumnType::kInt64}, {"text", ColumnType::kString}};
  const std::string longest(kMaxStringBytes, 'x');
  Outcome outcome = ReadAll("id,text\n1," + longest + "\n2,\"" + longest + "\"\n", columns);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_EQ(outcome.Column(1), (std::vector<Value>{longest, longest}));

  EXPECT_EQ(ReadError("id,text\n1," + longest + "y\n", columns),
            "line 2: column \"text\": a string of 65537 bytes is longer than the limit of 65536 "
            "bytes");
  // Escaped quotes count once.
  std::string quotes;
  for (size_t i = 0; i < kMaxStringBytes; ++i) quotes += "\"\"";
  outcome = ReadAll("id,text\n1,\"" + quotes + "\"\n", columns);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_EQ(outcome.Column(1), (std::vector<Value>{std::string(kMaxStringBytes, '"')}));
  EXPECT_EQ(ReadError("id,text\n1,\"" + quotes + "\"\"\"\n", columns),
            "line 2: column \"text\": a string of 65537 bytes is longer than the limit of 65536 "
            "bytes");
}

TEST(CsvReader, UnterminatedQuoteLongerThanAnyRecordStopsEvenWhenSkipping) {
  CsvReader::Columns columns = {{"text", ColumnType::kString}};
  CsvReaderOptions options;
  options.skip_bad_lines = true;
  options.read_bytes = 4096;
  std::string csv = "text\nok\n\"";
  for (int i = 0; i < 100'000; ++i) csv += "more text\n";
  Outcome outcome = ReadAll(csv, columns, options);
  EXPECT_EQ(outcome.rows, 1u);
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_NE(outcome.status.message().find("line 3: a record longer than "), std::string::npos)
      << outcome.status.message();
}

TEST(CsvReader, BatchesHoldAtMostMaxRows) {
  std::string csv = "ts,symbol,price,qty\n";
  for (int i = 0; i < 10; ++i) csv += std::to_string(i) + ",S,1,1\n";
  Result<CsvReader> reader = Open(csv, kOrders);
  ASSERT_TRUE(reader.ok());
  std::vector<ColumnVector> batch;
  std::vector<size_t> sizes;
  while (true) {
    Result<size_t> rows = reader->ReadBatch(3, &batch);
    ASSERT_TRUE(rows.ok());
    sizes.push_back(*rows);
    if (*rows == 0) break;
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3, 3, 1, 0}));
  Result<size_t> after_end = reader->ReadBatch(3, &batch);
  ASSERT_TRUE(after_end.ok());
  EXPECT_EQ(*after_end, 0u);
  EXPECT_EQ(reader->bytes_consumed(), csv.size());
}

TEST(CsvReader, ReusedColumnsKeepTheirMemory) {
  std::string csv = "ts,symbol,price,qty\n";
  for (int i = 0; i < 200; ++i) csv += std::to_string(i) + ",SYM" + std::to_string(i % 10) + ",1.5,1\n";
  Result<CsvReader> reader = Open(csv, kOrders);
  ASSERT_TRUE(reader.ok());
  std::vector<ColumnVector> batch;
  ASSERT_EQ(*reader->ReadBatch(100, &batch), 100u);
  const int64_t* timestamps = batch[0].int64s().data();
  const char* symbols = batch[1].strings().bytes.data();
  ASSERT_EQ(*reader->ReadBatch(100, &batch), 100u);
  EXPECT_EQ(batch[0].int64s().data(), timestamps);
  EXPECT_EQ(batch[1].strings().bytes.data(), symbols);
  EXPECT_EQ(batch[0].int64s().front(), 100);
}

TEST(CsvReader, ColumnsOfTheWrongShapeAreRebuilt) {
  Result<CsvReader> reader = Open("ts,symbol,price,qty\n1,A,1,1\n", kOrders);
  ASSERT_TRUE(reader.ok());
  std::vector<ColumnVector> batch;
  batch.emplace_back(ColumnType::kString);
  batch.emplace_back(ColumnType::kString);
  batch.emplace_back(ColumnType::kString);
  batch.emplace_back(ColumnType::kString);
  ASSERT_EQ(*reader->ReadBatch(10, &batch), 1u);
  ASSERT_EQ(batch.size(), 4u);
  EXPECT_EQ(batch[0].type(), ColumnType::kTimestamp);
  EXPECT_EQ(batch[3].type(), ColumnType::kInt64);
}

TEST(CsvReader, ZeroMaxRowsIsInvalid) {
  Result<CsvReader> reader = Open("ts,symbol,price,qty\n1,A,1,1\n", kOrders);
  ASSERT_TRUE(reader.ok());
  std::vector<ColumnVector> batch;
  Result<size_t> rows = reader->ReadBatch(0, &batch);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace backtrace
