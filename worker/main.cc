// backtrace-worker: the processes that backtraced starts and supervises.
// `--role compactor` persists frozen blocks (worker/compactor.h); `--role
// query` runs queries and streams their answers to clients
// (worker/query_worker.h). A worker talks to the daemon only through the
// control descriptor it inherits, and exits when the daemon closes it.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <string>

#include "common/base/fault_injection.h"
#include "common/base/file.h"
#include "common/base/log.h"
#include "worker/compactor.h"
#include "worker/query_worker.h"

int main(int argc, char** argv) {
  CLI::App app{"backtrace-worker: compactor and query processes started by backtraced"};
  std::string role;
  int control_descriptor = -1;
  std::string data_dir;
  std::string log_level = "info";
  int worker_index = -1;
  app.add_option("--role", role, "compactor or query")
      ->required()
      ->check(CLI::IsMember({"compactor", "query"}));
  app.add_option("--control-fd", control_descriptor, "inherited socket to the daemon")->required();
  app.add_option("--data-dir", data_dir, "the daemon's data directory");
  app.add_option("--worker-index", worker_index,
                 "query role: the worker's slot, naming its catalog secondary directory");
  app.add_option("--log-level", log_level, "debug, info, warning or error");
  CLI11_PARSE(app, argc, argv);

  backtrace::SetLogRole("backtrace-worker[" + role + "]");
  if (auto faults = backtrace::fault::LoadRulesFromEnvironment("backtrace-worker"); !faults.ok()) {
    backtrace::LogError(faults.ToString());
    return 2;
  }
  auto level = backtrace::ParseLogLevel(log_level);
  if (level.ok()) backtrace::SetLogLevel(*level);
  backtrace::Status status;
  if (role == "query") {
    if (data_dir.empty()) {
      backtrace::LogError("--role query needs --data-dir");
      return 2;
    }
    // The catalog secondary's own files, under the data directory's tmp/
    // (emptied when the daemon starts).
    std::string name = worker_index >= 0 ? "query-worker-" + std::to_string(worker_index)
                                         : "query-worker-pid-" + std::to_string(::getpid());
    std::string secondary = backtrace::io::JoinPath(backtrace::io::JoinPath(data_dir, "tmp"), name);
    status = backtrace::worker::RunQueryWorker(control_descriptor, data_dir, secondary);
  } else {
    status = backtrace::worker::RunCompactor(control_descriptor);
  }
  if (!status.ok()) {
    backtrace::LogError(status.ToString());
    return 1;
  }
  return 0;
}
