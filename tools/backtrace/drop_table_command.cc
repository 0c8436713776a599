// backtrace drop-table: removes a table and all its rows (see commands.h).
#include <cstdio>
#include <memory>
#include <string>

#include "tools/backtrace/commands.h"

namespace backtrace::cli {
namespace {

int Run(const std::string& name, const Context& context) {
  auto client = ConnectToDaemon(context);
  if (!client.ok()) return PrintError(client.status());
  Status dropped = (*client)->DropTable(name);
  if (dropped.IsNotFound()) {
    return PrintError("table " + name + " does not exist (list tables with `backtrace tables`)");
  }
  if (!dropped.ok()) return PrintError(dropped);
  std::printf("dropped table %s\n", name.c_str());
  return kExitSuccess;
}

}  // namespace

void AddDropTableCommand(CLI::App* app, Context* context) {
  auto name = std::make_shared<std::string>();
  CLI::App* command =
      app->add_subcommand("drop-table", "Drop a table and delete all its rows (cannot be undone)");
  command->add_option("name", *name, "table name")->required();
  command->footer("Example:\n  backtrace drop-table orders");
  command->callback([name, context] { context->exit_code = Run(*name, *context); });
}

}  // namespace backtrace::cli
