// The catalog's keys and its small records: the table entry (TableInfo), the
// state held under the version key, and the block locator. Byte layouts are
// specified in docs/catalog_format.md; BlockMeta's encoding is in
// block_meta.h.
//
// All integers inside keys are big-endian so that RocksDB's bytewise order
// is numeric order; timestamps inside keys are made order-preserving first.
//
// Plain values and stateless functions; callable from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/catalog/catalog_format.h"
#include "common/schema/table_schema.h"

namespace backtrace {

// A table as the catalog records it. Table ids are never reused, so a table
// dropped and created again under the same name is a different table.
struct TableInfo {
  uint64_t table_id = 0;
  TableSchema schema;  // normalised: sort_key is the effective sort key
  uint64_t created_sequence = 0;
  uint64_t dropped_sequence = catalog_format::kLiveSequence;
  // Bit c is set once a block of span class c was committed to the table;
  // never cleared. Time-range listings seek once per set bit.
  uint64_t span_class_mask = 0;
  // Every WAL record of this table with an LSN at or below this is in a
  // committed block (the highest wal_last_lsn committed); replay skips them.
  uint64_t wal_watermark = 0;

  bool IsDropped() const { return dropped_sequence != catalog_format::kLiveSequence; }
  bool operator==(const TableInfo&) const = default;
};

// The value of the version key: the sequence of the last committed batch and
// the next ids to hand out.
struct CatalogState {
  uint64_t sequence = 0;
  uint64_t next_table_id = 1;
  uint64_t next_block_id = 1;
};

// Where a block's entry lives, stored under its locator key.
struct BlockLocation {
  uint64_t table_id = 0;
  int span_class = 0;
  int64_t max_time = 0;
};

struct BlockKeyParts {
  uint64_t table_id = 0;
  int span_class = 0;
  int64_t max_time = 0;
  uint64_t block_id = 0;
};

namespace catalog_record {

std::string FormatKey();
std::string StateKey();
std::string WalCheckpointKey();
std::string TableKey(uint64_t table_id);
std::string TableNameKey(std::string_view table_name);
std::string ProducerKey(uint64_t producer_id);
std::string BlockKey(const BlockKeyParts& parts);
// "B" | table id: every block key of a table starts with it.
std::string BlockTablePrefix(uint64_t table_id);
// "B" | table id | span class.
std::string BlockClassPrefix(uint64_t table_id, int span_class);
std::string BlockLocatorKey(uint64_t block_id);
std::string RetiredKey(uint64_t retired_sequence, uint64_t block_id);
// The smallest key after every key that starts with `prefix` (the prefix
// with its last byte incremented; prefixes here never end in 0xff).
std::string PrefixEnd(std::string_view prefix);

// Key parsers return false for a key of the wrong size or prefix.
bool ParseBlockKey(std::string_view key, BlockKeyParts* parts);
bool ParseProducerKey(std::string_view key, uint64_t* producer_id);
bool ParseRetiredKey(std::string_view key, uint64_t* retired_sequence, uint64_t* block_id);

std::string EncodeFormatValue();
// kNotSupported for another format version, kCorruption for other bytes.
[[nodiscard]] Status CheckFormatValue(std::string_view value);

std::string EncodeState(const CatalogState& state);
[[nodiscard]] Result<CatalogState> DecodeState(std::string_view value);

// The table entry: sealed header fields followed by the schema's FlatBuffers
// bytes. Decoding verifies the checksum, the schema buffer and the schema
// rules; every failure is kCorruption naming the table id.
std::string EncodeTableEntry(const TableInfo& table);
[[nodiscard]] Result<TableInfo> DecodeTableEntry(std::string_view value);

std::string EncodeBlockLocation(const BlockLocation& location);
[[nodiscard]] Result<BlockLocation> DecodeBlockLocation(std::string_view value);

// Fixed64 values: the WAL checkpoint and producer marks.
std::string EncodeFixed64Value(uint64_t value);
[[nodiscard]] Result<uint64_t> DecodeFixed64Value(std::string_view value, std::string_view what);

}  // namespace catalog_record
}  // namespace backtrace
