// backtraced: the BacktraceDB daemon. See daemon/daemon.h.
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <string>

#include "common/base/fault_injection.h"
#include "common/base/log.h"
#include "common/config/daemon_config.h"
#include "daemon/daemon.h"

namespace {

// backtrace-worker lives beside backtraced unless the environment says
// otherwise (tests and unusual installs).
std::string WorkerBinary() {
  if (const char* path = std::getenv("BACKTRACE_WORKER_BINARY"); path != nullptr && *path != '\0') {
    return path;
  }
  char self[PATH_MAX];
  ssize_t length = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (length <= 0) return "backtrace-worker";
  self[length] = '\0';
  std::filesystem::path directory = std::filesystem::path(self).parent_path();
  // Beside backtraced in a build tree; under libexec when installed.
  std::filesystem::path beside = directory / "backtrace-worker";
  std::filesystem::path installed = directory.parent_path() / "libexec/backtracedb/backtrace-worker";
  std::error_code error;
  if (!std::filesystem::exists(beside, error) && std::filesystem::exists(installed, error)) {
    return installed.string();
  }
  return beside.string();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"backtraced: the BacktraceDB daemon (ingestion, compaction, queries)"};
  std::string config_path;
  std::string data_dir;
  std::string run_dir;
  std::string metrics_listen;
  bool metrics_listen_given = false;
  app.add_option("--config", config_path, "configuration file (TOML); defaults apply without it");
  app.add_option("--data-dir", data_dir, "data directory (overrides data_dir)");
  app.add_option("--run-dir", run_dir, "directory of the sockets (overrides run_dir)");
  app.add_option_function<std::string>(
      "--metrics-listen",
      [&](const std::string& value) {
        metrics_listen = value;
        metrics_listen_given = true;
      },
      "host:port of the Prometheus endpoint; empty disables (overrides metrics_listen)");
  CLI11_PARSE(app, argc, argv);

  backtrace::SetLogRole("backtraced");
  if (auto faults = backtrace::fault::LoadRulesFromEnvironment("backtraced"); !faults.ok()) {
    backtrace::LogError(faults.ToString());
    return 2;
  }
  // Ingest frames (up to max_frame_bytes each) are allocated and freed at a
  // high rate. Served from the heap and kept there, their pages stay mapped;
  // glibc's adaptive defaults would map and trim them again and again, and
  // every page of every frame would fault in anew.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
  backtrace::DaemonConfig config;
  if (!config_path.empty()) {
    auto loaded = backtrace::LoadDaemonConfig(config_path);
    if (!loaded.ok()) {
      backtrace::LogError(loaded.status().ToString());
      return 2;
    }
    config = std::move(*loaded);
  }
  if (!data_dir.empty()) config.data_dir = data_dir;
  if (!run_dir.empty()) config.run_dir = run_dir;
  if (metrics_listen_given) config.metrics_listen = metrics_listen;
  auto level = backtrace::ParseLogLevel(config.log_level);
  if (level.ok()) backtrace::SetLogLevel(*level);

  backtrace::daemon::Daemon daemon(config, WorkerBinary());
  backtrace::Status status = daemon.Run();
  if (!status.ok()) {
    backtrace::LogError(status.ToString());
    return 1;
  }
  return 0;
}
