// Public types of column files: the options of the writer, the zone map and
// placement of one granule, and the summary of a whole file. The writer is in
// column_file_writer.h, the reader in column_file_reader.h, the byte layout
// in docs/column_file_format.md.
//
// Plain values; callable from any thread.
#pragma once

#include <cstdint>
#include <optional>

#include "common/column/column_file_format.h"
#include "common/schema/column_type.h"

namespace backtrace::column {

// Sums of integer granules: 128-bit two's complement, exact for any granule.
using Int128 = __int128;

struct ColumnFileOptions {
  // zstd level used for granules (and the dictionary) where zstd pays.
  int zstd_level = 3;
  // Rows per granule, 1..kMaxGranuleRows; the last granule may hold fewer.
  uint32_t granule_rows = kDefaultGranuleRows;
  // zstd is kept for a granule only if it saves at least this fraction of the
  // encoded bytes; otherwise the granule is stored uncompressed, which
  // decodes faster. 1.0 or more turns zstd off.
  double zstd_minimum_saving = 0.10;
};

// One granule's entry of the granule index.
struct GranuleInfo {
  uint64_t first_row = 0;
  uint32_t rows = 0;

  // Zone map. int64/timestamp: int64_t, uint64: uint64_t, float64: double,
  // string: std::string.
  // - float64: NaN is ignored and has_nan set; if every value is NaN,
  //   all_nan is set and min and max are NaN. -0.0 counts as less than +0.0.
  // - string: byte-wise order. A min or max longer than
  //   kMaxZoneMapStringBytes is cut to that many bytes and its *_truncated
  //   flag set: a truncated min is a prefix of the true min (still a lower
  //   bound); a truncated max is a prefix of the true max, so every value v
  //   satisfies v <= max or starts with max.
  Value min;
  Value max;
  bool has_nan = false;
  bool all_nan = false;
  bool min_truncated = false;
  bool max_truncated = false;

  // Sum of all values in row order: integer_sum for int64, timestamp and
  // uint64 (exact); float_sum for float64 (IEEE double additions from the
  // first row to the last, so NaN if any value is NaN). Zero for strings.
  Int128 integer_sum = 0;
  double float_sum = 0.0;

  // Placement: the stored bytes are file[offset, offset + stored_bytes);
  // after the codec they are decoded_bytes long.
  uint64_t offset = 0;
  uint32_t stored_bytes = 0;
  uint32_t decoded_bytes = 0;
  GranuleEncoding encoding = GranuleEncoding::kPlain;
  GranuleCodec codec = GranuleCodec::kNone;
  uint32_t checksum = 0;  // CRC32C of the stored bytes (unmasked)
};

struct ColumnFileSummary {
  ColumnType type = ColumnType::kInt64;
  uint64_t rows = 0;
  uint64_t file_bytes = 0;
  uint64_t raw_bytes = 0;  // ColumnVector::ByteSize() of the values
  uint32_t granules = 0;
  // Over all values, with the conventions of GranuleInfo; empty when the
  // file has no rows or (float64) only NaN.
  std::optional<Value> min;
  std::optional<Value> max;
  bool has_nan = false;
  bool min_truncated = false;
  bool max_truncated = false;
  FileEncoding file_encoding = FileEncoding::kPlain;
  uint32_t dictionary_entries = 0;  // string files with a dictionary
};

}  // namespace backtrace::column
