#include "daemon/service_notifier.h"

#include <systemd/sd-daemon.h>

#include <string>

namespace backtrace::daemon {

void ServiceNotifier::Status(std::string_view text) {
  std::string message = "STATUS=" + std::string(text);
  sd_notify(0, message.c_str());
}

void ServiceNotifier::Ready(std::string_view status) {
  std::string message = "READY=1\nSTATUS=" + std::string(status);
  sd_notify(0, message.c_str());
}

void ServiceNotifier::Stopping() { sd_notify(0, "STOPPING=1\nSTATUS=Shutting down"); }

void ServiceNotifier::StartWatchdog(uv_loop_t* loop) {
  uint64_t interval_microseconds = 0;
  if (sd_watchdog_enabled(0, &interval_microseconds) <= 0 || interval_microseconds == 0) return;
  uint64_t period_milliseconds = interval_microseconds / 2000;
  if (period_milliseconds == 0) period_milliseconds = 1;
  uv_timer_init(loop, &timer_);
  timer_.data = this;
  uv_timer_start(&timer_, &ServiceNotifier::OnWatchdog, 0, period_milliseconds);
  watchdog_running_ = true;
}

void ServiceNotifier::StopWatchdog() {
  if (!watchdog_running_) return;
  watchdog_running_ = false;
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
}

void ServiceNotifier::OnWatchdog(uv_timer_t*) { sd_notify(0, "WATCHDOG=1"); }

}  // namespace backtrace::daemon
