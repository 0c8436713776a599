// Tests of the frame layer: encoding, and FrameDecoder fed the way a socket
// delivers bytes (one at a time, in random pieces, with limits exceeded).
#include "common/wire/frame.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace backtrace::wire {
namespace {

// Payloads of varied lengths (1 to max_length bytes) and contents.
std::vector<std::string> MakePayloads(size_t count, size_t max_length, uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<std::string> payloads;
  for (size_t i = 0; i < count; ++i) {
    std::string payload(1 + random() % max_length, '\0');
    for (char& byte : payload) byte = static_cast<char>(random());
    payloads.push_back(std::move(payload));
  }
  return payloads;
}

std::string EncodeStream(const std::vector<std::string>& payloads) {
  std::string stream;
  for (const std::string& payload : payloads) {
    EXPECT_TRUE(AppendFrame(payload, kDefaultMaxFrameBytes, &stream).ok());
  }
  return stream;
}

bool IsAligned(std::string_view payload) {
  return reinterpret_cast<uintptr_t>(payload.data()) % kFramePayloadAlignment == 0;
}

// Feeds the stream through WritableSpace/CommitWrite in reads of random
// size, draining after each read as a libuv read callback would.
std::vector<std::string> DecodeInRandomReads(const std::string& stream, uint32_t seed,
                                             size_t read_chunk_bytes) {
  std::mt19937 random(seed);
  FrameDecoder decoder(kDefaultMaxFrameBytes, read_chunk_bytes);
  std::vector<std::string> received;
  size_t position = 0;
  while (position < stream.size()) {
    std::span<char> space = decoder.WritableSpace();
    EXPECT_FALSE(space.empty());
    size_t read = std::min({space.size(), stream.size() - position, 1 + random() % 300});
    std::copy_n(stream.data() + position, read, space.data());
    decoder.CommitWrite(read);
    position += read;
    while (true) {
      auto next = decoder.Next();
      EXPECT_TRUE(next.ok()) << next.status().ToString();
      if (!next.ok() || !next->has_value()) break;
      EXPECT_TRUE(IsAligned(**next));
      received.emplace_back(**next);
    }
  }
  EXPECT_EQ(decoder.buffered_bytes(), 0u);
  return received;
}

TEST(FrameEncoding, HeaderIsLittleEndianLength) {
  auto header = EncodeFrameHeader(0x01020304);
  EXPECT_EQ(std::string(header.data(), header.size()), std::string("\x04\x03\x02\x01", 4));
  std::string frame;
  ASSERT_TRUE(AppendFrame("abc", 16, &frame).ok());
  EXPECT_EQ(frame, std::string("\x03\x00\x00\x00" "abc", 7));
}

TEST(FrameEncoding, EmptyAndOversizedPayloadsAreRefused) {
  std::string frame = "unchanged";
  Status empty = AppendFrame("", 16, &frame);
  EXPECT_EQ(empty.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(empty.message().find("empty"), std::string::npos);
  Status oversized = AppendFrame(std::string(17, 'x'), 16, &frame);
  EXPECT_EQ(oversized.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(oversized.message().find("17"), std::string::npos);
  EXPECT_EQ(frame, "unchanged");
}

TEST(FrameDecoder, ByteByByteYieldsEveryFrameInOrder) {
  std::vector<std::string> payloads = MakePayloads(60, 200, 1);
  std::string stream = EncodeStream(payloads);
  FrameDecoder decoder;
  std::vector<std::string> received;
  for (char byte : stream) {
    Status status = decoder.Feed(std::string_view(&byte, 1), [&](std::string_view payload) {
      EXPECT_TRUE(IsAligned(payload));
      received.emplace_back(payload);
      return Status::Ok();
    });
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  EXPECT_EQ(received, payloads);
  EXPECT_EQ(decoder.buffered_bytes(), 0u);
}

TEST(FrameDecoder, RandomReadSizesYieldEveryFrameInOrder) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::vector<std::string> payloads = MakePayloads(200, 700, seed);
    std::string stream = EncodeStream(payloads);
    EXPECT_EQ(DecodeInRandomReads(stream, seed, 512), payloads) << "seed " << seed;
  }
}

TEST(FrameDecoder, WholeStreamInOneFeedYieldsAlignedPayloads) {
  // Odd lengths make every other payload start misaligned in the stream.
  std::vector<std::string> payloads = {"a", "bcd", "efghijk", std::string(1001, 'z'), "q"};
  std::string stream = EncodeStream(payloads);
  FrameDecoder decoder(kDefaultMaxFrameBytes, stream.size());
  std::vector<std::string> received;
  ASSERT_TRUE(decoder
                  .Feed(stream,
                        [&](std::string_view payload) {
                          EXPECT_TRUE(IsAligned(payload));
                          received.emplace_back(payload);
                          return Status::Ok();
                        })
                  .ok());
  EXPECT_EQ(received, payloads);
}

TEST(FrameDecoder, PartialFrameYieldsNothingUntilComplete) {
  std::string stream;
  ASSERT_TRUE(AppendFrame("hello world", 64, &stream).ok());
  FrameDecoder decoder(64);
  int frames = 0;
  auto count = [&](std::string_view) {
    ++frames;
    return Status::Ok();
  };
  ASSERT_TRUE(decoder.Feed(stream.substr(0, 9), count).ok());
  EXPECT_EQ(frames, 0);
  EXPECT_EQ(decoder.buffered_bytes(), 9u);
  ASSERT_TRUE(decoder.Feed(stream.substr(9), count).ok());
  EXPECT_EQ(frames, 1);
}

TEST(FrameDecoder, OverLimitLengthIsRejectedAsSoonAsTheHeaderArrives) {
  constexpr size_t kMax = 1024;
  FrameDecoder decoder(kMax, 4096);
  auto header = EncodeFrameHeader(kMax + 1);
  auto unexpected = [](std::string_view) { return Status::Internal("no frame expected"); };
  // Three header bytes: nothing is known yet.
  ASSERT_TRUE(decoder.Feed(std::string_view(header.data(), 3), unexpected).ok());
  // The fourth completes the header: the error comes before any payload.
  Status status = decoder.Feed(std::string_view(header.data() + 3, 1), unexpected);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("1025"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("max_frame_bytes 1024"), std::string::npos) << status.message();
  // Only the first read's space was ever allocated.
  EXPECT_LE(decoder.capacity(), 4096u + kFramePayloadAlignment);
}

TEST(FrameDecoder, HugeDeclaredLengthAllocatesNothingForTheBody) {
  FrameDecoder decoder(kDefaultMaxFrameBytes, 1024);
  auto header = EncodeFrameHeader(UINT32_MAX);
  Status status = decoder.Feed(std::string_view(header.data(), header.size()),
                               [](std::string_view) { return Status::Ok(); });
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_LE(decoder.capacity(), 1024u + kFramePayloadAlignment);
}

TEST(FrameDecoder, ZeroLengthFrameIsRejected) {
  FrameDecoder decoder;
  std::string stream("\0\0\0\0", 4);
  Status status = decoder.Feed(stream, [](std::string_view) { return Status::Ok(); });
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("empty payload"), std::string::npos) << status.message();
}

TEST(FrameDecoder, ErrorIsStickyAndNamesTheStreamOffset) {
  std::string stream;
  ASSERT_TRUE(AppendFrame("first", 64, &stream).ok());
  stream.append("\0\0\0\0", 4);
  ASSERT_TRUE(AppendFrame("never seen", 64, &stream).ok());
  FrameDecoder decoder(64);
  std::vector<std::string> received;
  Status status = decoder.Feed(stream, [&](std::string_view payload) {
    received.emplace_back(payload);
    return Status::Ok();
  });
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("byte 9 "), std::string::npos) << status.message();
  EXPECT_EQ(received, std::vector<std::string>{"first"});
  EXPECT_TRUE(decoder.WritableSpace().empty());
  auto next = decoder.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().message(), status.message());
}

