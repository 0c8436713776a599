// backtrace: the command-line tool of BacktraceDB. See docs/cli.md.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <string>

#include "tools/backtrace/cli_common.h"
#include "tools/backtrace/commands.h"

namespace {

// One line naming the problem and where help is, e.g.
// "backtrace: --columns is required (see backtrace create-table --help)".
std::string FailureLine(const CLI::App* app, const CLI::Error& error) {
  std::string command = "backtrace";
  const CLI::App* current = app;
  while (current != nullptr) {
    auto selected = current->get_subcommands();
    if (selected.empty()) break;
    current = selected.front();
    command += " " + current->get_name();
  }
  return "backtrace: " + std::string(error.what()) + " (see " + command + " --help)\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace backtrace::cli;
  Context context;
  if (const char* run_dir = std::getenv(std::string(kRunDirEnvironment).c_str());
      run_dir != nullptr && *run_dir != '\0') {
    context.run_dir = run_dir;
  }

  CLI::App app{
      "backtrace: create tables in BacktraceDB, load CSV into them, query them, generate test "
      "data"};
  app.name("backtrace");
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--run-dir", context.run_dir,
                 "directory of backtraced's sockets (default: $BACKTRACE_RUN_DIR, else ./var/run)")
      ->type_name("DIR");
  app.failure_message(FailureLine);

  AddCreateTableCommand(&app, &context);
  AddDropTableCommand(&app, &context);
  AddTablesCommand(&app, &context);
  AddStatusCommand(&app, &context);
  AddIngestCommand(&app, &context);
  AddQueryCommand(&app, &context);
  AddGenCommand(&app, &context);
  AddFsckCommand(&app, &context);
  app.footer(
      "Examples:\n"
      "  backtrace create-table orders --columns ts:timestamp,symbol:string,price:float64,qty:int64"
      " --sort-key symbol,ts\n"
      "  backtrace gen orders --rows 1000000 > orders.csv\n"
      "  backtrace ingest orders orders.csv\n"
      "  backtrace query \"SELECT symbol, count(*) FROM orders GROUP BY symbol\"\n"
      "  backtrace tables\n"
      "  backtrace status\n"
      "Run `backtrace COMMAND --help` for a command's options.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? kExitSuccess : kExitUsage;
  }
  return context.exit_code;
}
