// backtrace-worker: the processes that backtraced starts and supervises.
// `--role compactor` persists frozen blocks (worker/compactor.h); query
// workers are a later role. A worker talks to the daemon only through the
// control descriptor it inherits, and exits when the daemon closes it.
#include <CLI/CLI.hpp>
#include <string>

#include "common/base/fault_injection.h"
#include "common/base/log.h"
#include "worker/compactor.h"

int main(int argc, char** argv) {
  CLI::App app{"backtrace-worker: compactor and query processes started by backtraced"};
  std::string role;
  int control_descriptor = -1;
  std::string data_dir;
  std::string log_level = "info";
  app.add_option("--role", role, "compactor")->required()->check(CLI::IsMember({"compactor"}));
  app.add_option("--control-fd", control_descriptor, "inherited socket to the daemon")->required();
  app.add_option("--data-dir", data_dir, "the daemon's data directory");
  app.add_option("--log-level", log_level, "debug, info, warning or error");
  CLI11_PARSE(app, argc, argv);

  backtrace::SetLogRole("backtrace-worker[" + role + "]");
  if (auto faults = backtrace::fault::LoadRulesFromEnvironment("backtrace-worker"); !faults.ok()) {
    backtrace::LogError(faults.ToString());
    return 2;
  }
  auto level = backtrace::ParseLogLevel(log_level);
  if (level.ok()) backtrace::SetLogLevel(*level);
  backtrace::Status status = backtrace::worker::RunCompactor(control_descriptor);
  if (!status.ok()) {
    backtrace::LogError(status.ToString());
    return 1;
  }
  return 0;
}
