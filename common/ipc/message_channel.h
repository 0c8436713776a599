// MessageChannel: framed messages, each optionally carrying file descriptors,
// over a connected Unix stream socket (a socketpair between the daemon and a
// compactor or query worker). A message is a 4-byte little-endian length and
// the payload; descriptors travel as SCM_RIGHTS ancillary data attached to
// the length bytes. See docs/process_protocol.md.
//
// Blocking I/O. The channel owns its socket. One thread may send while
// another receives; two concurrent senders (or receivers) are not allowed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace backtrace::ipc {

// The most descriptors one message may carry.
inline constexpr size_t kMaxDescriptorsPerMessage = 16;
// The largest payload a channel accepts.
inline constexpr uint32_t kMaxChannelMessageBytes = 256u << 20;

// A descriptor received from a peer; closed on destruction unless released.
class OwnedDescriptor {
 public:
  OwnedDescriptor() = default;
  explicit OwnedDescriptor(int descriptor) : descriptor_(descriptor) {}
  OwnedDescriptor(OwnedDescriptor&& other) noexcept : descriptor_(other.Release()) {}
  OwnedDescriptor& operator=(OwnedDescriptor&& other) noexcept;
  OwnedDescriptor(const OwnedDescriptor&) = delete;
  OwnedDescriptor& operator=(const OwnedDescriptor&) = delete;
  ~OwnedDescriptor();

  int get() const { return descriptor_; }
  int Release() {
    int descriptor = descriptor_;
    descriptor_ = -1;
    return descriptor;
  }

 private:
  int descriptor_ = -1;
};

struct ReceivedMessage {
  std::string payload;
  std::vector<OwnedDescriptor> descriptors;
};

class MessageChannel {
 public:
  explicit MessageChannel(int socket) : socket_(socket) {}
  MessageChannel(MessageChannel&& other) noexcept : socket_(other.socket_) { other.socket_ = -1; }
  MessageChannel(const MessageChannel&) = delete;
  MessageChannel& operator=(const MessageChannel&) = delete;
  ~MessageChannel();

  // Creates a connected socketpair; both ends close-on-exec.
  static Status CreatePair(int* first, int* second);

  // Sends one message. The descriptors stay owned by the caller (the peer
  // gets its own). Errors: kAborted when the peer is gone (EPIPE), I/O
  // errors otherwise. Never raises SIGPIPE.
  Status Send(std::string_view payload, const std::vector<int>& descriptors = {});

  // Receives one message. kAborted "peer closed the channel" at a clean end
  // of stream; kCorruption for a length over kMaxChannelMessageBytes or more
  // descriptors than allowed.
  Result<ReceivedMessage> Receive();

  int socket() const { return socket_; }
  // Shuts the socket down both ways, waking a blocked Receive in another
  // thread.
  void Shutdown();

 private:
  Status ReadExactly(char* buffer, size_t size);
  int socket_ = -1;
};

}  // namespace backtrace::ipc
