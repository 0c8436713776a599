#include "common/text/csv_tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace backtrace {
namespace {

// Scans the start of `text` with the sentinel and padding the scanner needs.
// The record's fields point into a copy that lives until the next Scan.
CsvScan Scan(const std::string& text, bool at_end, CsvRecord* record) {
  static std::string padded;
  padded = text;
  padded.append(kCsvPadding, kCsvSentinel);
  return ScanCsvRecord(padded.data(), text.size(), at_end, record);
}

std::vector<std::string> Fields(const CsvRecord& record) {
  std::vector<std::string> fields;
  for (const CsvField& field : record.fields) fields.emplace_back(field.data, field.size);
  return fields;
}

TEST(CsvTokenizer, EveryProperPrefixOfARecordNeedsMore) {
  const std::string record_text = "12,\"a,\"\"b\"\"\r\nc\",,\"\",xyz\r\n";
  CsvRecord record;
  for (size_t size = 0; size < record_text.size(); ++size) {
    ASSERT_EQ(Scan(record_text.substr(0, size), false, &record), CsvScan::kNeedMore) << size;
  }
  ASSERT_EQ(Scan(record_text + "next", false, &record), CsvScan::kRecord);
  EXPECT_EQ(record.bytes, record_text.size());
  EXPECT_EQ(record.inner_newlines, 1u);
  EXPECT_EQ(record.problem, CsvProblem::kNone);
  EXPECT_EQ(Fields(record), (std::vector<std::string>{"12", "a,\"\"b\"\"\r\nc", "", "", "xyz"}));
  EXPECT_FALSE(record.fields[0].quoted);
  EXPECT_TRUE(record.fields[1].quoted);
  EXPECT_TRUE(record.fields[1].has_escaped_quotes);
  EXPECT_FALSE(record.fields[2].quoted);
  EXPECT_TRUE(record.fields[3].quoted);
  EXPECT_FALSE(record.fields[3].has_escaped_quotes);
}

TEST(CsvTokenizer, AtTheEndARecordNeedsNoLineEnd) {
  CsvRecord record;
  EXPECT_EQ(Scan("", true, &record), CsvScan::kEnd);
  ASSERT_EQ(Scan("a,b", true, &record), CsvScan::kRecord);
  EXPECT_EQ(record.bytes, 3u);
  EXPECT_EQ(Fields(record), (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(Scan("a,\"b\"", true, &record), CsvScan::kRecord);
  EXPECT_EQ(Fields(record), (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(Scan("a,", true, &record), CsvScan::kRecord);
  EXPECT_EQ(Fields(record), (std::vector<std::string>{"a", ""}));
}

TEST(CsvTokenizer, EmptyLinesAreNotRecords) {
  CsvRecord record;
  ASSERT_EQ(Scan("\nx", false, &record), CsvScan::kEmptyLine);
  EXPECT_EQ(record.bytes, 1u);
  ASSERT_EQ(Scan("\r\nx", false, &record), CsvScan::kEmptyLine);
  EXPECT_EQ(record.bytes, 2u);
  EXPECT_EQ(Scan("\r", false, &record), CsvScan::kNeedMore);
  ASSERT_EQ(Scan("\r", true, &record), CsvScan::kEmptyLine);
  ASSERT_EQ(Scan(" \n", false, &record), CsvScan::kRecord);
  EXPECT_EQ(Fields(record), (std::vector<std::string>{" "}));
}

TEST(CsvTokenizer, MalformedRecordsAreDelimitedAndTheirProblemNamed) {
  struct Case {
    const char* text;
    CsvProblem problem;
    size_t field;
    size_t bytes;
  };
  const Case cases[] = {
      {"a,b\"c,d\nnext", CsvProblem::kQuoteInUnquotedField, 1, 8},
      {"a,\"b\"c,d\nnext", CsvProblem::kTextAfterClosingQuote, 1, 9},
      {"a\rb,c\r\nnext", CsvProblem::kLoneCarriageReturn, 0, 7},
      {"a,\"b,\nc", CsvProblem::kUnterminatedQuote, 1, 7},
  };
  for (const Case& c : cases) {
    CsvRecord record;
    ASSERT_EQ(Scan(c.text, true, &record), CsvScan::kRecord) << c.text;
    EXPECT_EQ(record.problem, c.problem) << c.text;
    EXPECT_EQ(record.problem_field, c.field) << c.text;
    EXPECT_EQ(record.bytes, c.bytes) << c.text;
  }
}

TEST(CsvTokenizer, LongUnquotedFieldsAreFoundWholeAtEveryAlignment) {
  for (size_t length = 0; length < 70; ++length) {
    const std::string field(length, 'x');
    CsvRecord record;
    ASSERT_EQ(Scan(field + "," + field + "\n", false, &record), CsvScan::kRecord);
    ASSERT_EQ(Fields(record), (std::vector<std::string>{field, field}));
    ASSERT_EQ(Scan(field, false, &record), CsvScan::kNeedMore);
  }
}

}  // namespace
}  // namespace backtrace
