// The records that backtraced writes to its WAL (common/wal carries them as
// typed payloads). See docs/wal_format.md, "Record types of backtraced".
//
//   kAppendRecord:  u64 table id (little-endian) · the verified ingest
//                   Request frame payload whose body is the Append, as the
//                   client sent it.
//   kBarrierRecord: empty. Written to learn when everything submitted
//                   before it is durable (a resent batch that is still in
//                   flight is acknowledged after the barrier).
//
// Record types are stored on disk: never renumber them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace backtrace::daemon {

inline constexpr uint8_t kAppendRecord = 1;
inline constexpr uint8_t kBarrierRecord = 2;

inline constexpr size_t kAppendRecordHeaderBytes = 8;  // the table id

}  // namespace backtrace::daemon
