// Reads back, offline, every row of a table that a stopped daemon's data
// directory holds: the committed blocks' column files (through the catalog
// and the column file reader) plus the WAL records past the table's
// persisted watermark (what a restart would replay). Tests use it to prove
// that acknowledged rows are present exactly once.
//
// The daemon must not be running (the catalog is opened as primary).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace backtrace::testing {

struct StoredRows {
  std::vector<int64_t> persisted;  // time column values in column files
  std::vector<int64_t> in_wal;     // time column values still only in the WAL
  uint64_t blocks = 0;
  uint64_t wal_records = 0;
};

Result<StoredRows> ReadStoredTimes(const std::string& data_dir, const std::string& table);

}  // namespace backtrace::testing
