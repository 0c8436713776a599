// BlockMeta: what the catalog knows about one persisted block — its table,
// id, row count, time range, per-column statistics (min/max for pruning, NaN
// presence, file and raw sizes), creation time and its MVCC interval
// [committed_sequence, retired_sequence).
//
// This header also holds the block entry's value encoding (a compact
// little-endian/varint record with a CRC32C, see docs/catalog_format.md) and
// the checks a block must pass before the catalog stores it.
//
// Plain values and stateless functions; callable from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/catalog/catalog_format.h"
#include "common/schema/column_type.h"
#include "common/schema/table_schema.h"

namespace backtrace {

struct ColumnStats {
  uint32_t column_index = 0;  // position of the column in the table's schema
  // Smallest and largest value, of the column type's Value alternative
  // (int64_t for int64 and timestamp, uint64_t, double, std::string). For
  // float64, NaN is left out of min/max; a column of only NaN has NaN for
  // both and has_nan set.
  Value min;
  Value max;
  bool has_nan = false;
  uint64_t file_bytes = 0;  // size of the column file on disk
  uint64_t raw_bytes = 0;   // size of the values before encoding

  bool operator==(const ColumnStats&) const = default;
};

struct BlockMeta {
  uint64_t table_id = 0;
  uint64_t block_id = 0;
  uint64_t row_count = 0;
  int64_t min_time = 0;  // smallest and largest time column value, inclusive
  int64_t max_time = 0;
  std::vector<ColumnStats> columns;  // one per schema column, in schema order
  int64_t created_unix_nanos = 0;
  // The highest LSN of the WAL records whose rows the block holds (0 for a
  // block made by merging). Committing the block raises its table's
  // wal_watermark to it.
  uint64_t wal_last_lsn = 0;
  // Set by the catalog: the catalog sequence whose batch committed the block,
  // and the one that retired it (kLiveSequence while live).
  uint64_t committed_sequence = 0;
  uint64_t retired_sequence = catalog_format::kLiveSequence;

  bool IsLive() const { return retired_sequence == catalog_format::kLiveSequence; }
  // True when a reader as of `sequence` sees the block.
  bool VisibleAt(uint64_t sequence) const {
    return committed_sequence <= sequence && sequence < retired_sequence;
  }
  uint64_t TotalFileBytes() const;

  bool operator==(const BlockMeta&) const = default;
};

// The span class of a block (see catalog_format.h): 0 for a zero span, else
// the bit width of max_time - min_time, at most 63. Requires min <= max.
int SpanClass(int64_t min_time, int64_t max_time);

// The value of a block entry.
std::string EncodeBlockMeta(const BlockMeta& block);

// Decodes a block entry value. Truncated, over-long or inconsistent bytes
// and a checksum mismatch give kCorruption describing the first problem; an
// unknown entry version gives kNotSupported. Never reads outside `bytes`.
[[nodiscard]] Result<BlockMeta> DecodeBlockMeta(std::string_view bytes);

// Checks a block against its table's schema before it is committed: at least
// one row, min_time <= max_time, statistics for every column in schema order,
// min/max of the column's type with min <= max, time column statistics equal
// to [min_time, max_time], strings within kMaxStringBytes. kInvalidArgument
// naming the block and the column otherwise.
[[nodiscard]] Status CheckBlockMeta(const BlockMeta& block, const TableSchema& schema);

}  // namespace backtrace
