#include <gtest/gtest.h>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "common/ipc/message_channel.h"

namespace backtrace::ipc {
namespace {

TEST(MessageChannel, CarriesPayloadAndDescriptorToAnotherProcess) {
  int parent_end = -1, child_end = -1;
  ASSERT_TRUE(MessageChannel::CreatePair(&parent_end, &child_end).ok());
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(parent_end);
    MessageChannel channel(child_end);
    auto message = channel.Receive();
    if (!message.ok() || message->descriptors.size() != 1) ::_exit(2);
    char buffer[5] = {};
    if (::pread(message->descriptors[0].get(), buffer, 5, 0) != 5) ::_exit(3);
    std::string reply = message->payload + ":" + std::string(buffer, 5);
    ::_exit(channel.Send(reply).ok() ? 0 : 4);
  }
  ::close(child_end);
  MessageChannel channel(parent_end);
  int shared = ::memfd_create("channel-test", MFD_CLOEXEC);
  ASSERT_EQ(::pwrite(shared, "hello", 5, 0), 5);
  ASSERT_TRUE(channel.Send("request", {shared}).ok());
  ::close(shared);
  auto reply = channel.Receive();
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->payload, "request:hello");
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(MessageChannel, LargeMessageArrivesWhole) {
  int first = -1, second = -1;
  ASSERT_TRUE(MessageChannel::CreatePair(&first, &second).ok());
  MessageChannel sender(first), receiver(second);
  std::string payload(5 << 20, 'x');
  payload[12345] = 'y';
  std::thread thread([&] { EXPECT_TRUE(sender.Send(payload).ok()); });
  auto message = receiver.Receive();
  thread.join();
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->payload, payload);
}

TEST(MessageChannel, ClosedPeerIsAborted) {
  int first = -1, second = -1;
  ASSERT_TRUE(MessageChannel::CreatePair(&first, &second).ok());
  MessageChannel receiver(second);
  ::close(first);
  auto message = receiver.Receive();
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.status().code(), StatusCode::kAborted);
}

TEST(MessageChannel, OversizedLengthIsCorruption) {
  int first = -1, second = -1;
  ASSERT_TRUE(MessageChannel::CreatePair(&first, &second).ok());
  MessageChannel receiver(second);
  uint8_t header[4] = {0xff, 0xff, 0xff, 0xff};
  ASSERT_EQ(::write(first, header, 4), 4);
  auto message = receiver.Receive();
  ::close(first);
  ASSERT_FALSE(message.ok());
  EXPECT_TRUE(message.status().IsCorruption());
}

}  // namespace
}  // namespace backtrace::ipc
