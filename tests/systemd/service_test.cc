// The systemd side of backtraced: the installed unit passes
// `systemd-analyze verify`, and the daemon speaks the notify protocol over a
// real datagram socket given as NOTIFY_SOCKET.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/daemon_process.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

// Runs a shell command; returns its exit code and output.
std::pair<int, std::string> RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  char buffer[4096];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, got);
  int status = ::pclose(pipe);
  return {WEXITSTATUS(status), output};
}

TEST(SystemdUnit, InstalledUnitPassesSystemdAnalyzeVerify) {
  if (RunCommand("command -v systemd-analyze").first != 0) {
    GTEST_SKIP() << "systemd-analyze is not installed";
  }
  testing::TemporaryDirectory directory;
  std::string root = directory.Join("root");
  auto [install_code, install_output] =
      RunCommand("DESTDIR=" + root + " '" BACKTRACE_CMAKE_COMMAND "' --install '" BACKTRACE_BUILD_DIRECTORY "'");
  ASSERT_EQ(install_code, 0) << install_output;
  std::string installed = root + BACKTRACE_INSTALL_PREFIX "/lib/systemd/system/backtraced.service";
  std::ifstream unit_file(installed);
  ASSERT_TRUE(unit_file.good()) << installed << " was not installed";
  std::stringstream unit;
  unit << unit_file.rdbuf();
  // Point the unit at the binaries just installed under the temporary root.
  std::string text = unit.str();
  const std::string prefix = BACKTRACE_INSTALL_PREFIX "/";
  for (size_t at = text.find(prefix); at != std::string::npos;
       at = text.find(prefix, at + root.size() + prefix.size())) {
    text.insert(at, root);
  }
  std::string checked = directory.Join("backtraced.service");
  std::ofstream(checked) << text;
  auto [code, output] = RunCommand("systemd-analyze verify '" + checked + "'");
  EXPECT_EQ(code, 0) << output;
  EXPECT_EQ(output, "") << "systemd-analyze had remarks:\n" << output;
  EXPECT_NE(text.find("Type=notify"), std::string::npos);
  EXPECT_TRUE(testing::TemporaryDirectory::Exists(root + BACKTRACE_INSTALL_PREFIX
                                                  "/lib/sysusers.d/backtracedb.conf"));
}

// A datagram socket standing in for the service manager.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    descriptor_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, path.c_str());
    EXPECT_EQ(::bind(descriptor_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  }
  ~NotifySocket() { ::close(descriptor_); }

  // Collects messages until one contains `wanted` or the timeout passes.
  bool WaitFor(const std::string& wanted, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      timeval wait{0, 100000};
      ::setsockopt(descriptor_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
      char buffer[4096];
      ssize_t got = ::recv(descriptor_, buffer, sizeof(buffer), 0);
      if (got > 0) {
        messages_.emplace_back(buffer, static_cast<size_t>(got));
        if (messages_.back().find(wanted) != std::string::npos) return true;
      }
    }
    return false;
  }
  const std::vector<std::string>& messages() const { return messages_; }
  size_t Count(const std::string& wanted) const {
    size_t count = 0;
    for (const auto& message : messages_) count += message.find(wanted) != std::string::npos;
    return count;
  }

 private:
  std::string path_;
  int descriptor_ = -1;
  std::vector<std::string> messages_;
};

TEST(SystemdNotify, ReadyAfterRecoveryWatchdogPingsAndStoppingOnSigterm) {
  testing::TemporaryDirectory directory;
  std::string socket_path = directory.Join("notify.sock");
  NotifySocket manager(socket_path);
  ::setenv("NOTIFY_SOCKET", socket_path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "200000", 1);
  testing::DaemonProcess daemon(directory.Join("data"), directory.Join("run"));
  Status started = daemon.Start();
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ASSERT_TRUE(started.ok()) << daemon.Log();

  ASSERT_TRUE(manager.WaitFor("READY=1", std::chrono::seconds(30)));
  ASSERT_GE(manager.messages().size(), 2u);
  EXPECT_NE(manager.messages().front().find("STATUS=Recovering"), std::string::npos)
      << "the first message reports recovery, before READY";
  EXPECT_EQ(manager.Count("READY=1"), 1u);
  // 200 ms watchdog: a ping every 100 ms.
  ASSERT_TRUE(manager.WaitFor("WATCHDOG=1", std::chrono::seconds(5)));
  manager.WaitFor("never", std::chrono::milliseconds(600));
  EXPECT_GE(manager.Count("WATCHDOG=1"), 3u);

  ASSERT_EQ(::kill(daemon.pid(), SIGTERM), 0);
  EXPECT_TRUE(manager.WaitFor("STOPPING=1", std::chrono::seconds(30)));
  auto exit_code = daemon.Wait();
  ASSERT_TRUE(exit_code.ok());
  EXPECT_EQ(*exit_code, 0);
}

}  // namespace
}  // namespace backtrace
