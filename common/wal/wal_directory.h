// Listing the segment files of a WAL directory. Used by the writer (to know
// which segments it may delete) and by replay.
//
// Stateless; callable from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace backtrace::wal {

struct SegmentFile {
  uint64_t first_lsn = 0;
  std::string name;  // file name inside the directory, e.g. "000…042.wal"
};

// The segment files of `directory`, ordered by first LSN. Entries whose name
// is not a segment name (including leftover "<segment>.tmp" files) are not
// listed. A missing directory is kNotFound; other errors are the file
// system's.
[[nodiscard]] Result<std::vector<SegmentFile>> ListSegments(const std::string& directory);

// Names of leftover temporary segment files ("<segment name>.tmp") in
// `directory`, which never held a record.
[[nodiscard]] Result<std::vector<std::string>> ListTemporarySegments(const std::string& directory);

}  // namespace backtrace::wal
