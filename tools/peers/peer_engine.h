// PeerEngine: what the shared runner driver (RunPeer) needs from one peer
// database system, so that DuckDB and SQLite are loaded, fed and queried
// through the same loop, timed the same way and report the same JSON lines.
// Each runner program implements one engine and calls RunPeer from main.
//
// The driver calls an engine from one thread; an engine holds at most one open
// database at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/peers/orders_csv.h"
#include "tools/peers/result_table.h"

namespace backtrace::peers {

// 2024-01-01T01:00:00Z: the start of Q2's hour and Q6's ten minutes by
// default. 10M generated rows span about 2.8 hours from midnight, so a window
// must start before about 02:40 to select anything.
inline constexpr int64_t kDefaultWindowStart = 1704070800LL * 1000000000LL;
inline constexpr int64_t kNanosPerMinute = 60LL * 1000000000LL;

struct PeerQuery {
  std::string name;  // "Q1".."Q6"
  std::string sql;
};

// Replaces {hour_start}, {hour_end} and {ten_minutes_end} in `sql` with the
// nanosecond bounds of the windows that start at `window_start`.
std::string BindWindow(std::string_view sql, int64_t window_start);

struct LoadReport {
  uint64_t rows = 0;
  // Named phases in order, in seconds; they add up to the load's time.
  std::vector<std::pair<std::string, double>> phases;
};

struct StreamOptions {
  // SQLite only: the table carries its indexes while rows stream in (true),
  // or has none (false).
  bool create_indexes = true;
};

class PeerEngine {
 public:
  virtual ~PeerEngine() = default;

  virtual std::string_view system() const = 0;
  // Loads the system's library when it is dynamically loaded: `library` is a
  // path, or empty to use the engine's environment variable. False with
  // *error when it cannot be loaded.
  virtual bool Load(const std::string& library, std::string* error) = 0;
  virtual std::string version() const = 0;
  // Every file a database named `database` may consist of (main file, WAL…).
  virtual std::vector<std::string> DatabaseFiles(const std::string& database) const = 0;
  // Settings of the open database worth recording next to the figures.
  virtual std::vector<std::pair<std::string, std::string>> Settings() = 0;

  // Creates `database` (which must not exist), loads `csv` into table
  // `orders` the system's own bulk way, and makes the data durable; leaves
  // the database closed. False with *error on any failure.
  virtual bool BulkLoad(const std::string& database, const std::string& csv, LoadReport* report,
                        std::string* error) = 0;

  // Streaming load: StreamBegin creates `database` with an empty `orders`
  // table; StreamAppend adds one row to the open batch; StreamCommit makes
  // the batch durable; StreamEnd releases the appender or statement (any
  // uncommitted rows are committed). Close then closes the database.
  virtual bool StreamBegin(const std::string& database, const StreamOptions& options,
                           std::string* error) = 0;
  virtual bool StreamAppend(const OrderRow& row, std::string* error) = 0;
  virtual bool StreamCommit(std::string* error) = 0;
  virtual bool StreamEnd(std::string* error) = 0;
  // The indexes the streamed table carries with `options`, for the report.
  virtual std::string StreamIndexes(const StreamOptions& options) const = 0;

  // Opens an existing database; Close is a no-op when none is open.
  virtual bool Open(const std::string& database, std::string* error) = 0;
  virtual bool Close(std::string* error) = 0;

  // The six benchmark queries in this system's SQL, windows bound.
  virtual std::vector<PeerQuery> Queries(int64_t window_start) const = 0;
  // Runs `sql` on the open database and reads every cell of its answer into
  // *result (replacing what it held). False with *error on failure.
  virtual bool Run(const std::string& sql, ResultTable* result, std::string* error) = 0;
  // The system's query plan for `sql` as text, or empty when not offered.
  virtual std::string Explain(const std::string& sql) = 0;

  // For a system that commits batches asynchronously (the batch is handed
  // on by StreamCommit and acknowledged later): the seconds from each
  // hand-off to its durable acknowledgement, replacing the driver's timing
  // of the StreamCommit calls in the report. Empty (the default): the
  // driver times StreamCommit.
  virtual std::vector<double> AcknowledgedCommitSeconds() const { return {}; }
  // For a system that runs as server processes apart from the runner:
  // figures about them since the command began (such as their peak
  // memory and CPU time), added to the load reports and the query summary. Empty by
  // default (the engine runs inside the runner).
  virtual std::vector<std::pair<std::string, double>> ServerFigures() const { return {}; }
  // Allocated bytes of named parts of the database (such as column files,
  // catalog, WAL), reported beside its total as bytes_on_disk_<name>. Empty
  // by default.
  virtual std::vector<std::pair<std::string, uint64_t>> FootprintParts(const std::string& database) const {
    (void)database;
    return {};
  }
};

// The runner program's main: parses the command line, drives `engine` and
// prints the JSON lines. Returns the process exit code (0 success, 1 failure,
// 2 usage error).
int RunPeer(int argc, char** argv, PeerEngine* engine);

}  // namespace backtrace::peers
