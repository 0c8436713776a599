// backtrace status: whether the daemon runs and how it is doing (see
// commands.h): its sockets and metrics address, whether it accepts writes,
// rows in memory, the compaction backlog, and each table's figures.
// Exit code 0 when it runs and accepts writes, 1 when it cannot be reached,
// 3 when it runs but has stopped accepting writes (the output says why).
#include <cstdio>
#include <string>
#include <vector>

#include "tools/backtrace/commands.h"
#include "tools/backtrace/progress_bar.h"
#include "tools/backtrace/text_table.h"

namespace backtrace::cli {
namespace {

inline constexpr int kExitWritesStopped = 3;

std::string WritesLine(const wire::DaemonStatus& status) {
  if (status.writes_stopped) {
    return "STOPPED: " + status.write_error + " (restart the daemon; what is on disk recovers)";
  }
  if (status.ingest_paused) {
    return "paused (backpressure: rows in memory over max_hot_bytes or compaction behind)";
  }
  return "accepted";
}

std::string Describe(const wire::DaemonStatus& status) {
  std::vector<std::vector<std::string>> lines;
  lines.push_back({"data directory", status.data_dir});
  lines.push_back({"ingest socket", status.ingest_socket});
  lines.push_back({"query socket", status.query_socket});
  lines.push_back({"metrics", status.metrics_listen.empty()
                                  ? "off"
                                  : "http://" + status.metrics_listen + "/metrics"});
  lines.push_back({"connections", std::to_string(status.connections)});
  lines.push_back({"writes", WritesLine(status)});
  lines.push_back({"in memory", WithThousands(status.memory_rows) + " rows (" +
                                    FormatBytes(status.memory_bytes) + ")"});
  lines.push_back({"compaction", std::to_string(status.frozen_blocks) + " blocks waiting, " +
                                     std::to_string(status.compactors) + " compactors, " +
                                     WithThousands(status.compactions) + " blocks compacted, " +
                                     std::to_string(status.compactor_restarts) + " restarts"});
  lines.push_back({"queries", std::to_string(status.query_workers) + " workers, " +
                                  std::to_string(status.query_connections) + " connections, " +
                                  std::to_string(status.queries_queued) + " queued, " +
                                  WithThousands(status.queries_answered) + " answered, " +
                                  WithThousands(status.queries_failed) + " failed"});
  lines.push_back({"since start", WithThousands(status.batches_acknowledged) +
                                      " batches acknowledged, " +
                                      FormatBytes(status.wal_bytes_written) + " of WAL written"});
  std::string out = "backtraced " + status.version + " is running (pid " +
                    std::to_string(status.pid) + ", up " + FormatDuration(status.uptime_seconds) +
                    ")\n";
  out += FormatTextTable(lines);
  if (!status.tables.empty()) {
    std::vector<std::vector<std::string>> tables;
    tables.push_back({"TABLE", "ROWS", "IN_MEMORY", "BLOCKS", "ON_DISK", "RATIO"});
    for (const wire::TableStatus& table : status.tables) {
      tables.push_back({table.name, std::to_string(table.rows_on_disk + table.memory_rows),
                        std::to_string(table.memory_rows), std::to_string(table.blocks),
                        FormatBytes(table.file_bytes),
                        FormatRatio(table.raw_bytes, table.file_bytes)});
    }
    out += "\n" + FormatTextTable(tables, {1, 2, 3, 4, 5});
  }
  return out;
}

int Run(const Context& context) {
  auto client = ConnectToDaemon(context);
  if (!client.ok()) return PrintError(client.status());
  auto status = (*client)->GetStatus();
  if (!status.ok()) return PrintError(status.status());
  std::string out = Describe(*status);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return status->writes_stopped ? kExitWritesStopped : kExitSuccess;
}

}  // namespace

void AddStatusCommand(CLI::App* app, Context* context) {
  CLI::App* command = app->add_subcommand(
      "status", "Show whether backtraced runs and how it is doing: sockets, writes, rows in "
                "memory, compaction backlog, tables");
  command->footer(
      "Exit code: 0 when the daemon runs and accepts writes, 1 when it cannot be reached,\n"
      "3 when it runs but has stopped accepting writes (the writes line says why).\n\n"
      "Examples:\n  backtrace status\n  backtrace --run-dir /run/backtracedb status");
  command->callback([context] { context->exit_code = Run(*context); });
}

}  // namespace backtrace::cli
