// FrameReader: cuts one ingest connection's byte stream into frames
// (docs/wire_protocol.md: a 4-byte little-endian payload length, then the
// payload), each delivered in a FrameBuffer of its own that the receiver
// keeps. It is the daemon's counterpart of wire::FrameDecoder, with the same
// limits and errors, made for large batches: once a frame's header is in
// and much of its payload is still to come, WritableSpace offers the rest of
// that frame's own buffer, so the kernel copies the socket's bytes straight
// to where the WAL writes them from and the rows are applied from. Headers,
// small frames and the first bytes of large ones go through a small staging
// buffer and are copied once.
//
// Errors (InvalidArgument) for a declared length of zero or over
// max_frame_bytes are reported as soon as the header is in, before anything
// is allocated for the payload; ResourceExhausted when a frame's memory
// cannot be allocated. They are sticky: the stream cannot be resynchronised
// and the connection must be closed. Memory: the staging buffer plus the
// frame being received (at most max_frame_bytes).
//
// Owned by one connection and used by its event loop thread; not
// synchronised.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "common/base/status.h"
#include "daemon/frame_buffer.h"

namespace backtrace::daemon {

class FrameReader {
 public:
  // Bytes of the staging buffer, and the least of a payload still missing
  // for a read to go straight into the frame's buffer.
  static constexpr size_t kStagingBytes = size_t{64} << 10;

  explicit FrameReader(size_t max_frame_bytes);
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  // Space for the next read (a libuv alloc callback); empty once failed.
  std::span<char> WritableSpace();

  // Records that the first `bytes` bytes of the last WritableSpace were
  // filled, and calls on_frame with each frame they complete, in order.
  // on_frame returns false to stop: the bytes after that frame are dropped
  // (the connection is closing). Returns the sticky error, if these bytes
  // ran into a bad header (the frames before it were delivered), else OK.
  [[nodiscard]] Status CommitWrite(size_t bytes, const std::function<bool(FrameBuffer)>& on_frame);

  // Frees the staging buffer while no frame is partly received.
  void ReleaseMemoryIfIdle();
  const Status& status() const { return status_; }

 private:
  // Takes bytes of the stream from staging; returns false to stop.
  bool Consume(const char* data, size_t size, const std::function<bool(FrameBuffer)>& on_frame);
  // The header is complete: checks it and allocates the frame.
  bool StartFrame();

  size_t max_frame_bytes_;
  std::unique_ptr<char[]> staging_;
  bool last_space_direct_ = false;  // the last WritableSpace was the frame's own
  char header_[4] = {};
  size_t header_filled_ = 0;
  bool in_payload_ = false;
  FrameBuffer frame_;
  size_t frame_filled_ = 0;
  uint64_t stream_offset_ = 0;  // stream position of the current frame's header
  Status status_;
};

}  // namespace backtrace::daemon
