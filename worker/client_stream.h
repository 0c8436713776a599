// ClientStream: a query worker's writes to the client connection that the
// daemon handed over (a Unix stream socket shared with the daemon, which
// keeps reading it). Frames (common/wire/frame.h) are written whole, with
// non-blocking sends and poll() bounded by a deadline, so a client that
// stops reading cannot hold the worker past the query's deadline.
//
// Before the first byte goes out, the stream calls before_first_write (the
// worker tells the daemon that the connection may now hold a partial frame).
// Once a write fails or runs out of time the stream is broken: the
// connection may hold part of a frame, nothing more is written, and the
// daemon must close it.
//
// Borrows the descriptor; one thread.
#pragma once

#include <chrono>
#include <functional>
#include <string_view>

#include "common/base/status.h"

namespace backtrace::worker {

class ClientStream {
 public:
  ClientStream(int descriptor, std::function<void()> before_first_write)
      : descriptor_(descriptor), before_first_write_(std::move(before_first_write)) {}

  // Writes one frame: the 4-byte length, then the payload. Errors (the
  // stream is broken after any of them): kAborted "the client closed its
  // connection", kAborted naming the deadline when the client did not read
  // in time, the system's error otherwise.
  [[nodiscard]] Status WriteFrame(std::string_view payload,
                                  std::chrono::steady_clock::time_point deadline);

  bool broken() const { return broken_; }
  bool started() const { return started_; }

 private:
  Status WriteAll(const char* header, size_t header_size, std::string_view payload,
                  std::chrono::steady_clock::time_point deadline);

  int descriptor_;
  std::function<void()> before_first_write_;
  bool started_ = false;
  bool broken_ = false;
};

}  // namespace backtrace::worker
