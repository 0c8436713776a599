// Logging: one line per event on standard error, with a UTC timestamp, a
// level and the process role, e.g.
//   2026-11-22T00:25:35.123Z INFO  backtraced: ready, 3 tables, 120000 rows replayed
// Lines below the configured level are dropped. Each line is written with one
// write(2), so lines from several threads or processes sharing stderr do not
// interleave.
//
// Thread-safe: callable from any thread once SetLogRole/SetLogLevel ran at
// start-up (they are not synchronised with concurrent logging).
#pragma once

#include <string_view>

#include "common/base/status.h"

namespace backtrace {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

void SetLogRole(std::string_view role);
void SetLogLevel(LogLevel level);
// Parses "debug", "info", "warning"/"warn", "error".
Result<LogLevel> ParseLogLevel(std::string_view text);

void Log(LogLevel level, std::string_view message);

inline void LogDebug(std::string_view message) { Log(LogLevel::kDebug, message); }
inline void LogInfo(std::string_view message) { Log(LogLevel::kInfo, message); }
inline void LogWarning(std::string_view message) { Log(LogLevel::kWarning, message); }
inline void LogError(std::string_view message) { Log(LogLevel::kError, message); }

}  // namespace backtrace
