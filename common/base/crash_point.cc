#include "common/base/crash_point.h"

#if defined(BACKTRACE_CRASH_POINTS)
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace backtrace {

void CrashPointReached(const char* name) {
  const char* wanted = std::getenv("BACKTRACE_CRASH_POINT");
  if (wanted == nullptr || std::strcmp(wanted, name) != 0) return;
  if (const char* once = std::getenv("BACKTRACE_CRASH_ONCE_FILE"); once != nullptr && *once) {
    int descriptor = ::open(once, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (descriptor < 0) return;  // fired before
    ::fsync(descriptor);
    ::close(descriptor);
  }
  ::kill(::getpid(), SIGKILL);
}

}  // namespace backtrace
#endif
