// The on-disk format of the write-ahead log: constants, the segment header,
// the record header and segment file names. docs/wal_format.md is the prose
// specification; this header is its single source of numbers.
//
// A WAL directory holds segment files named "<20-digit first LSN>.wal". Each
// segment starts with a 24-byte header and continues with records, each a
// 25-byte header followed by its payload. All integers are little-endian.
//
// Stateless; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace backtrace::wal {

// --- Segment header (24 bytes) ---------------------------------------------
//   [0, 8)   magic "BTDB-WAL"
//   [8, 12)  format version, u32
//   [12, 20) first LSN of the segment, u64 (equals the number in the name)
//   [20, 24) masked CRC32C of bytes [0, 20), u32
inline constexpr char kSegmentMagic[8] = {'B', 'T', 'D', 'B', '-', 'W', 'A', 'L'};
// Version 2 added the durable LSN to every record header (version 1 segments
// are refused with kNotSupported; no version 1 WAL was ever released).
inline constexpr uint32_t kFormatVersion = 2;
inline constexpr size_t kSegmentHeaderSize = 24;

// --- Record header (25 bytes), then `payload length` bytes of payload -------
//   [0, 4)   masked CRC32C of bytes [4, 25) followed by the payload, u32
//   [4, 8)   payload length, u32
//   [8, 16)  LSN, u64
//   [16, 17) record type, u8 (meaning defined by the WAL's user)
//   [17, 25) durable LSN, u64: every LSN up to it was durable (synced) when
//            this record was written; always below the record's own LSN.
//            Replay uses it to tell a power-loss tail from corruption.
inline constexpr size_t kRecordHeaderSize = 25;

// The largest payload of one record. A larger Append is refused before
// anything is written; a reader treats a larger length as a bad record.
inline constexpr uint32_t kMaxPayloadBytes = 64u << 20;

// LSNs start at 1 and grow by one per record; 0 means "no record".
inline constexpr uint64_t kFirstLsn = 1;

inline constexpr std::string_view kSegmentSuffix = ".wal";
// A segment is written under this suffix appended to its final name, synced,
// then renamed into place. A leftover one never held a record.
inline constexpr std::string_view kTemporarySuffix = ".tmp";
inline constexpr size_t kSegmentNameDigits = 20;

struct SegmentHeader {
  uint32_t format_version = kFormatVersion;
  uint64_t first_lsn = 0;
};

struct RecordHeader {
  uint32_t masked_crc = 0;
  uint32_t payload_length = 0;
  uint64_t lsn = 0;
  uint8_t type = 0;
  uint64_t durable_lsn = 0;
};

// Writes the 24-byte header for a segment whose first LSN is first_lsn.
void EncodeSegmentHeader(uint64_t first_lsn, uint8_t* destination);

// Decodes a segment header into *header. Errors: kCorruption for a wrong magic
// or checksum, kNotSupported for a format version this build cannot read. The
// message does not name the file; the caller adds it.
[[nodiscard]] Status DecodeSegmentHeader(const uint8_t* source, SegmentHeader* header);

// Writes the 25-byte header of a record with this payload (whose checksum
// covers the payload) to destination; the payload itself is not copied.
// durable_lsn must be below lsn.
void EncodeRecordHeader(uint64_t lsn, uint64_t durable_lsn, uint8_t type,
                        std::string_view payload, uint8_t* destination);

// Appends one whole record (header and payload) to *destination.
void AppendRecord(uint64_t lsn, uint64_t durable_lsn, uint8_t type, std::string_view payload,
                  std::string* destination);

// Decodes the fixed fields of a record header; no checks.
RecordHeader DecodeRecordHeader(const uint8_t* source);

// True when the checksum in `record` (header and payload_length payload bytes,
// all present) matches its contents.
bool RecordChecksumMatches(const uint8_t* record, uint32_t payload_length);

// "00000000000000000042.wal" for first_lsn 42.
std::string SegmentFileName(uint64_t first_lsn);

// The first LSN named by a segment file name, or nothing when `name` is not
// exactly 20 decimal digits followed by ".wal".
std::optional<uint64_t> ParseSegmentFileName(std::string_view name);

}  // namespace backtrace::wal
