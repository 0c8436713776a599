// backtrace create-table: defines a table (see commands.h).
#include <cstdio>
#include <memory>
#include <string>

#include "tools/backtrace/commands.h"

namespace backtrace::cli {
namespace {

struct CreateTableOptions {
  std::string name;
  std::string columns;
  std::string time_column;
  std::string sort_key;
};

// The time column to use: the one given, else the only timestamp column.
Result<std::string> ChooseTimeColumn(const CreateTableOptions& options) {
  if (!options.time_column.empty()) return options.time_column;
  ASSIGN_OR_RETURN(std::vector<ColumnDefinition> columns, ParseColumnList(options.columns));
  std::string found;
  size_t count = 0;
  for (const auto& column : columns) {
    if (column.type != ColumnType::kTimestamp) continue;
    found += (count++ == 0 ? "" : ", ") + column.name;
  }
  if (count == 0) {
    return Status::InvalidArgument("table " + options.name +
                                   " needs a timestamp column: add one to --columns, e.g. "
                                   "ts:timestamp");
  }
  if (count > 1) {
    return Status::InvalidArgument("table " + options.name + " has several timestamp columns (" +
                                   found + "): choose the time column with --time-column");
  }
  return found;
}

std::string Describe(const TableSchema& schema) {
  std::string sort_key;
  for (const auto& column : schema.SortKeyColumns()) {
    sort_key += (sort_key.empty() ? "" : ",") + column;
  }
  return schema.name + " (" + schema.ColumnListString() + "; time column " + schema.time_column +
         "; sort key " + sort_key + ")";
}

int Run(const CreateTableOptions& options, const Context& context) {
  Result<std::string> time_column = ChooseTimeColumn(options);
  if (!time_column.ok()) return PrintError(time_column.status());
  Result<TableSchema> schema =
      ParseTableSchema(options.name, options.columns, *time_column, options.sort_key);
  if (!schema.ok()) return PrintError(schema.status());

  auto client = ConnectToDaemon(context);
  if (!client.ok()) return PrintError(client.status());
  Result<TableSchema> existing = FindTable(client->get(), options.name);
  if (existing.ok()) {
    if (*existing == *schema) {
      std::printf("table %s already exists with this schema\n", Describe(*existing).c_str());
      return kExitSuccess;
    }
    return PrintError("table " + options.name + " already exists with another schema: " +
                      existing->DescribeDifference(*schema, "in the existing table",
                                                   "in this command") +
                      " (drop it first with `backtrace drop-table " + options.name +
                      "`, or choose another name)");
  }
  if (!existing.status().IsNotFound()) return PrintError(existing.status());
  Status created = (*client)->CreateTable(*schema);
  if (!created.ok()) return PrintError(created);
  std::printf("created table %s\n", Describe(schema->Normalized()).c_str());
  return kExitSuccess;
}

}  // namespace

void AddCreateTableCommand(CLI::App* app, Context* context) {
  auto options = std::make_shared<CreateTableOptions>();
  CLI::App* command = app->add_subcommand(
      "create-table", "Create a table (succeeds if it exists with the same schema)");
  command->add_option("name", options->name, "table name")->required();
  command
      ->add_option("--columns", options->columns,
                   "columns as name:type,... with types int64, uint64, float64, string, timestamp")
      ->required()
      ->type_name("LIST");
  command
      ->add_option("--time-column", options->time_column,
                   "the timestamp column that orders rows in time (default: the only timestamp "
                   "column)")
      ->type_name("COLUMN");
  command
      ->add_option("--sort-key", options->sort_key,
                   "columns the stored blocks are sorted by, most significant first; the time "
                   "column is appended if missing (default: the time column)")
      ->type_name("LIST");
  command->footer(
      "Example:\n"
      "  backtrace create-table orders --columns ts:timestamp,symbol:string,price:float64,qty:int64"
      " --time-column ts --sort-key symbol,ts");
  command->callback([options, context] { context->exit_code = Run(*options, *context); });
}

}  // namespace backtrace::cli
