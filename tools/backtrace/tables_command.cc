// backtrace tables: lists the tables (see commands.h). One line per table,
// sorted by name, under a header line; columns separated by runs of spaces
// so that `awk '{print $1}'` yields the names.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "tools/backtrace/commands.h"

namespace backtrace::cli {
namespace {

int Run(const Context& context) {
  auto client = ConnectToDaemon(context);
  if (!client.ok()) return PrintError(client.status());
  auto tables = (*client)->ListTables();
  if (!tables.ok()) return PrintError(tables.status());
  std::sort(tables->begin(), tables->end(),
            [](const TableSchema& a, const TableSchema& b) { return a.name < b.name; });

  std::vector<std::vector<std::string>> rows;
  rows.push_back({"TABLE", "TIME_COLUMN", "SORT_KEY", "COLUMNS"});
  for (const auto& table : *tables) {
    std::string sort_key;
    for (const auto& column : table.SortKeyColumns()) {
      sort_key += (sort_key.empty() ? "" : ",") + column;
    }
    rows.push_back({table.name, table.time_column, sort_key, table.ColumnListString()});
  }
  std::vector<size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out.append(widths[i] - row[i].size() + 2, ' ');
    }
    out += '\n';
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitSuccess;
}

}  // namespace

void AddTablesCommand(CLI::App* app, Context* context) {
  CLI::App* command = app->add_subcommand(
      "tables", "List the tables with their time column, sort key and columns");
  command->footer("Example:\n  backtrace tables\n  backtrace --run-dir /run/backtraced tables");
  command->callback([context] { context->exit_code = Run(*context); });
}

}  // namespace backtrace::cli
