#include "common/base/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace backtrace {
namespace {

std::atomic<int> minimum_level{static_cast<int>(LogLevel::kInfo)};
std::string& Role() {
  static std::string role = "backtrace";
  return role;
}

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO ";
    case LogLevel::kWarning: return "WARN ";
    case LogLevel::kError: return "ERROR";
  }
  return "?";
}

}  // namespace

void SetLogRole(std::string_view role) { Role() = std::string(role); }

void SetLogLevel(LogLevel level) { minimum_level.store(static_cast<int>(level)); }

Result<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warning" || text == "warn") return LogLevel::kWarning;
  if (text == "error") return LogLevel::kError;
  return Status::InvalidArgument("log level \"" + std::string(text) +
                                 "\" is not one of debug, info, warning, error");
}

void Log(LogLevel level, std::string_view message) {
  if (static_cast<int>(level) < minimum_level.load(std::memory_order_relaxed)) return;
  auto now = std::chrono::system_clock::now();
  auto milliseconds =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(milliseconds / 1000);
  std::tm civil;
  gmtime_r(&seconds, &civil);
  char prefix[64];
  std::snprintf(prefix, sizeof(prefix), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ",
                civil.tm_year + 1900, civil.tm_mon + 1, civil.tm_mday, civil.tm_hour,
                civil.tm_min, civil.tm_sec, static_cast<int>(milliseconds % 1000));
  std::string line;
  line.reserve(96 + message.size());
  line += prefix;
  line += LevelName(level);
  line += ' ';
  line += Role();
  line += ": ";
  for (char c : message) line += (c == '\n' ? ' ' : c);
  line += '\n';
  size_t offset = 0;
  while (offset < line.size()) {
    ssize_t written = ::write(STDERR_FILENO, line.data() + offset, line.size() - offset);
    if (written <= 0) break;
    offset += static_cast<size_t>(written);
  }
}

}  // namespace backtrace
