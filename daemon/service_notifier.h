// ServiceNotifier: backtraced's side of the systemd notify protocol
// (sd_notify(3)). STATUS lines while recovering and when ready, READY=1 only
// once recovery finished and the sockets listen, STOPPING=1 at shutdown, and
// WATCHDOG=1 from the event loop at half the watchdog interval when the
// service manager set one (WatchdogSec=). Without NOTIFY_SOCKET every call
// does nothing.
//
// Owned by the Daemon; loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <string_view>

namespace backtrace::daemon {

class ServiceNotifier {
 public:
  void Status(std::string_view text);
  void Ready(std::string_view status);
  void Stopping();
  // Starts the watchdog timer on `loop` if systemd asked for one: pings
  // prove that the event loop is turning.
  void StartWatchdog(uv_loop_t* loop);
  void StopWatchdog();

 private:
  static void OnWatchdog(uv_timer_t* handle);
  uv_timer_t timer_{};
  bool watchdog_running_ = false;
};

}  // namespace backtrace::daemon
