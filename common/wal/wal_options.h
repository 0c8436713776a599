// Options of a write-ahead log writer (WalWriter, GroupCommitWal). A plain
// value; copied by whoever opens a writer.
#pragma once

#include <cstdint>
#include <string>

namespace backtrace::wal {

struct WalOptions {
  // The directory of segment files; created if missing.
  std::string directory;

  // A segment is closed and a new one started once it holds at least this
  // many bytes (a segment may exceed it by its last record). Must be > 0.
  uint64_t segment_bytes = uint64_t{64} << 20;

  // false: never fdatasync (benchmarks only). Records are then reported
  // durable once written to the operating system, and a crash of the machine
  // loses acknowledged records.
  bool sync = true;
};

}  // namespace backtrace::wal
