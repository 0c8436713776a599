// A test hook: in builds with crash points (BACKTRACE_CRASH_POINTS, the
// test build) a query worker sleeps before it lists the blocks of table T
// for `milliseconds` when the environment variable
// BACKTRACE_TEST_QUERY_DELAY is "T:milliseconds", so that tests can hold a
// query in a worker (to kill it, pass its deadline or fill the queue).
// Release builds compile it out.
//
// Thread-safe.
#pragma once

#include <string_view>

#if defined(BACKTRACE_CRASH_POINTS)
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#endif

namespace backtrace::worker {

inline void DelayQueryForTest([[maybe_unused]] std::string_view table) {
#if defined(BACKTRACE_CRASH_POINTS)
  const char* setting = std::getenv("BACKTRACE_TEST_QUERY_DELAY");
  if (setting == nullptr) return;
  std::string_view text(setting);
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || text.substr(0, colon) != table) return;
  long milliseconds = std::strtol(std::string(text.substr(colon + 1)).c_str(), nullptr, 10);
  if (milliseconds > 0) std::this_thread::sleep_for(std::chrono::milliseconds(milliseconds));
#endif
}

}  // namespace backtrace::worker
