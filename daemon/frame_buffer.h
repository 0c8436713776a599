// FrameBuffer: one received frame payload in memory of its own, 8-byte
// aligned (so the FlatBuffers message may be read in place), with
// kPrefixBytes of room in front of it. The ingest engine writes the table id
// into that room and hands prefix and payload, as they lie, to the WAL as an
// Append record (daemon/wal_record_format.h), then applies the rows from the
// same bytes after the sync: a batch is copied from the socket once.
//
// Move-only; owned by whoever holds it. Not synchronised.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string_view>

namespace backtrace::daemon {

class FrameBuffer {
 public:
  static constexpr size_t kPrefixBytes = 8;

  FrameBuffer() = default;

  // A buffer for a payload of payload_bytes; empty() when the memory could
  // not be allocated.
  static FrameBuffer Allocate(size_t payload_bytes) {
    FrameBuffer buffer;
    size_t words = (kPrefixBytes + payload_bytes + sizeof(uint64_t) - 1) / sizeof(uint64_t);
    buffer.storage_.reset(new (std::nothrow) uint64_t[words]);
    if (buffer.storage_ != nullptr) buffer.payload_bytes_ = payload_bytes;
    return buffer;
  }

  bool empty() const { return storage_ == nullptr; }
  size_t payload_size() const { return payload_bytes_; }
  char* prefix() { return reinterpret_cast<char*>(storage_.get()); }
  char* payload() { return prefix() + kPrefixBytes; }
  std::string_view payload_view() const {
    return {reinterpret_cast<const char*>(storage_.get()) + kPrefixBytes, payload_bytes_};
  }
  // The prefix followed by the payload.
  std::string_view with_prefix() const {
    return {reinterpret_cast<const char*>(storage_.get()), kPrefixBytes + payload_bytes_};
  }

 private:
  std::unique_ptr<uint64_t[]> storage_;
  size_t payload_bytes_ = 0;
};

}  // namespace backtrace::daemon
