#include "tests/testing/daemon_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace backtrace::testing {

std::string BinaryDirectory() { return BACKTRACE_BINARY_DIRECTORY; }

DaemonProcess::DaemonProcess(std::string data_dir, std::string run_dir, std::string extra_config)
    : data_dir_(std::move(data_dir)), run_dir_(std::move(run_dir)) {
  std::filesystem::create_directories(data_dir_);
  std::filesystem::create_directories(run_dir_);
  config_path_ = run_dir_ + "/backtraced.toml";
  log_path_ = run_dir_ + "/backtraced.log";
  std::ofstream config(config_path_);
  config << "data_dir = \"" << data_dir_ << "\"\n"
         << "run_dir = \"" << run_dir_ << "\"\n"
         << "log_level = \"debug\"\n";
  // No metrics endpoint unless the test asks for one.
  if (extra_config.find("metrics_listen") == std::string::npos) config << "metrics_listen = \"\"\n";
  config << extra_config << "\n";
}

DaemonProcess::~DaemonProcess() { Kill(); }

Status DaemonProcess::Spawn() {
  std::string binary = BinaryDirectory() + "/backtraced";
  pid_t pid = ::fork();
  if (pid < 0) return Status::FromErrno(errno, "fork");
  if (pid == 0) {
    int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
      ::dup2(log, STDERR_FILENO);
      ::dup2(log, STDOUT_FILENO);
    }
    ::execl(binary.c_str(), binary.c_str(), "--config", config_path_.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  pid_ = pid;
  return Status::Ok();
}

Status DaemonProcess::Start(std::chrono::milliseconds timeout) {
  size_t log_before = Log().size();
  RETURN_IF_ERROR(Spawn());
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string socket_path = ingest_socket();
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::Aborted("backtraced exited during start-up; its log:\n" + Log());
    }
    if (Log().find("ready: ingest socket", log_before) != std::string::npos) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Aborted("backtraced did not become ready; its log:\n" + Log());
}

Result<int> DaemonProcess::RunToExit(std::chrono::milliseconds timeout) {
  RETURN_IF_ERROR(Spawn());
  return WaitForExit(timeout);
}

Result<int> DaemonProcess::WaitForExit(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Aborted("backtraced did not exit in time; its log:\n" + Log());
}

void DaemonProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

Result<int> DaemonProcess::Terminate(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return Status::FailedPrecondition("backtraced is not running");
  ::kill(pid_, SIGTERM);
  return WaitForExit(timeout);
}

std::string DaemonProcess::Log() const {
  std::ifstream file(log_path_);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

std::vector<pid_t> DaemonProcess::ChildPids() const {
  std::vector<pid_t> children;
  if (pid_ <= 0) return children;
  std::string path = "/proc/" + std::to_string(pid_) + "/task/" + std::to_string(pid_) + "/children";
  std::ifstream file(path);
  pid_t child;
  while (file >> child) children.push_back(child);
  // Children forked by other threads of the daemon.
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) + "/task", error)) {
    if (task.path().filename() == std::to_string(pid_)) continue;
    std::ifstream more(task.path() / "children");
    while (more >> child) children.push_back(child);
  }
  return children;
}

std::vector<pid_t> DaemonProcess::ChildPidsWithRole(const std::string& role) const {
  std::vector<pid_t> matching;
  for (pid_t child : ChildPids()) {
    std::ifstream file("/proc/" + std::to_string(child) + "/cmdline");
    std::string command((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (command.find(std::string("--role") + '\0' + role + '\0') != std::string::npos) {
      matching.push_back(child);
    }
  }
  return matching;
}

}  // namespace backtrace::testing
