// BacktraceDaemon: see backtrace_daemon.h.
#include "tools/peers/backtrace_daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace backtrace::peers {
namespace {

constexpr auto kStartTimeout = std::chrono::minutes(5);
constexpr const char* kTimedOutWarning = "shutdown_timeout passed";

bool SocketAccepts(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return connected;
}

// Every descendant of `pid` (children of all its threads, recursively).
void Descendants(pid_t pid, std::vector<pid_t>* out) {
  std::error_code ignored;
  std::filesystem::directory_iterator tasks("/proc/" + std::to_string(pid) + "/task", ignored);
  for (; !ignored && tasks != std::filesystem::directory_iterator(); tasks.increment(ignored)) {
    std::ifstream file(tasks->path() / "children");
    pid_t child;
    while (file >> child) {
      if (std::find(out->begin(), out->end(), child) != out->end()) continue;
      out->push_back(child);
      Descendants(child, out);
    }
  }
}

// VmHWM of a process in bytes, 0 when it is gone.
uint64_t PeakResident(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

}  // namespace

std::vector<std::string> FilesUnder(const std::string& directory) {
  std::vector<std::string> files;
  std::error_code error;
  std::filesystem::recursive_directory_iterator entries(directory, error);
  for (; !error && entries != std::filesystem::recursive_directory_iterator(); entries.increment(error)) {
    if (entries->is_regular_file(error)) files.push_back(entries->path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

BacktraceDaemon::BacktraceDaemon(std::string binary_directory, std::string database)
    : binary_directory_(std::move(binary_directory)), database_(std::move(database)) {}

BacktraceDaemon::~BacktraceDaemon() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

std::string BacktraceDaemon::Log() const {
  std::ifstream file(RunDirectory(database_) + "/backtraced.log");
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

bool BacktraceDaemon::Start(std::string* error) {
  if (pid_ > 0) return true;
  std::string data = DataDirectory(database_);
  std::string run = RunDirectory(database_);
  std::error_code created;
  std::filesystem::create_directories(data, created);
  if (!created) std::filesystem::create_directories(run, created);
  if (created) {
    *error = database_ + ": " + created.message();
    return false;
  }
  std::string config_path = run + "/backtraced.toml";
  {
    std::ofstream config(config_path);
    config << "# backtrace_runner: the defaults, but for these lines\n"
           << "data_dir = \"" << data << "\"\n"
           << "run_dir = \"" << run << "\"\n"
           << "metrics_listen = \"\"\n"
           << "shutdown_timeout = \"1h\"\n";
    if (!config) {
      *error = config_path + ": cannot write";
      return false;
    }
  }
  std::string log_path = run + "/backtraced.log";
  size_t log_before = Log().size();
  std::string binary = binary_directory_ + "/backtraced";
  pid_t pid = ::fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (pid == 0) {
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
      ::dup2(log, STDERR_FILENO);
      ::dup2(log, STDOUT_FILENO);
    }
    ::execl(binary.c_str(), binary.c_str(), "--config", config_path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      *error = binary + " exited during start-up; its log:\n" + Log().substr(log_before);
      return false;
    }
    if (Log().find("ready: ", log_before) != std::string::npos && SocketAccepts(ingest_socket()) &&
        SocketAccepts(query_socket())) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  *error = binary + " did not become ready; its log:\n" + Log().substr(log_before);
  return false;
}

void BacktraceDaemon::SampleMemory() {
  std::vector<pid_t> processes;
  Descendants(pid_, &processes);
  uint64_t daemon = PeakResident(pid_);
  uint64_t total = daemon;
  for (pid_t child : processes) total += PeakResident(child);
  memory_.daemon_peak_bytes = std::max(memory_.daemon_peak_bytes, daemon);
  if (total > memory_.all_processes_peak_bytes) {
    memory_.all_processes_peak_bytes = total;
    memory_.processes = processes.size() + 1;
  }
}

bool BacktraceDaemon::Stop(std::string* error) {
  if (pid_ <= 0) return true;
  size_t log_before = Log().size();
  SampleMemory();
  ::kill(pid_, SIGTERM);
  int status = 0;
  struct rusage usage {};
  pid_t waited;
  do {
    waited = ::wait4(pid_, &status, 0, &usage);
  } while (waited < 0 && errno == EINTR);
  pid_ = -1;
  memory_.largest_process_peak_bytes =
      std::max(memory_.largest_process_peak_bytes, static_cast<uint64_t>(usage.ru_maxrss) * 1024);
  memory_.cpu_seconds += static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  std::string log = Log().substr(log_before);
  if (waited < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *error = "backtraced did not stop cleanly (status " + std::to_string(status) + "); its log:\n" + log;
    return false;
  }
  if (log.find(kTimedOutWarning) != std::string::npos) {
    *error = "backtraced stopped with blocks not yet compacted; its log:\n" + log;
    return false;
  }
  return true;
}

}  // namespace backtrace::peers
