// The daemon's in-memory state of one table: its schema and catalog id, the
// hot block receiving rows, and the frozen blocks waiting to be compacted or
// committed, in freeze order.
//
// Owned by the IngestEngine; loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include "common/catalog/block_meta.h"
#include "common/hot/hot_block.h"
#include "common/schema/table_schema.h"

namespace backtrace::daemon {

// A hot block with the WAL records whose rows it holds: every record of the
// table with LSN in [first_lsn, last_lsn] (records are never split between
// blocks).
struct BlockInMemory {
  std::shared_ptr<hot::HotBlock> block;
  uint64_t first_lsn = 0;  // 0 while the block holds no rows
  uint64_t last_lsn = 0;
  std::chrono::steady_clock::time_point created;
};

struct FrozenBlock {
  BlockInMemory memory;
  uint64_t block_id = 0;
  bool compacting = false;
  std::optional<BlockMeta> result;  // set once a compactor persisted it
};

// The committed blocks of a table, summed.
struct DiskTotals {
  uint64_t blocks = 0;
  uint64_t rows = 0;
  uint64_t file_bytes = 0;
  uint64_t raw_bytes = 0;
  int64_t min_time = 1;  // min_time > max_time while there are no blocks
  int64_t max_time = 0;

  void Add(const BlockMeta& block) {
    if (blocks == 0 || block.min_time < min_time) min_time = block.min_time;
    if (blocks == 0 || block.max_time > max_time) max_time = block.max_time;
    ++blocks;
    rows += block.row_count;
    for (const ColumnStats& column : block.columns) {
      file_bytes += column.file_bytes;
      raw_bytes += column.raw_bytes;
    }
  }
};

struct TableState {
  uint64_t table_id = 0;
  TableSchema schema;
  std::vector<ColumnType> types;
  size_t time_column = 0;
  // Records of this table with LSN <= persisted_lsn are in committed blocks.
  uint64_t persisted_lsn = 0;
  std::optional<BlockInMemory> hot;
  std::deque<FrozenBlock> frozen;
  uint64_t next_block_sequence = 1;
  // For metrics: since start-up (ingested) and on disk (blocks).
  uint64_t rows_ingested = 0;
  uint64_t bytes_ingested = 0;
  DiskTotals disk;
};

}  // namespace backtrace::daemon
