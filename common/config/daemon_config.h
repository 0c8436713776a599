// DaemonConfig: every setting of backtraced with its default, and the
// loading of config/backtraced.toml (docs in that file; every key there is
// one field here, under the same name).
//
// LoadDaemonConfig starts from the defaults and applies the file's keys.
// It refuses what it does not understand rather than guessing: an unknown
// key (a typo must not be silently ignored), a value of the wrong TOML type
// and a value out of range are errors naming the key, its line and what is
// expected. Command-line overrides (--data-dir, --run-dir,
// --metrics-listen) are applied by the daemon to the loaded struct; it then
// calls ValidateDaemonConfig again.
//
// Plain values and stateless functions; callable from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/config/units.h"

namespace backtrace {

// How the WAL makes an acknowledged batch durable.
enum class WalSyncMode {
  kFdatasync,  // fdatasync before the Ack: an acknowledged row survives a crash
  kNone,       // no sync: a crash loses acknowledged rows; for benchmarks only
};

// "fdatasync" or "none".
std::string_view WalSyncModeName(WalSyncMode mode);

struct DaemonConfig {
  // Paths.
  std::string data_dir = "./var/data";  // catalog, WAL, tables; locked by one daemon
  std::string run_dir = "./var/run";    // sockets (ingest.sock, query.sock)

  // Sockets and connections.
  uint32_t socket_mode = 0660;  // permission bits of the sockets
  std::string socket_group;     // group of the sockets; empty: the daemon's
  std::string metrics_listen = "127.0.0.1:9470";  // host:port; empty disables
  uint64_t max_frame_bytes = uint64_t{16} << 20;
  uint32_t max_connections = 1024;

  // Write-ahead log.
  WalSyncMode wal_sync = WalSyncMode::kFdatasync;
  uint64_t wal_segment_bytes = uint64_t{64} << 20;

  // Hot blocks and compaction.
  uint64_t max_block_rows = uint64_t{1} << 20;
  std::chrono::nanoseconds max_block_age = std::chrono::seconds(60);
  uint64_t max_hot_bytes = uint64_t{1} << 30;
  uint32_t max_frozen_blocks = 16;
  uint32_t compactors = 1;
  int32_t zstd_level = 3;

  // Queries.
  uint32_t query_workers = 0;  // 0: one per CPU core
  uint32_t max_queued_queries = 64;
  std::chrono::nanoseconds query_timeout = std::chrono::seconds(60);  // 0: none
  uint64_t query_memory_bytes = uint64_t{1} << 30;

  // Process.
  std::chrono::nanoseconds shutdown_timeout = std::chrono::seconds(30);
  std::string log_level = "info";  // "debug", "info", "warn" or "error"

  bool operator==(const DaemonConfig&) const = default;
};

// Reads and parses the TOML file at path (through the file layer). Errors:
// the file's read error as it is (NotFound, IoError...); InvalidArgument
// naming the file, line and column for TOML syntax errors; InvalidArgument
// naming the key and its line for unknown keys, wrong types, values out of
// range or inconsistent settings.
[[nodiscard]] Result<DaemonConfig> LoadDaemonConfig(const std::string& path);

// As LoadDaemonConfig for TOML text; source_name names it in messages.
[[nodiscard]] Result<DaemonConfig> ParseDaemonConfig(std::string_view text,
                                                     std::string_view source_name);

// The checks of values against each other and the ranges, for a struct
// changed after loading (command-line overrides). InvalidArgument naming
// the setting.
[[nodiscard]] Status ValidateDaemonConfig(const DaemonConfig& config);

}  // namespace backtrace
