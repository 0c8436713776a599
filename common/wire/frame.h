// Framing of the ingest and query sockets (docs/wire_protocol.md): each
// message travels as a 4-byte little-endian payload length followed by the
// payload.
//
// EncodeFrameHeader / AppendFrame write frames. FrameDecoder reassembles
// frames from a byte stream delivered in arbitrary pieces, as a libuv read
// callback delivers it, in bounded memory: it never holds more than
// max_frame_bytes + kFrameHeaderBytes + one read chunk (+ alignment slack),
// and it rejects a declared length over the limit as soon as the four header
// bytes are in, before any of the payload is buffered.
//
// A FrameDecoder is owned by one connection and used by one thread (the
// connection's event loop); it is not synchronised.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/wire/wire_format.h"

namespace backtrace::wire {

// The 4 header bytes of a frame whose payload is payload_bytes long.
std::array<char, kFrameHeaderBytes> EncodeFrameHeader(uint32_t payload_bytes);

// Checks that a payload of payload_bytes may be sent in one frame: returns
// InvalidArgument for an empty payload or one over max_frame_bytes.
[[nodiscard]] Status CheckPayloadSize(size_t payload_bytes, size_t max_frame_bytes);

// Appends header and payload to *out. On error (see CheckPayloadSize) *out is
// unchanged. A writer that wants no copy sends EncodeFrameHeader's bytes and
// the payload as two buffers of one writev / uv_write instead.
[[nodiscard]] Status AppendFrame(std::string_view payload, size_t max_frame_bytes,
                                 std::string* out);

class FrameDecoder {
 public:
  // max_frame_bytes: the largest payload accepted (at most
  // kLargestMaxFrameBytes; larger values are clamped). read_chunk_bytes: the
  // size of the space that WritableSpace offers for one read.
  explicit FrameDecoder(size_t max_frame_bytes = kDefaultMaxFrameBytes,
                        size_t read_chunk_bytes = kDefaultReadChunkBytes);

  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;

  // Zero-copy input, for a libuv alloc callback: returns space for the next
  // read, at most read_chunk_bytes long. Call Next() until it returns no
  // frame before asking: the space is empty if the decoder has failed, or if
  // undrained complete frames fill the buffer.
  std::span<char> WritableSpace();

  // Records that the first `bytes` bytes of the last WritableSpace were
  // filled (a read callback's nread). bytes must not exceed that span.
  void CommitWrite(size_t bytes);

  // The payload of the next complete frame; std::nullopt when more bytes are
  // needed. Errors (InvalidArgument) for a zero declared length or one over
  // max_frame_bytes are reported as soon as the header is in; they are
  // sticky: the decoder returns the same error from then on and the stream
  // cannot be resynchronised (the connection must be closed).
  //
  // The payload starts at a multiple of kFramePayloadAlignment; it is
  // usually a view of the bytes as they were read and is moved (within the
  // buffer) only when it was not aligned. It stays valid until the next call
  // of any non-const member function.
  [[nodiscard]] Result<std::optional<std::string_view>> Next();

  // Copying input, for tests and blocking clients: feeds `bytes` through
  // WritableSpace/CommitWrite in read-chunk pieces and calls on_payload for
  // each complete frame in order. Returns the decoder's error, or the first
  // error that on_payload returns (then the remaining input is not fed and
  // the decoder is left as it was after that frame).
  [[nodiscard]] Status Feed(std::string_view bytes,
                            const std::function<Status(std::string_view payload)>& on_payload);

  // Bytes received but not yet handed out as frames.
  size_t buffered_bytes() const { return end_ - begin_; }
  // Bytes currently allocated for the buffer.
  size_t capacity() const { return capacity_; }
  // Frees the buffer if it holds no bytes (an idle connection keeps nothing).
  void ReleaseMemoryIfIdle();
  // The sticky error, or OK.
  const Status& status() const { return status_; }

 private:
  // Where the header of a frame at the front of the buffer goes, so that its
  // payload lands on an aligned address.
  static constexpr size_t kFront = kFramePayloadAlignment - kFrameHeaderBytes;

  char* data() { return reinterpret_cast<char*>(storage_.get()); }
  void Reallocate(size_t new_capacity);

  size_t max_frame_bytes_;
  size_t read_chunk_bytes_;
  size_t capacity_limit_;
  std::unique_ptr<uint64_t[]> storage_;  // uint64_t: 8-byte aligned
  size_t capacity_ = 0;
  size_t begin_ = kFront;  // first byte not yet handed out
  size_t end_ = kFront;    // one past the last byte received
  size_t writable_ = 0;    // length of the last WritableSpace
  uint64_t stream_offset_ = 0;  // stream position of begin_, for messages
  Status status_;
};

}  // namespace backtrace::wire
