// Format constants of the catalog (a RocksDB database, default column family
// only). docs/catalog_format.md specifies every key and value built from
// these; change one only together with that document and a new format
// version.
//
// Constants only; usable from any thread.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

namespace backtrace::catalog_format {

// Key prefixes: the first byte of every catalog key.
inline constexpr char kBlockPrefix = 'B';         // B | table id | span class | max time | block id
inline constexpr char kFormatKey = 'F';           // the format marker (one key: "F")
inline constexpr char kBlockLocatorPrefix = 'L';  // L | block id -> where its B key is
inline constexpr char kTableNamePrefix = 'N';     // N | table name -> table id (live tables)
inline constexpr char kProducerPrefix = 'P';      // P | producer id -> highest acknowledged sequence
inline constexpr char kRetiredPrefix = 'R';       // R | retired sequence | block id -> (empty)
inline constexpr char kStateKey = 'S';            // the version key (one key: "S")
inline constexpr char kTablePrefix = 'T';         // T | table id -> table entry
inline constexpr char kWalCheckpointKey = 'W';    // the WAL checkpoint (one key: "W")

// The value of the "F" key: this magic followed by a fixed32 format version.
inline constexpr std::string_view kFormatMagic = "backtrace-catalog";
inline constexpr uint32_t kFormatVersion = 1;

// First byte of the encoded block, table and state values.
inline constexpr uint8_t kBlockEntryVersion = 1;
inline constexpr uint8_t kTableEntryVersion = 1;
inline constexpr uint8_t kStateVersion = 1;

// retired_sequence of a live block and dropped_sequence of a live table.
inline constexpr uint64_t kLiveSequence = std::numeric_limits<uint64_t>::max();

// Blocks are keyed by span class: class 0 holds blocks whose time span
// (max_time - min_time) is 0, class c in 1..62 spans in [2^(c-1), 2^c), and
// class 63 every wider span. A table entry keeps a 64-bit mask of the classes
// that ever held a block.
inline constexpr int kSpanClassCount = 64;

// Encoded sizes of the fixed-width parts.
inline constexpr size_t kBlockKeySize = 1 + 8 + 1 + 8 + 8;
inline constexpr size_t kBlockLocatorValueSize = 8 + 1 + 8;
inline constexpr size_t kRetiredKeySize = 1 + 8 + 8;

// Upper bound of a decoded column statistic string (min/max of a string
// column); equals kMaxStringBytes of column_type.h.
inline constexpr size_t kMaxStatisticStringBytes = 64 * 1024;

}  // namespace backtrace::catalog_format
