// Conversion of RocksDB's status into BacktraceDB's Status, so that callers
// of the catalog decide by code: a full disk is kNoSpace and too many open
// files kResourceExhausted (never kCorruption), a held LOCK is
// kFailedPrecondition, RocksDB's corruption is kCorruption.
//
// Stateless; callable from any thread.
#pragma once

#include <string_view>

#include <rocksdb/status.h>

#include "common/base/status.h"

namespace backtrace {

// OK for an OK status; otherwise "<context>: <RocksDB's text>" with the
// mapped code. `context` should name the catalog path and the operation.
[[nodiscard]] Status FromRocksDBStatus(const rocksdb::Status& status, std::string_view context);

}  // namespace backtrace
