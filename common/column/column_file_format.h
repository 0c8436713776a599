// Constants of the column file format (docs/column_file_format.md is the
// prose specification). A column file holds the values of one column of one
// block: a header, an optional string dictionary, granules, a granule index
// and a footer. Every number is little-endian.
//
// The numeric values of the enums below are stored on disk: never renumber
// them; add new values instead.
//
// Constants only; usable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace backtrace::column {

// "BTDBCOLF": first and last eight bytes of every column file.
inline constexpr std::string_view kMagic{"BTDBCOLF", 8};
inline constexpr uint16_t kFormatVersion = 1;

// Header: magic[8] version:u16 type:u8 file_encoding:u8 granule_rows:u32
// reserved:u32 (zero) header_crc:u32 (masked CRC32C of bytes 0..19).
inline constexpr size_t kHeaderBytes = 24;
inline constexpr size_t kHeaderCrcOffset = 20;

// Footer: index_offset:u64 index_bytes:u64 index_crc:u32 footer_crc:u32
// (masked CRC32C of bytes 0..19) magic[8].
inline constexpr size_t kFooterBytes = 32;
inline constexpr size_t kFooterCrcOffset = 20;

inline constexpr uint32_t kDefaultGranuleRows = 8192;
// Exception positions of the decimal encoding are u16, so a granule holds at
// most 65536 rows.
inline constexpr uint32_t kMaxGranuleRows = 65536;

// String min/max in the index are cut to this many bytes (see the
// min_truncated / max_truncated flags).
inline constexpr size_t kMaxZoneMapStringBytes = 64;

// A per-file string dictionary holds at most this many distinct values.
inline constexpr uint32_t kMaxDictionaryEntries = 65536;

// Bit-packed integers are at most this wide, so that any value can be read
// with one unaligned 8-byte load; wider data is stored plain.
inline constexpr unsigned kMaxPackedBitWidth = 56;

// Integer bodies (see IntegerEncoding): the fixed bytes before the packed
// values, and the optional patch list after them, announced by bit 7 of the
// width byte: a u32 count, then u16 positions, then u64 values.
inline constexpr size_t kFrameOfReferenceHeaderBytes = 8 + 8 + 1;  // base, scale, width
inline constexpr size_t kDeltaHeaderBytes = 8 + 8 + 8 + 1;         // first, base, scale, width
inline constexpr uint8_t kPatchedWidthFlag = 0x80;
inline constexpr size_t kPatchCountBytes = 4;
inline constexpr size_t kPatchBytes = 2 + 8;

// The decimal float encoding stores value * 10^exponent as an integer; the
// exponent is at most this (10^18 is exact in a double).
inline constexpr unsigned kMaxDecimalExponent = 18;

// How the granules of a whole file are laid out (header byte 11).
enum class FileEncoding : uint8_t {
  kPlain = 0,       // granules are self-contained
  kDictionary = 1,  // string granules hold codes into the file's dictionary
};

// How one granule's values are turned into bytes (before the codec). Which
// encodings are valid depends on the column type; see the specification.
enum class GranuleEncoding : uint8_t {
  kPlain = 1,             // numeric: 8 bytes per value
  kFrameOfReference = 2,  // integers: (value - base) / scale, bit-packed
  kDelta = 3,             // integers: first value, then frame-of-reference deltas
  kByteShuffle = 4,       // float64: byte k of every value, for k = 0..7
  kDecimal = 5,           // float64: value * 10^e as integers, plus exceptions
  kDictionary = 6,        // string: integer sequence of dictionary codes
  kPlainStrings = 7,      // string: integer sequence of lengths, then bytes
};

// Compression applied on top of the encoded bytes of one granule (or of the
// dictionary).
enum class GranuleCodec : uint8_t {
  kNone = 0,
  kZstd = 1,
};

// Integer sequences nested inside payloads (decimal integers, dictionary
// codes, string lengths) start with one of these kind bytes; the values equal
// the matching GranuleEncoding values.
enum class IntegerEncoding : uint8_t {
  kPlain = 1,
  kFrameOfReference = 2,
  kDelta = 3,
};

// Bits of the file flags byte of the index.
inline constexpr uint8_t kFileHasMinMax = 1 << 0;
inline constexpr uint8_t kFileHasNan = 1 << 1;
inline constexpr uint8_t kFileMinTruncated = 1 << 2;
inline constexpr uint8_t kFileMaxTruncated = 1 << 3;
inline constexpr uint8_t kFileFlagsMask = 0x0f;

// Bits of the flags byte of a granule index entry.
inline constexpr uint8_t kGranuleHasNan = 1 << 0;
inline constexpr uint8_t kGranuleAllNan = 1 << 1;
inline constexpr uint8_t kGranuleMinTruncated = 1 << 2;
inline constexpr uint8_t kGranuleMaxTruncated = 1 << 3;
inline constexpr uint8_t kGranuleFlagsMask = 0x0f;

// The bit pattern stored as min and max of an all-NaN float64 granule.
inline constexpr uint64_t kCanonicalNanBits = 0x7ff8000000000000ull;

}  // namespace backtrace::column
