// Layout of a hot block: the columnar rows of one table that are durable in
// the WAL but not yet in column files, kept in a memfd so that the daemon
// (writer), compactor processes and query workers (readers) share the same
// pages without copies. See docs/hot_block_format.md.
//
// All integers little-endian. Regions are page-aligned. Readers never trust
// a row count from the block itself: the daemon hands the count of rows that
// are visible (durable) together with the descriptor.
#pragma once

#include <cstddef>
#include <cstdint>

namespace backtrace::hot {

inline constexpr uint64_t kMagic = 0x31304B4C42544842ull;  // "BHTBLK01" little-endian
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kPageBytes = 4096;

// Header: fixed part, then one descriptor per column.
inline constexpr size_t kHeaderFixedBytes = 64;
inline constexpr size_t kMagicOffset = 0;              // u64
inline constexpr size_t kVersionOffset = 8;            // u32
inline constexpr size_t kColumnCountOffset = 12;       // u32
inline constexpr size_t kCapacityRowsOffset = 16;      // u64
inline constexpr size_t kStringCapacityOffset = 24;    // u64, bytes per string column
inline constexpr size_t kTableIdOffset = 32;           // u64
inline constexpr size_t kBlockSequenceOffset = 40;     // u64, daemon-local hot block number

// Column descriptor i at kHeaderFixedBytes + i * kColumnDescriptorBytes.
inline constexpr size_t kColumnDescriptorBytes = 32;
inline constexpr size_t kDescriptorTypeOffset = 0;     // u8 ColumnType
inline constexpr size_t kDescriptorDataOffset = 8;     // u64: values (fixed) or u32 offsets (string)
inline constexpr size_t kDescriptorBytesOffset = 16;   // u64: string bytes region (0 if fixed)
inline constexpr size_t kDescriptorReserved = 24;      // u64, zero

inline constexpr uint32_t kMaxColumns = 1024;

inline constexpr uint64_t RoundUpToPage(uint64_t bytes) {
  return (bytes + kPageBytes - 1) / kPageBytes * kPageBytes;
}

inline constexpr uint64_t HeaderBytes(uint32_t column_count) {
  return RoundUpToPage(kHeaderFixedBytes + uint64_t{column_count} * kColumnDescriptorBytes);
}

}  // namespace backtrace::hot
