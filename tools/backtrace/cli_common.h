// What every subcommand of the `backtrace` program shares: the global
// options (the run directory), exit codes, how an error is printed (one
// line on standard error that says what to do), connecting to the daemon
// and finding a table.
//
// Used by the program's single thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/client/ingest_client.h"
#include "common/schema/table_schema.h"

namespace backtrace::cli {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
// Ended by SIGINT (128 + 2, as shells report it).
inline constexpr int kExitInterrupted = 130;

// Where the daemon's sockets are when neither --run-dir nor the environment
// says: the run_dir default of config/backtraced.toml.
inline constexpr std::string_view kDefaultRunDir = "./var/run";
// Environment variable that overrides kDefaultRunDir (--run-dir overrides it).
inline constexpr std::string_view kRunDirEnvironment = "BACKTRACE_RUN_DIR";

// State shared by the subcommands: filled by the global options, read by
// the subcommand that runs, which stores the process exit code.
struct Context {
  std::string run_dir{kDefaultRunDir};
  int exit_code = kExitSuccess;
};

// <run_dir>/ingest.sock.
std::string IngestSocketPath(const Context& context);
// <run_dir>/query.sock.
std::string QuerySocketPath(const Context& context);

// Prints "backtrace: <message>" as one line on standard error (line breaks
// in the message become "; ") and returns kExitFailure.
int PrintError(std::string_view message);
int PrintError(const Status& status);

// Connects to the daemon's ingest socket. The error says that the daemon is
// not running at that path when nothing listens there.
Result<std::unique_ptr<client::IngestClient>> ConnectToDaemon(const Context& context,
                                                              client::IngestClientOptions options = {});

// The schema of table `name`, from ListTables. kNotFound naming the table
// and how to list or create tables when there is none of that name.
Result<TableSchema> FindTable(client::IngestClient* client, std::string_view name);

// "1,234,567".
std::string WithThousands(uint64_t value);

}  // namespace backtrace::cli
