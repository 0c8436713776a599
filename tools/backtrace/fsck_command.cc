// backtrace fsck: offline consistency check of a data directory (see
// commands.h and common/fsck/fsck.h).
#include <cstdio>
#include <memory>
#include <string>

#include "common/fsck/fsck.h"
#include "tools/backtrace/commands.h"

namespace backtrace::cli {
namespace {

int Run(const std::string& data_dir) {
  auto report = fsck::CheckDataDirectory(data_dir);
  if (!report.ok()) return PrintError(report.status());
  for (const auto& fault : report->faults) std::printf("FAULT %s\n", fault.c_str());
  for (const auto& note : report->notes) std::printf("note  %s\n", note.c_str());
  std::printf(
      "%s: %llu tables, %llu blocks, %llu column files, %llu granules, %llu rows checked; "
      "%llu WAL records readable; %zu faults\n",
      data_dir.c_str(), static_cast<unsigned long long>(report->tables),
      static_cast<unsigned long long>(report->blocks),
      static_cast<unsigned long long>(report->column_files),
      static_cast<unsigned long long>(report->granules),
      static_cast<unsigned long long>(report->rows),
      static_cast<unsigned long long>(report->wal_records), report->faults.size());
  return report->clean() ? kExitSuccess : kExitFailure;
}

}  // namespace

void AddFsckCommand(CLI::App* app, Context* context) {
  auto data_dir = std::make_shared<std::string>();
  CLI::App* command = app->add_subcommand(
      "fsck", "Check a stopped daemon's data directory: column file checksums, catalog versus "
              "files, WAL readability; exits non-zero on any fault");
  command->add_option("data_dir", *data_dir, "the data directory (data_dir in backtraced.toml)")
      ->required();
  command->footer("Example:\n  backtrace fsck var/data");
  command->callback([data_dir, context] { context->exit_code = Run(*data_dir); });
}

}  // namespace backtrace::cli
