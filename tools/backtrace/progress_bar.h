// ProgressBar: the one-line progress display of `backtrace ingest` on a
// terminal's standard error: rows, rows per second and, when the input's
// size is known, a bar, the percentage and the time left. It redraws at
// most 10 times a second however often it is updated; when standard error
// is not a terminal it draws nothing.
//
// Used by one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace backtrace::cli {

class ProgressBar {
 public:
  // total_bytes: the input's size, 0 if unknown (a pipe). enabled: draw at
  // all (normally isatty(STDERR_FILENO)).
  ProgressBar(uint64_t total_bytes, bool enabled);

  // Records progress and redraws if the last drawing is 100 ms old.
  void Update(uint64_t rows, uint64_t bytes);
  // Draws the final state and ends the line. Later calls do nothing.
  void Finish();
  // Writes one line of text to standard error above the bar (or just the
  // line when there is no bar).
  void Interject(const std::string& line);

 private:
  void Draw(bool final);

  uint64_t total_bytes_;
  bool enabled_;
  bool finished_ = false;
  bool drawn_ = false;
  uint64_t rows_ = 0;
  uint64_t bytes_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "12.3 s" under a minute, else "1:05" or "1:02:05".
std::string FormatDuration(double seconds);

}  // namespace backtrace::cli
