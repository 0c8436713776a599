// backtrace tables: lists the tables (see commands.h), sorted by name, one
// line each under a header line; columns separated by runs of spaces so
// that `awk '{print $1}'` yields the names. By default the figures (rows,
// blocks, bytes on disk, compression ratio, time range on disk); with
// --schema the time column, sort key and columns.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "common/text/timestamp_format.h"
#include "tools/backtrace/commands.h"
#include "tools/backtrace/text_table.h"

namespace backtrace::cli {
namespace {

std::vector<std::string> SchemaRow(const TableSchema& table) {
  std::string sort_key;
  for (const auto& column : table.SortKeyColumns()) {
    sort_key += (sort_key.empty() ? "" : ",") + column;
  }
  return {table.name, table.time_column, sort_key, table.ColumnListString()};
}

std::vector<std::string> FiguresRow(const client::TableEntry& entry) {
  if (!entry.status) return {entry.schema.name, "-", "-", "-", "-", "-", "-", "-"};
  const wire::TableStatus& status = *entry.status;
  bool any = status.has_rows_on_disk();
  return {entry.schema.name,
          std::to_string(status.rows_on_disk + status.memory_rows),
          std::to_string(status.memory_rows),
          std::to_string(status.blocks),
          FormatBytes(status.file_bytes),
          FormatRatio(status.raw_bytes, status.file_bytes),
          any ? FormatTimestamp(status.min_time) : "-",
          any ? FormatTimestamp(status.max_time) : "-"};
}

int Run(const Context& context, bool schema) {
  auto client = ConnectToDaemon(context);
  if (!client.ok()) return PrintError(client.status());
  auto tables = (*client)->ListTableEntries();
  if (!tables.ok()) return PrintError(tables.status());
  std::sort(tables->begin(), tables->end(),
            [](const client::TableEntry& a, const client::TableEntry& b) {
              return a.schema.name < b.schema.name;
            });
  std::vector<std::vector<std::string>> rows;
  if (schema) {
    rows.push_back({"TABLE", "TIME_COLUMN", "SORT_KEY", "COLUMNS"});
    for (const auto& table : *tables) rows.push_back(SchemaRow(table.schema));
  } else {
    rows.push_back(
        {"TABLE", "ROWS", "IN_MEMORY", "BLOCKS", "ON_DISK", "RATIO", "FIRST_TIME", "LAST_TIME"});
    for (const auto& table : *tables) rows.push_back(FiguresRow(table));
  }
  std::string out = FormatTextTable(rows, schema ? std::vector<size_t>{}
                                                 : std::vector<size_t>{1, 2, 3, 4, 5});
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitSuccess;
}

}  // namespace

void AddTablesCommand(CLI::App* app, Context* context) {
  CLI::App* command = app->add_subcommand(
      "tables",
      "List the tables: rows (on disk and in memory), blocks, bytes on disk, compression ratio "
      "and time range; --schema for their columns");
  auto schema = std::make_shared<bool>(false);
  command->add_flag("--schema", *schema, "show the time column, sort key and columns instead");
  command->footer(
      "ROWS counts every acknowledged row: those in committed blocks and those still in memory\n"
      "(IN_MEMORY). ON_DISK is the size of the column files, RATIO the size of the values before\n"
      "encoding over it, FIRST_TIME and LAST_TIME the time range of the rows on disk.\n\n"
      "Examples:\n  backtrace tables\n  backtrace tables --schema\n"
      "  backtrace --run-dir /run/backtracedb tables");
  command->callback([context, schema] { context->exit_code = Run(*context, *schema); });
}

}  // namespace backtrace::cli
