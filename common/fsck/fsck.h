// Offline consistency check of a data directory (`backtrace fsck DIR`).
//
// It opens the catalog as its primary (so no daemon may be running: the
// data directory lock says whether one is) and checks:
//   - every live block of every table: each column file exists, opens,
//     every granule's checksum verifies and decodes, and its row count,
//     size and min/max agree with the catalog entry;
//   - no block or table directory exists that no catalog entry names
//     (left by an interrupted compaction; the daemon removes them at start);
//   - the WAL replays from the checkpoint to its end (a torn tail is
//     reported as a note, not a fault: it was never acknowledged).
// Nothing is modified.
//
// Stateless; callable from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace backtrace::fsck {

struct FsckReport {
  std::vector<std::string> faults;  // each names the file, block, granule...
  std::vector<std::string> notes;   // harmless findings
  uint64_t tables = 0;
  uint64_t blocks = 0;
  uint64_t column_files = 0;
  uint64_t granules = 0;
  uint64_t rows = 0;
  uint64_t wal_records = 0;

  bool clean() const { return faults.empty(); }
};

// Checks data_dir. Errors: only failures to run the check at all (the
// directory is locked by a running daemon, the catalog cannot be opened);
// everything found wrong in the data goes into the report.
Result<FsckReport> CheckDataDirectory(const std::string& data_dir);

}  // namespace backtrace::fsck
