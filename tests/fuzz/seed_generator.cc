// Writes the binary seeds of the fuzz corpus (tests/fuzz/corpus/<target>/)
// from the project's own encoders, so that each seed is a small valid input
// that the fuzzer mutates from. Built by the fuzz build as
// fuzz_seed_generator and run by hand when a format changes:
//   build/fuzz/fuzz_seed_generator tests/fuzz/corpus
// Text seeds (SQL, CSV) are kept by hand in the corpus directories.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/catalog/block_meta.h"
#include "common/column/column_file_writer.h"
#include "common/ipc/compaction_generated.h"
#include "common/schema/table_schema_codec.h"
#include "common/wal/wal_format.h"
#include "common/wire/frame.h"
#include "common/wire/ingest_messages.h"
#include "common/wire/query_messages.h"

namespace backtrace::fuzz {
namespace {

std::filesystem::path root;

void Write(const std::string& target, const std::string& name, std::string_view bytes) {
  std::filesystem::create_directories(root / target);
  std::ofstream out(root / target / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s/%s\n", target.c_str(), name.c_str());
    std::exit(1);
  }
}

TableSchema Schema() {
  auto schema = ParseTableSchema("trades", "ts:timestamp,symbol:string,price:float64,qty:int64,"
                                 "id:uint64", "ts");
  if (!schema.ok()) std::abort();
  return *schema;
}

std::vector<ColumnVector> Columns(size_t rows) {
  std::vector<ColumnVector> columns;
  for (const auto& column : Schema().columns) columns.emplace_back(column.type);
  for (size_t row = 0; row < rows; ++row) {
    columns[0].int64s().push_back(1704067200000000000LL + static_cast<int64_t>(row) * 1000);
    columns[1].strings().push_back(row % 2 == 0 ? "BTC" : "ETH");
    columns[2].float64s().push_back(row == 2 ? std::nan("") : 100.25 + static_cast<double>(row));
    columns[3].int64s().push_back(static_cast<int64_t>(row) - 1);
    columns[4].uint64s().push_back(row * 7);
  }
  return columns;
}

std::string Framed(std::initializer_list<std::string_view> payloads) {
  std::string stream;
  for (std::string_view payload : payloads) {
    if (!wire::AppendFrame(payload, wire::kDefaultMaxFrameBytes, &stream).ok()) std::abort();
  }
  return stream;
}

std::string Message(flatbuffers::FlatBufferBuilder& builder) {
  return std::string(wire::MessageBytes(builder));
}

void FrameSeeds() {
  // Byte 0: one read of up to 97 bytes; byte 1: 64-byte read chunks.
  const std::string prefix("\x60\x02", 2);
  flatbuffers::FlatBufferBuilder builder;
  wire::FinishCreateTableRequest(builder, 1, BuildTableSchema(builder, Schema()));
  std::string create = Message(builder);
  builder.Clear();
  auto columns = Columns(3);
  std::vector<flatbuffers::Offset<fb::ColumnData>> data;
  for (size_t index = 0; index < columns.size(); ++index) {
    data.push_back(wire::BuildColumnData(builder, Schema().columns[index].name, columns[index]));
  }
  wire::FinishAppendRequest(builder, 2, "trades", {5, 1}, data);
  std::string append = Message(builder);
  builder.Clear();
  wire::FinishListTablesRequest(builder, 3);
  std::string list = Message(builder);
  builder.Clear();
  wire::FinishDropTableRequest(builder, 4, "trades");
  std::string drop = Message(builder);
  builder.Clear();
  Write("frame", "ingest-requests", prefix + Framed({create, append, list, drop}));

  wire::FinishAckResponse(builder, 2, 1, true);
  std::string ack = Message(builder);
  builder.Clear();
  wire::FinishErrorResponse(builder, 3, 0, Status::NotFound("table 'x' does not exist"));
  std::string error = Message(builder);
  builder.Clear();
  wire::FinishTableListResponse(builder, 4, {BuildTableSchema(builder, Schema())});
  std::string tables = Message(builder);
  builder.Clear();
  Write("frame", "ingest-responses", prefix + Framed({ack, error, tables}));

  wire::FinishQueryRequest(builder, 9, "SELECT symbol, sum(qty) FROM trades GROUP BY symbol");
  std::string query = Message(builder);
  builder.Clear();
  Write("frame", "query-request", std::string("\x10\x83", 2) + Framed({query}));

  std::vector<wire::ResultColumn> result{{"symbol", ColumnType::kString},
                                         {"sum(qty)", ColumnType::kInt64}};
  wire::FinishResultSchemaResponse(builder, 9, result);
  std::string schema = Message(builder);
  builder.Clear();
  ColumnVector symbols(ColumnType::kString), sums(ColumnType::kInt64);
  symbols.strings().push_back("BTC");
  sums.int64s().push_back(12);
  wire::FinishResultBatchResponse(builder, 9,
                                  {wire::BuildColumnData(builder, "symbol", symbols),
                                   wire::BuildColumnData(builder, "sum(qty)", sums)});
  std::string batch = Message(builder);
  builder.Clear();
  wire::FinishEndResponse(builder, 9, {.rows = 1, .rows_scanned = 3});
  std::string end = Message(builder);
  builder.Clear();
  wire::FinishQueryErrorResponse(builder, 10, Status::InvalidArgument("syntax error"));
  std::string query_error = Message(builder);
  builder.Clear();
  Write("frame", "query-responses", prefix + Framed({schema, batch, end, query_error}));
  // A frame announcing 4 GiB - 1 bytes, and one announcing none.
  Write("frame", "huge-length", prefix + std::string("\xff\xff\xff\xff" "abc", 7));
  Write("frame", "empty-frame", prefix + std::string("\0\0\0\0", 4));
}

BlockMeta Block() {
  BlockMeta block;
  block.table_id = 3;
  block.block_id = 17;
  block.row_count = 4;
  block.min_time = 10;
  block.max_time = 40;
  block.columns = {
      {.column_index = 0, .min = int64_t{10}, .max = int64_t{40}, .file_bytes = 90, .raw_bytes = 32},
      {.column_index = 1, .min = std::string("BTC"), .max = std::string("ETH"), .file_bytes = 80,
       .raw_bytes = 28},
      {.column_index = 2, .min = 1.5, .max = 9.25, .has_nan = true, .file_bytes = 90,
       .raw_bytes = 32},
      {.column_index = 3, .min = uint64_t{0}, .max = uint64_t{8}, .file_bytes = 90,
       .raw_bytes = 32},
  };
  block.created_unix_nanos = 1704067200000000000LL;
  block.wal_last_lsn = 12;
  block.committed_sequence = 5;
  return block;
}

void ProcessMessageSeeds() {
  auto schema = ParseTableSchema("t", "ts:timestamp,symbol:string,price:float64,qty:uint64", "ts");
  if (!schema.ok()) std::abort();
  flatbuffers::FlatBufferBuilder builder;
  auto fb_schema = BuildTableSchema(builder, *schema);
  auto staging = builder.CreateString("/data/tmp/17");
  auto destination = builder.CreateString("/data/tables/3/17");
  fb::CompactBlockRequestBuilder request(builder);
  request.add_table_id(3);
  request.add_block_id(17);
  request.add_row_count(4);
  request.add_schema(fb_schema);
  request.add_staging_path(staging);
  request.add_destination_path(destination);
  request.add_zstd_level(3);
  builder.Finish(request.Finish());
  Write("process_message", "request", std::string(1, '\0') + Message(builder));

  builder.Clear();
  std::string encoded = EncodeBlockMeta(Block());
  auto meta = builder.CreateVector(reinterpret_cast<const uint8_t*>(encoded.data()), encoded.size());
  fb::CompactBlockResponseBuilder response(builder);
  response.add_block_id(17);
  response.add_block_meta(meta);
  builder.Finish(response.Finish());
  Write("process_message", "response", std::string(1, '\1') + Message(builder));

  builder.Clear();
  auto message = builder.CreateString("no space left on device");
  fb::CompactBlockResponseBuilder failure(builder);
  failure.add_block_id(17);
  failure.add_error_code(static_cast<uint16_t>(StatusCode::kIoError));
  failure.add_error_message(message);
  builder.Finish(failure.Finish());
  Write("process_message", "response-error", std::string(1, '\1') + Message(builder));

  // The block entry without its 4-byte CRC trailer, which the target adds.
  Write("process_message", "block-meta",
        std::string(1, '\2') + encoded.substr(0, encoded.size() - 4));
  Write("process_message", "table-schema", std::string(1, '\3') + SerializeTableSchema(*schema));
}

void WalSeeds() {
  auto segment = [](uint64_t first_lsn, size_t records, std::string_view tail = {}) {
    std::string bytes(wal::kSegmentHeaderSize, '\0');
    wal::EncodeSegmentHeader(first_lsn, reinterpret_cast<uint8_t*>(bytes.data()));
    for (size_t index = 0; index < records; ++index) {
      wal::AppendRecord(first_lsn + index, 1, "record " + std::to_string(index), &bytes);
    }
    return bytes + std::string(tail);
  };
  // Flags: 0 as written; 1 checksums fixed; 2 repair; 3 both.
  Write("wal_replay", "one-segment", std::string(1, '\0') + segment(1, 3));
  Write("wal_replay", "two-segments",
        std::string(1, '\0') + segment(1, 2) + "WSEG" + segment(3, 2));
  std::string torn = segment(1, 2);
  std::string last;
  wal::AppendRecord(3, 1, "a record cut short by a crash", &last);
  Write("wal_replay", "torn-tail-repaired", std::string(1, '\2') + torn + last.substr(0, 20));
  Write("wal_replay", "from-lsn-5", std::string(1, '\x0d') + segment(4, 3));
  Write("wal_replay", "empty-segment", std::string(1, '\1') + segment(1, 0));
}

void ColumnFileSeeds() {
  auto columns = Columns(20);
  column::ColumnFileOptions options;
  options.granule_rows = 8;
  const char* names[] = {"ts", "symbol", "price", "qty", "id"};
  for (size_t index = 0; index < columns.size(); ++index) {
    auto file = column::EncodeColumnFile(columns[index], options, nullptr);
    if (!file.ok()) std::abort();
    // Mode 2 (checksums rewritten) so that mutations reach the decoders.
    Write("column_file", std::string(names[index]) + ".col", std::string(1, '\2') + *file);
  }
  ColumnVector repeated(ColumnType::kFloat64);
  for (int row = 0; row < 30; ++row) repeated.float64s().push_back(row % 3 * 0.5);
  options.zstd_minimum_saving = 0.0;  // keep zstd
  auto compressed = column::EncodeColumnFile(repeated, options, nullptr);
  if (!compressed.ok()) std::abort();
  Write("column_file", "zstd.col", std::string(1, '\0') + *compressed);
  // Mode 3: a plain int64 granule of 3 rows.
  std::string payload("\x03\x00\x01\x03\x00\x04", 6);
  for (int64_t value : {int64_t{5}, int64_t{-1}, int64_t{1} << 40}) {
    for (int byte = 0; byte < 8; ++byte) payload.push_back(static_cast<char>(value >> (8 * byte)));
  }
  Write("column_file", "granule-plain-int64", payload);
}

}  // namespace
}  // namespace backtrace::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIRECTORY\n", argv[0]);
    return 2;
  }
  backtrace::fuzz::root = argv[1];
  backtrace::fuzz::FrameSeeds();
  backtrace::fuzz::ProcessMessageSeeds();
  backtrace::fuzz::WalSeeds();
  backtrace::fuzz::ColumnFileSeeds();
  return 0;
}
