// Simulated power loss, for crash tests (needs the fault-injection hooks, see
// common/base/fault_injection.h; without them Start returns kNotSupported).
//
// While tracking, the file layer remembers for every file under the tracked
// directory what was written (or truncated) since that file's last
// fdatasync/fsync, with the bytes it replaced, and which directory entries
// were created or renamed there since their directory's last fsync. CutPower
// then makes every file operation fail with EIO (the machine is off: nothing
// more reaches the disk), and RestorePower(seed) rewrites the files as a disk
// might hold them after the loss and turns the power back on:
//
//   per file, one of (chosen by the seed): every unsynced change lost; every
//   one kept; a prefix of the unsynced bytes (in write order) kept; each
//   4 KiB page of them kept or lost independently; the unsynced bytes
//   replaced by garbage; or by zeros (the new size reached the disk, the
//   data did not);
//   and of the unsynced directory operations, a prefix (in order) is kept
//   and the rest undone: created files removed, renames reversed.
//
// Synced data is never touched. Removals (unlink) and the files' metadata
// other than size are not modelled: a removal is taken as durable at once.
//
// Usage in a test:
//   ASSERT_TRUE(power_loss::Start(directory).ok());
//   ... run the code under test, note what it acknowledged ...
//   power_loss::CutPower();
//   ... stop the code under test (its I/O now fails) ...
//   power_loss::Outcome outcome = power_loss::RestorePower(seed);
//   ... recover from `directory` and check ...
//
// Thread-safe; one tracking session at a time per process.
#pragma once

#include <cstdint>
#include <string>

#include "common/base/status.h"

namespace backtrace::power_loss {

// Starts tracking changes to files under `directory` (an absolute or
// relative path prefix). Errors: kNotSupported without fault injection;
// kFailedPrecondition if a session is already running.
[[nodiscard]] Status Start(const std::string& directory);

// From now on every file operation through the file layer fails with EIO,
// until RestorePower. Waits for operations in progress to finish.
void CutPower();

// Cuts power just before the nth fdatasync/fsync of a file under the tracked
// directory from now on (n >= 1): that sync and every later operation fail
// with EIO, so the cut falls exactly where data is written but not synced.
void CutPowerAtSync(uint64_t nth);
// True once power is cut (by CutPower or CutPowerAtSync).
bool PowerIsCut();

struct Outcome {
  uint64_t files_changed = 0;        // files with unsynced changes
  uint64_t unsynced_bytes = 0;       // bytes written and not synced
  uint64_t directory_operations = 0; // unsynced creations and renames
  uint64_t directory_operations_undone = 0;
  std::string description;           // what was done to each file, for logs
};

// Applies the loss chosen by `seed` to the tracked files (see above), ends
// the session and lets file operations through again. Errors from the
// rewriting itself are reported in the description (the test then fails on
// what it finds).
Outcome RestorePower(uint64_t seed);

// Ends a session without losing anything (a test that did not cut power).
void Stop();

}  // namespace backtrace::power_loss