TEST(FrameDecoder, LargestFramesStayWithinTheMemoryBound) {
  constexpr size_t kMax = 256 * 1024;
  constexpr size_t kChunk = 4096;
  std::vector<std::string> payloads = {std::string(kMax, 'a'), "x", std::string(kMax, 'b'),
                                       std::string(kMax - 1, 'c')};
  std::string stream;
  for (const std::string& payload : payloads) ASSERT_TRUE(AppendFrame(payload, kMax, &stream).ok());
  FrameDecoder decoder(kMax, kChunk);
  std::vector<std::string> received;
  size_t largest_capacity = 0;
  size_t position = 0;
  std::mt19937 random(7);
  while (position < stream.size()) {
    std::span<char> space = decoder.WritableSpace();
    ASSERT_FALSE(space.empty());
    largest_capacity = std::max(largest_capacity, decoder.capacity());
    size_t read = std::min({space.size(), stream.size() - position, 1 + random() % kChunk});
    std::copy_n(stream.data() + position, read, space.data());
    decoder.CommitWrite(read);
    position += read;
    while (true) {
      auto next = decoder.Next();
      ASSERT_TRUE(next.ok()) << next.status().ToString();
      if (!next->has_value()) break;
      received.emplace_back(**next);
    }
  }
  EXPECT_EQ(received, payloads);
  EXPECT_LE(largest_capacity, kMax + kChunk + kFrameHeaderBytes + kFramePayloadAlignment);
}

