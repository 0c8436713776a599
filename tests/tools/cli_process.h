// CliProcess: runs the real `backtrace` program as a child process for a
// test, with its standard input fed through a pipe by the test and its
// standard output and error captured to files (or standard error to a
// pseudo-terminal, to see what a terminal would show).
//
// Owned by one test; single-threaded use. Header-only: tests/tools has no
// library of its own.
#pragma once

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "tests/testing/daemon_process.h"

namespace backtrace::testing {

struct CliResult {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string out;
  std::string err;
};

class CliProcess {
 public:
  // Starts `backtrace <arguments>`; output files go to `scratch_directory`.
  // environment: NAME=VALUE entries set in the child (NAME= unsets).
  CliProcess(const std::vector<std::string>& arguments, const std::string& scratch_directory,
             const std::vector<std::string>& environment = {}, bool stderr_terminal = false) {
    static std::atomic<int> counter{0};
    std::string stem = scratch_directory + "/cli-" + std::to_string(::getpid()) + "-" +
                       std::to_string(counter++);
    out_path_ = stem + ".out";
    err_path_ = stem + ".err";
    int pipe_ends[2];
    if (::pipe2(pipe_ends, O_CLOEXEC) != 0) std::abort();
    int terminal = -1;
    if (stderr_terminal && ::openpty(&terminal_, &terminal, nullptr, nullptr, nullptr) != 0) {
      std::abort();
    }
    std::string binary = BinaryDirectory() + "/backtrace";
    std::vector<std::string> argv_strings{binary};
    argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
    pid_ = ::fork();
    if (pid_ < 0) std::abort();
    if (pid_ == 0) {
      ::dup2(pipe_ends[0], STDIN_FILENO);
      int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, STDOUT_FILENO);
      ::dup2(terminal >= 0 ? terminal : err, STDERR_FILENO);
      ::signal(SIGPIPE, SIG_DFL);
      for (const auto& entry : environment) {
        size_t equals = entry.find('=');
        std::string name = entry.substr(0, equals);
        std::string value = equals == std::string::npos ? "" : entry.substr(equals + 1);
        if (value.empty()) {
          ::unsetenv(name.c_str());
        } else {
          ::setenv(name.c_str(), value.c_str(), 1);
        }
      }
      std::vector<char*> argv;
      for (auto& argument : argv_strings) argv.push_back(argument.data());
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(pipe_ends[0]);
    if (terminal >= 0) ::close(terminal);
    input_ = pipe_ends[1];
  }

  ~CliProcess() {
    CloseInput();
    if (terminal_ >= 0) ::close(terminal_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  CliProcess(const CliProcess&) = delete;
  CliProcess& operator=(const CliProcess&) = delete;

  // Writes to the child's standard input; false if the child stopped reading.
  bool Write(std::string_view data) {
    ::signal(SIGPIPE, SIG_IGN);
    while (!data.empty()) {
      ssize_t written = ::write(input_, data.data(), data.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      data.remove_prefix(static_cast<size_t>(written));
    }
    return true;
  }

  // Waits until the child has read everything written to its standard
  // input so far.
  void WaitUntilInputIsRead() {
    int unread = 0;
    while (input_ >= 0 && ::ioctl(input_, FIONREAD, &unread) == 0 && unread > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  void Signal(int signal_number) { ::kill(pid_, signal_number); }

  void CloseInput() {
    if (input_ >= 0) ::close(input_);
    input_ = -1;
  }

  // Closes standard input and waits for the exit.
  CliResult Wait() {
    CloseInput();
    CliResult result;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = ReadAll(out_path_);
    result.err = ReadAll(err_path_);
    if (terminal_ >= 0) {
      // What the program wrote to the terminal (read until EIO: the
      // other side is closed now).
      char buffer[4096];
      ssize_t got;
      while ((got = ::read(terminal_, buffer, sizeof(buffer))) > 0) {
        result.err.append(buffer, static_cast<size_t>(got));
      }
    }
    return result;
  }

 private:
  static std::string ReadAll(const std::string& path) {
    std::ifstream file(path);
    std::stringstream contents;
    contents << file.rdbuf();
    return contents.str();
  }

  pid_t pid_ = -1;
  int input_ = -1;
  int terminal_ = -1;  // pseudo-terminal master when stderr is a terminal
  std::string out_path_;
  std::string err_path_;
};

// Runs `backtrace <arguments>` with `input` as its standard input.
inline CliResult RunCli(const std::vector<std::string>& arguments,
                        const std::string& scratch_directory, std::string_view input = {},
                        const std::vector<std::string>& environment = {}) {
  CliProcess process(arguments, scratch_directory, environment);
  process.Write(input);
  return process.Wait();
}

}  // namespace backtrace::testing
