#include "common/ipc/message_channel.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/base/coding.h"

namespace backtrace::ipc {

OwnedDescriptor& OwnedDescriptor::operator=(OwnedDescriptor&& other) noexcept {
  if (this != &other) {
    if (descriptor_ >= 0) ::close(descriptor_);
    descriptor_ = other.Release();
  }
  return *this;
}

OwnedDescriptor::~OwnedDescriptor() {
  if (descriptor_ >= 0) ::close(descriptor_);
}

MessageChannel::~MessageChannel() {
  if (socket_ >= 0) ::close(socket_);
}

Status MessageChannel::CreatePair(int* first, int* second) {
  int sockets[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) {
    return Status::FromErrno(errno, "socketpair");
  }
  *first = sockets[0];
  *second = sockets[1];
  return Status::Ok();
}

void MessageChannel::Shutdown() {
  if (socket_ >= 0) ::shutdown(socket_, SHUT_RDWR);
}

Status MessageChannel::Send(std::string_view payload, const std::vector<int>& descriptors) {
  if (descriptors.size() > kMaxDescriptorsPerMessage) {
    return Status::InvalidArgument("too many descriptors for one message");
  }
  if (payload.size() > kMaxChannelMessageBytes) {
    return Status::InvalidArgument("channel message of " + std::to_string(payload.size()) +
                                   " bytes is over the limit");
  }
  uint8_t header[4];
  coding::EncodeFixed32(header, static_cast<uint32_t>(payload.size()));
  iovec parts[2] = {{header, sizeof(header)},
                    {const_cast<char*>(payload.data()), payload.size()}};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxDescriptorsPerMessage)];
  msghdr message{};
  message.msg_iov = parts;
  message.msg_iovlen = 2;
  if (!descriptors.empty()) {
    message.msg_control = control;
    message.msg_controllen = CMSG_SPACE(sizeof(int) * descriptors.size());
    cmsghdr* entry = CMSG_FIRSTHDR(&message);
    entry->cmsg_level = SOL_SOCKET;
    entry->cmsg_type = SCM_RIGHTS;
    entry->cmsg_len = CMSG_LEN(sizeof(int) * descriptors.size());
    std::memcpy(CMSG_DATA(entry), descriptors.data(), sizeof(int) * descriptors.size());
  }
  size_t total = sizeof(header) + payload.size();
  size_t sent_total = 0;
  while (sent_total < total) {
    ssize_t sent = ::sendmsg(socket_, &message, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE || errno == ECONNRESET) return Status::Aborted("peer closed the channel");
      return Status::FromErrno(errno, "send on channel");
    }
    sent_total += static_cast<size_t>(sent);
    // Descriptors go with the first chunk only; advance the iovecs.
    message.msg_control = nullptr;
    message.msg_controllen = 0;
    size_t advance = static_cast<size_t>(sent);
    while (advance > 0 && message.msg_iovlen > 0) {
      iovec& first = message.msg_iov[0];
      if (advance >= first.iov_len) {
        advance -= first.iov_len;
        ++message.msg_iov;
        --message.msg_iovlen;
      } else {
        first.iov_base = static_cast<char*>(first.iov_base) + advance;
        first.iov_len -= advance;
        advance = 0;
      }
    }
  }
  return Status::Ok();
}

Status MessageChannel::ReadExactly(char* buffer, size_t size) {
  size_t total = 0;
  while (total < size) {
    ssize_t got = ::recv(socket_, buffer + total, size - total, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == ECONNRESET) return Status::Aborted("peer closed the channel");
      return Status::FromErrno(errno, "receive on channel");
    }
    if (got == 0) return Status::Aborted("peer closed the channel");
    total += static_cast<size_t>(got);
  }
  return Status::Ok();
}

Result<ReceivedMessage> MessageChannel::Receive() {
  ReceivedMessage received;
  uint8_t header[4];
  iovec part{header, sizeof(header)};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxDescriptorsPerMessage)];
  msghdr message{};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  ssize_t got;
  do {
    got = ::recvmsg(socket_, &message, MSG_CMSG_CLOEXEC);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    if (errno == ECONNRESET) return Status::Aborted("peer closed the channel");
    return Status::FromErrno(errno, "receive on channel");
  }
  if (got == 0) return Status::Aborted("peer closed the channel");
  for (cmsghdr* entry = CMSG_FIRSTHDR(&message); entry != nullptr;
       entry = CMSG_NXTHDR(&message, entry)) {
    if (entry->cmsg_level == SOL_SOCKET && entry->cmsg_type == SCM_RIGHTS) {
      size_t count = (entry->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int descriptor;
        std::memcpy(&descriptor, CMSG_DATA(entry) + i * sizeof(int), sizeof(int));
        received.descriptors.emplace_back(descriptor);
      }
    }
  }
  if ((message.msg_flags & MSG_CTRUNC) != 0) {
    return Status::Corruption("channel message carried more descriptors than allowed");
  }
  if (static_cast<size_t>(got) < sizeof(header)) {
    RETURN_IF_ERROR(ReadExactly(reinterpret_cast<char*>(header) + got, sizeof(header) - got));
  }
  uint32_t length = coding::DecodeFixed32(header);
  if (length > kMaxChannelMessageBytes) {
    return Status::Corruption("channel message announces " + std::to_string(length) + " bytes");
  }
  received.payload.resize(length);
  RETURN_IF_ERROR(ReadExactly(received.payload.data(), length));
  return received;
}

}  // namespace backtrace::ipc
