// The hooks file.cc calls in builds with BACKTRACE_FAULT_INJECTION: injected
// errors (fault_injection.cc) and power-loss tracking (power_loss.cc). Not for
// use outside the file layer; tests use fault_injection.h and power_loss.h.
//
// Thread-safe.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/fault_injection.h"

namespace backtrace::io::hooks {

// The errno an operation on `path` must fail with, or 0. For writes,
// *partial says whether to write half the buffer first (may be null).
int InjectedError(fault::Operation operation, std::string_view path, bool* partial = nullptr);

// Held by every file operation while it runs: CutPower waits for the
// operations in progress. Costs one atomic load when no power-loss session
// runs.
class OperationGate {
 public:
  OperationGate();
  ~OperationGate();
  OperationGate(const OperationGate&) = delete;
  OperationGate& operator=(const OperationGate&) = delete;

  // True once power was cut: the operation must fail with EIO.
  bool power_off() const { return power_off_; }
  // True while a power-loss session tracks changes (then the Record*
  // functions below are to be called).
  bool tracking() const { return tracking_; }

 private:
  bool locked_ = false;
  bool power_off_ = false;
  bool tracking_ = false;
};

// What a change replaced, captured before it is made. Only for tracked
// paths (active is false otherwise).
struct Capture {
  bool active = false;
  uint64_t offset = 0;    // writes: where; truncates: the new size
  uint64_t old_size = 0;  // file size before
  std::string old_bytes;  // bytes the change overwrites or cuts off
};

// All with an OperationGate held and tracking() true.
Capture BeforeWrite(int descriptor, const std::string& path, int64_t offset, size_t size);
void AfterWrite(int descriptor, const std::string& path, const Capture& capture,
                const void* data, size_t written);
Capture BeforeTruncate(int descriptor, const std::string& path, uint64_t new_size);
void AfterTruncate(int descriptor, const std::string& path, const Capture& capture);
// True when power is to be cut just before this sync (CutPowerAtSync); the
// sync must then fail as with power off.
bool CutBeforeSync(const std::string& path);
// A mark taken before an fsync; AfterSync forgets only the changes recorded
// before it (a write that finishes while the sync runs may not be covered).
uint64_t SyncMark();
void AfterSync(int descriptor, const std::string& path, uint64_t mark);
// Whether path exists (to tell a creating open from one of an existing file).
bool Exists(const std::string& path);
void AfterCreate(const std::string& path);
// Saves the rename target's contents if it exists (to restore on undo).
Capture BeforeRename(const std::string& from, const std::string& to);
void AfterRename(const std::string& from, const std::string& to, const Capture& target);
void AfterSyncDirectory(const std::string& path);
// The levels of path that do not exist yet, outermost first, '\n'-joined.
std::string MissingDirectories(const std::string& path);
void AfterMakeDirectories(const std::string& missing);

}  // namespace backtrace::io::hooks
