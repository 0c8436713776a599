// Replay of the write-ahead log at start-up: reads every segment in LSN order,
// checks every record and hands the records at or after a given LSN to the
// caller. Damage in the newest segment that no later intact record proves to
// have been synced (the unsynced tail of a crash or power loss, never
// reported durable) is cut off, with any intact records after it; any other
// bad record is corruption. docs/wal_format.md gives the exact rules.
//
// Replay must not run while a WalWriter has the directory open. Callable from
// any thread; it keeps no state between calls.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace backtrace::wal {

struct ReplayReport {
  uint64_t records_replayed = 0;  // records passed to visit
  // The highest LSN the WAL holds: of the last intact record, or the newest
  // segment's first LSN - 1 when that segment holds no record; 0 if none.
  uint64_t last_lsn = 0;
  // Where a WalWriter must start: max(last_lsn + 1, from_lsn, 1).
  uint64_t next_lsn = 1;
  uint64_t torn_bytes_cut = 0;  // bytes of the torn tail (cut only if repairing)
  std::string torn_segment;     // path of the segment with the torn tail, or ""
  uint64_t torn_offset = 0;     // offset at which the torn tail began
  std::string torn_problem;     // what was wrong with its first record
  // Intact records found after the damage and cut off with it (written by
  // the crashed process, never synced, so never acknowledged).
  uint64_t torn_records_dropped = 0;
  uint64_t segments_read = 0;   // segment files opened
};

// Called for each record at or after from_lsn, in LSN order. The payload view
// is valid only during the call. A non-OK return stops replay and is returned.
using ReplayVisitor = std::function<Status(uint64_t lsn, uint8_t type, std::string_view payload)>;

// Replays the WAL in `directory` from from_lsn (0 is taken as 1). Segments
// wholly below from_lsn are not read. An empty or missing directory replays
// nothing and reports next_lsn = max(1, from_lsn).
//
// With repair_torn_tail, a torn tail is truncated away and the file fsynced,
// so the next start does not see it; without, it is only reported. Either way
// replay then succeeds. `report` may be null.
//
// Errors: kCorruption naming the segment file and byte offset for a bad
// segment header, a bad record in any but the newest segment, a bad record in
// the newest segment followed by an intact record whose durable LSN covers
// it, an intact record with an unexpected LSN, or LSNs at or after from_lsn
// that no segment holds. I/O and resource errors as such. The status of `visit`. On
// any error, records before the failure point may already have been visited:
// the caller must discard what it built.
[[nodiscard]] Status Replay(const std::string& directory, uint64_t from_lsn,
                           const ReplayVisitor& visit, bool repair_torn_tail,
                           ReplayReport* report);

}  // namespace backtrace::wal
