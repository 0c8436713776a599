// Named crash points for crash tests. In builds with BACKTRACE_CRASH_POINTS
// defined (the test build), CRASH_POINT("name") kills the process with
// SIGKILL when the environment variable BACKTRACE_CRASH_POINT equals "name".
// If BACKTRACE_CRASH_ONCE_FILE is also set, the point fires only while that
// file does not exist, and creates it just before dying, so that a restarted
// process gets past the point. Release builds compile the points out.
//
// Thread-safe.
#pragma once

namespace backtrace {

#if defined(BACKTRACE_CRASH_POINTS)
void CrashPointReached(const char* name);
#define CRASH_POINT(name) ::backtrace::CrashPointReached(name)
#else
#define CRASH_POINT(name) \
  do {                    \
  } while (false)
#endif

}  // namespace backtrace
