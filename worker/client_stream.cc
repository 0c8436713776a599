#include "worker/client_stream.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

#include "common/wire/frame.h"

namespace backtrace::worker {

Status ClientStream::WriteFrame(std::string_view payload,
                                std::chrono::steady_clock::time_point deadline) {
  if (broken_) return Status::Aborted("the connection to the client is broken");
  auto header = wire::EncodeFrameHeader(static_cast<uint32_t>(payload.size()));
  if (!started_) {
    started_ = true;
    if (before_first_write_) before_first_write_();
  }
  Status written = WriteAll(header.data(), header.size(), payload, deadline);
  if (!written.ok()) broken_ = true;
  return written;
}

Status ClientStream::WriteAll(const char* header, size_t header_size, std::string_view payload,
                              std::chrono::steady_clock::time_point deadline) {
  iovec parts[2] = {{const_cast<char*>(header), header_size},
                    {const_cast<char*>(payload.data()), payload.size()}};
  msghdr message{};
  message.msg_iov = parts;
  message.msg_iovlen = 2;
  while (message.msg_iovlen > 0) {
    ssize_t sent = ::sendmsg(descriptor_, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE || errno == ECONNRESET) {
        return Status::Aborted("the client closed its connection");
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        return Status::FromErrno(errno, "write to the client");
      }
      // The socket buffer is full: wait for the client to read, up to the
      // deadline.
      int timeout_ms = -1;
      if (deadline != std::chrono::steady_clock::time_point::max()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
          return Status::Aborted("the client did not read its answer before the query's deadline");
        }
        timeout_ms = static_cast<int>(std::min<int64_t>(left.count() + 1, 60'000));
      }
      pollfd entry{descriptor_, POLLOUT, 0};
      int ready = ::poll(&entry, 1, timeout_ms);
      if (ready < 0 && errno != EINTR) return Status::FromErrno(errno, "poll the client");
      if (ready > 0 && (entry.revents & (POLLERR | POLLHUP)) != 0 &&
          (entry.revents & POLLOUT) == 0) {
        return Status::Aborted("the client closed its connection");
      }
      continue;
    }
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
    // Skip parts that are empty.
    while (message.msg_iovlen > 0 && message.msg_iov[0].iov_len == 0) {
      ++message.msg_iov;
      --message.msg_iovlen;
    }
  }
  return Status::Ok();
}

}  // namespace backtrace::worker
