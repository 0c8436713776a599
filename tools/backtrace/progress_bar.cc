#include "tools/backtrace/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tools/backtrace/cli_common.h"

namespace backtrace::cli {
namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr int kBarWidth = 24;

}  // namespace

std::string FormatDuration(double seconds) {
  if (seconds < 60) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.1f s", seconds > 0 ? seconds : 0.0);
    return text;
  }
  uint64_t total = seconds > 0 ? static_cast<uint64_t>(std::llround(seconds)) : 0;
  uint64_t hours = total / 3600;
  uint64_t minutes = total / 60 % 60;
  uint64_t rest = total % 60;
  char text[48];
  if (hours > 0) {
    std::snprintf(text, sizeof(text), "%llu:%02llu:%02llu", static_cast<unsigned long long>(hours),
                  static_cast<unsigned long long>(minutes), static_cast<unsigned long long>(rest));
  } else {
    std::snprintf(text, sizeof(text), "%llu:%02llu", static_cast<unsigned long long>(minutes),
                  static_cast<unsigned long long>(rest));
  }
  return text;
}

ProgressBar::ProgressBar(uint64_t total_bytes, bool enabled)
    : total_bytes_(total_bytes),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void ProgressBar::Update(uint64_t rows, uint64_t bytes) {
  rows_ = rows;
  bytes_ = bytes;
  if (!enabled_ || finished_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  Draw(false);
}

void ProgressBar::Finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  Draw(true);
}

void ProgressBar::Interject(const std::string& line) {
  bool redraw = enabled_ && drawn_ && !finished_;
  std::string text = (redraw ? "\r\x1b[K" : "") + line + "\n";
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
  if (redraw) Draw(false);
}

void ProgressBar::Draw(bool final) {
  drawn_ = true;
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  uint64_t rate = elapsed > 0 ? static_cast<uint64_t>(static_cast<double>(rows_) / elapsed) : 0;
  std::string line = "\r";
  if (total_bytes_ > 0) {
    double fraction = std::min(1.0, static_cast<double>(bytes_) / static_cast<double>(total_bytes_));
    int filled = static_cast<int>(fraction * kBarWidth);
    line += '[';
    line.append(static_cast<size_t>(filled), '#');
    line.append(static_cast<size_t>(kBarWidth - filled), '.');
    char percent[16];
    std::snprintf(percent, sizeof(percent), "] %5.1f%%  ", fraction * 100.0);
    line += percent;
    line += WithThousands(rows_) + " rows  " + WithThousands(rate) + " rows/s";
    if (final) {
      line += "  in " + FormatDuration(elapsed);
    } else if (fraction > 0.001) {
      line += "  ETA " + FormatDuration(elapsed * (1.0 - fraction) / fraction);
    }
  } else {
    line += WithThousands(rows_) + " rows  " + WithThousands(rate) + " rows/s";
    if (final) line += "  in " + FormatDuration(elapsed);
  }
  line += "\x1b[K";  // erase the rest of the previous drawing
  if (final) line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace backtrace::cli
