// The subcommands of the `backtrace` program. Each Add...Command registers
// one subcommand on the program's CLI11 app: its options, its --help text
// with an example, and a callback that runs the command when the command
// line selects it and stores the process exit code in context->exit_code.
// Options live in objects owned by the callbacks, so the app owns them.
//
// Used by the program's single thread.
#pragma once

#include <CLI/CLI.hpp>

#include "tools/backtrace/cli_common.h"

namespace backtrace::cli {

// backtrace create-table NAME --columns ts:timestamp,... [--time-column C] [--sort-key A,B]
void AddCreateTableCommand(CLI::App* app, Context* context);
// backtrace drop-table NAME
void AddDropTableCommand(CLI::App* app, Context* context);
// backtrace tables [--schema]
void AddTablesCommand(CLI::App* app, Context* context);
// backtrace status
void AddStatusCommand(CLI::App* app, Context* context);
// backtrace ingest NAME [FILE|-] [--producer ID] [--batch-rows N] [--skip-bad]
void AddIngestCommand(CLI::App* app, Context* context);
// backtrace gen orders --rows N [--seed S]
void AddGenCommand(CLI::App* app, Context* context);
// backtrace fsck DATA_DIR
void AddFsckCommand(CLI::App* app, Context* context);
// backtrace query [SQL|-] [--format table|csv|json] [--stats]
void AddQueryCommand(CLI::App* app, Context* context);

}  // namespace backtrace::cli
