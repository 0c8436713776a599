#include "common/catalog/rocksdb_status.h"

#include <string>

namespace backtrace {
namespace {

bool Contains(const std::string& text, std::string_view fragment) {
  return text.find(fragment) != std::string::npos;
}

StatusCode MapCode(const rocksdb::Status& status, const std::string& text) {
  // Resource errors first: RocksDB reports them as I/O errors whose text
  // carries the system's reason.
  if (status.IsNoSpace() || Contains(text, "No space left on device") ||
      Contains(text, "Disk quota exceeded")) {
    return StatusCode::kNoSpace;
  }
  if (status.IsMemoryLimit() || Contains(text, "Too many open files") ||
      Contains(text, "Cannot allocate memory")) {
    return StatusCode::kResourceExhausted;
  }
  if (status.IsCorruption()) return StatusCode::kCorruption;
  if (status.IsNotFound() || status.IsPathNotFound()) return StatusCode::kNotFound;
  if (status.IsIOError()) {
    // Another process (or another handle in this one) holds the LOCK file.
    if (Contains(text, "lock file") || Contains(text, "lock hold by current process")) {
      return StatusCode::kFailedPrecondition;
    }
    return StatusCode::kIoError;
  }
  if (status.IsInvalidArgument()) return StatusCode::kInvalidArgument;
  if (status.IsNotSupported()) return StatusCode::kNotSupported;
  if (status.IsBusy() || status.IsTryAgain() || status.IsTimedOut()) return StatusCode::kBusy;
  if (status.IsAborted() || status.IsShutdownInProgress() || status.IsIncomplete()) {
    return StatusCode::kAborted;
  }
  return StatusCode::kInternal;
}

}  // namespace

Status FromRocksDBStatus(const rocksdb::Status& status, std::string_view context) {
  if (status.ok()) return Status::Ok();
  std::string text = status.ToString();
  StatusCode code = MapCode(status, text);
  std::string message(context);
  message += ": ";
  message += text;
  if (code == StatusCode::kFailedPrecondition) {
    message += " (the catalog is open as primary elsewhere; only one primary may open it)";
  }
  return Status(code, std::move(message));
}

}  // namespace backtrace
