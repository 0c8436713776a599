// Fuzz target "csv": CSV text as `backtrace ingest` reads it — a CsvReader
// (common/text/csv_reader.h) over the columns of a table with every column
// type — and each batch turned into the Append message the CLI sends
// (common/wire/ingest_messages.h), which must verify and validate.
//
// The same text is read twice, with reads of a few bytes and in one read:
// the rows, the bad-line count and the final error must not depend
// on how the input was cut.
//
// Input: byte 0 holds flags (bit 0: skip bad lines; bits 1-7: the small
// read size), byte 1 the rows per batch; the rest is the CSV text.
#include <memory>
#include <string>
#include <vector>

#include "common/text/byte_source.h"
#include "common/text/csv_reader.h"
#include "common/wire/ingest_messages.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/fuzz_target.h"

namespace backtrace::fuzz {
namespace {

const CsvReader::Columns& TargetColumns() {
  static const CsvReader::Columns* const columns = new CsvReader::Columns{
      {"ts", ColumnType::kTimestamp},
      {"symbol", ColumnType::kString},
      {"price", ColumnType::kFloat64},
      {"qty", ColumnType::kInt64},
      {"id", ColumnType::kUInt64},
  };
  return *columns;
}

struct ReadOutcome {
  Status open_status;
  Status final_status;
  std::vector<ColumnVector> rows;  // every row read, one vector per column
  uint64_t bad_lines = 0;
};

// A batch as the CLI sends it: an Append that verifies, validates and
// converts back to the same columns.
void CheckAppend(const std::vector<ColumnVector>& batch, size_t rows) {
  flatbuffers::FlatBufferBuilder builder;
  std::vector<flatbuffers::Offset<fb::ColumnData>> columns;
  for (size_t index = 0; index < batch.size(); ++index) {
    columns.push_back(wire::BuildColumnData(builder, TargetColumns()[index].first, batch[index]));
  }
  wire::FinishAppendRequest(builder, 7, "trades", {1, 1}, columns);
  auto request = wire::VerifyRequest(wire::MessageBytes(builder));
  FUZZ_CHECK(request.ok());
  FUZZ_CHECK(wire::ValidateRequest(**request).ok());
  auto validated = wire::ValidateAppend(*(*request)->body_as_Append());
  FUZZ_CHECK(validated.ok() && *validated == rows);
  const auto* sent = (*request)->body_as_Append()->columns();
  for (size_t index = 0; index < batch.size(); ++index) {
    auto again = wire::ColumnVectorFromData(*sent->Get(index), index);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(SameColumn(*again, batch[index]));
  }
}

ReadOutcome ReadAll(std::string_view text, bool skip_bad_lines, size_t read_bytes,
                    size_t batch_rows) {
  ReadOutcome outcome;
  for (const auto& [name, type] : TargetColumns()) outcome.rows.emplace_back(type);
  CsvReaderOptions options;
  options.skip_bad_lines = skip_bad_lines;
  options.read_bytes = read_bytes;
  auto reader = CsvReader::Open(TargetColumns(), std::make_unique<StringByteSource>(text), options);
  if (!reader.ok()) {
    outcome.open_status = reader.status();
    return outcome;
  }
  std::vector<ColumnVector> batch;
  while (true) {
    auto rows = reader->ReadBatch(batch_rows, &batch);
    if (!rows.ok()) {
      outcome.final_status = rows.status();
      // The error is sticky.
      auto again = reader->ReadBatch(batch_rows, &batch);
      FUZZ_CHECK(!again.ok() && again.status().message() == rows.status().message());
      break;
    }
    if (*rows == 0) break;
    FUZZ_CHECK(*rows <= batch_rows);
    FUZZ_CHECK(batch.size() == TargetColumns().size());
    for (size_t index = 0; index < batch.size(); ++index) {
      FUZZ_CHECK(batch[index].type() == TargetColumns()[index].second);
      FUZZ_CHECK(batch[index].size() == *rows);
      for (size_t row = 0; row < *rows; ++row) {
        outcome.rows[index].Append(batch[index].ValueAt(row));
      }
    }
    CheckAppend(batch, *rows);
  }
  FUZZ_CHECK(reader->rows_read() == outcome.rows[0].size());
  FUZZ_CHECK(reader->bytes_consumed() <= text.size());
  outcome.bad_lines = reader->bad_lines();
  return outcome;
}

}  // namespace

void FuzzCsv(const uint8_t* data, size_t size) {
  InputCursor input(data, size);
  uint8_t flags = input.Byte();
  bool skip_bad_lines = (flags & 1) != 0;
  size_t small_read = 1 + (flags >> 1);
  size_t batch_rows = 1 + input.Byte();
  std::string_view text = input.rest();

  ReadOutcome small = ReadAll(text, skip_bad_lines, small_read, batch_rows);
  // The whole text in one read.
  ReadOutcome large = ReadAll(text, skip_bad_lines, text.size() + 1, batch_rows);
  FUZZ_CHECK(small.open_status.message() == large.open_status.message());
  FUZZ_CHECK(small.final_status.message() == large.final_status.message());
  FUZZ_CHECK(small.bad_lines == large.bad_lines);
  for (size_t index = 0; index < small.rows.size(); ++index) {
    FUZZ_CHECK(SameColumn(small.rows[index], large.rows[index]));
  }
}

}  // namespace backtrace::fuzz

BACKTRACE_FUZZ_TARGET(backtrace::fuzz::FuzzCsv)