TEST(FrameDecoder, UndrainedFramesLeaveNoSpaceBeyondTheBound) {
  constexpr size_t kMax = 64;
  constexpr size_t kChunk = 32;
  FrameDecoder decoder(kMax, kChunk);
  std::string stream;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(AppendFrame(std::string(12, 'f'), kMax, &stream).ok());
  size_t position = 0;
  // Never drained: the decoder offers space until its bounded buffer is full.
  while (position < stream.size()) {
    std::span<char> space = decoder.WritableSpace();
    if (space.empty()) break;
    size_t read = std::min(space.size(), stream.size() - position);
    std::copy_n(stream.data() + position, read, space.data());
    decoder.CommitWrite(read);
    position += read;
  }
  EXPECT_LT(position, stream.size());
  EXPECT_LE(decoder.capacity(), kMax + kChunk + kFrameHeaderBytes + kFramePayloadAlignment);
  EXPECT_TRUE(decoder.status().ok());
  // Draining makes room again.
  size_t drained = 0;
  while (true) {
    auto next = decoder.Next();
    ASSERT_TRUE(next.ok());
    if (!next->has_value()) break;
    ++drained;
  }
  EXPECT_GT(drained, 0u);
  EXPECT_FALSE(decoder.WritableSpace().empty());
}

TEST(FrameDecoder, FeedStopsAtTheCallbacksError) {
  std::string stream;
  for (const char* payload : {"one", "two", "three"}) {
    ASSERT_TRUE(AppendFrame(payload, 64, &stream).ok());
  }
  FrameDecoder decoder(64);
  std::vector<std::string> received;
  Status status = decoder.Feed(stream, [&](std::string_view payload) {
    received.emplace_back(payload);
    return payload == "two" ? Status::Aborted("stop at two") : Status::Ok();
  });
  EXPECT_EQ(status.code(), StatusCode::kAborted);
  EXPECT_EQ(received, (std::vector<std::string>{"one", "two"}));
}

TEST(FrameDecoder, IdleDecoderReleasesItsBuffer) {
  std::string stream;
  ASSERT_TRUE(AppendFrame(std::string(100000, 'p'), kDefaultMaxFrameBytes, &stream).ok());
  FrameDecoder decoder;
  ASSERT_TRUE(decoder.Feed(stream, [](std::string_view) { return Status::Ok(); }).ok());
  EXPECT_GE(decoder.capacity(), 100000u);
  decoder.ReleaseMemoryIfIdle();
  EXPECT_EQ(decoder.capacity(), 0u);
  // Still usable afterwards.
  std::string again;
  ASSERT_TRUE(AppendFrame("after", kDefaultMaxFrameBytes, &again).ok());
  int frames = 0;
  ASSERT_TRUE(decoder.Feed(again, [&](std::string_view payload) {
    EXPECT_EQ(payload, "after");
    ++frames;
    return Status::Ok();
  }).ok());
  EXPECT_EQ(frames, 1);
}

TEST(FrameDecoder, BusyDecoderKeepsItsBuffer) {
  std::string stream;
  ASSERT_TRUE(AppendFrame("partial frame", 64, &stream).ok());
  FrameDecoder decoder(64);
  ASSERT_TRUE(decoder.Feed(stream.substr(0, 6), [](std::string_view) { return Status::Ok(); }).ok());
  size_t capacity = decoder.capacity();
  decoder.ReleaseMemoryIfIdle();
  EXPECT_EQ(decoder.capacity(), capacity);
  std::string received;
  ASSERT_TRUE(decoder.Feed(stream.substr(6), [&](std::string_view payload) {
    received = payload;
    return Status::Ok();
  }).ok());
  EXPECT_EQ(received, "partial frame");
}

}  // namespace
}  // namespace backtrace::wire
