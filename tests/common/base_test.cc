#include <gtest/gtest.h>

#include <fcntl.h>

#include <string>

#include "common/base/coding.h"
#include "common/base/crc32c.h"
#include "common/base/file.h"
#include "common/base/status.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

TEST(Crc32c, MatchesStandardCheckValue) {
  const std::string input = "123456789";
  EXPECT_EQ(crc32c::Value(input.data(), input.size()), 0xE3069283u);
}

TEST(Crc32c, ExtendEqualsWholeValue) {
  std::string input(1000, '\0');
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<char>(i * 7);
  uint32_t whole = crc32c::Value(input.data(), input.size());
  uint32_t partial = crc32c::Value(input.data(), 333);
  EXPECT_EQ(crc32c::Extend(partial, input.data() + 333, input.size() - 333), whole);
}

TEST(Crc32c, MaskRoundTripsAndDiffers) {
  uint32_t crc = crc32c::Value("abc", 3);
  EXPECT_NE(crc32c::Mask(crc), crc);
  EXPECT_EQ(crc32c::Unmask(crc32c::Mask(crc)), crc);
}

TEST(Coding, VarintRoundTripsAndRejectsTruncation) {
  for (uint64_t value : {uint64_t{0}, uint64_t{127}, uint64_t{128}, uint64_t{1} << 40, ~uint64_t{0}}) {
    std::string encoded;
    coding::PutVarint64(&encoded, value);
    const auto* cursor = reinterpret_cast<const uint8_t*>(encoded.data());
    uint64_t decoded = 0;
    ASSERT_TRUE(coding::GetVarint64(&cursor, cursor + encoded.size(), &decoded));
    EXPECT_EQ(decoded, value);
    cursor = reinterpret_cast<const uint8_t*>(encoded.data());
    if (encoded.size() > 1) {
      EXPECT_FALSE(coding::GetVarint64(&cursor, cursor + encoded.size() - 1, &decoded));
    }
  }
}

TEST(Coding, ZigZagRoundTripsExtremes) {
  for (int64_t value : {INT64_MIN, int64_t{-1}, int64_t{0}, int64_t{1}, INT64_MAX}) {
    EXPECT_EQ(coding::ZigZagDecode(coding::ZigZagEncode(value)), value);
  }
}

TEST(Coding, OrderPreservingKeepsSignedOrder) {
  EXPECT_LT(coding::OrderPreservingFromSigned(-5), coding::OrderPreservingFromSigned(3));
  EXPECT_LT(coding::OrderPreservingFromSigned(INT64_MIN), coding::OrderPreservingFromSigned(0));
  EXPECT_EQ(coding::SignedFromOrderPreserving(coding::OrderPreservingFromSigned(-42)), -42);
}

TEST(Status, FromErrnoClassifiesResourceErrors) {
  EXPECT_EQ(Status::FromErrno(ENOSPC, "write x").code(), StatusCode::kNoSpace);
  EXPECT_EQ(Status::FromErrno(EMFILE, "open x").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Status::FromErrno(EIO, "read x").code(), StatusCode::kIoError);
  EXPECT_NE(Status::FromErrno(EIO, "read x").message().find("read x"), std::string::npos);
}

TEST(File, WriteFileDurablyReplacesContents) {
  testing::TemporaryDirectory directory;
  std::string path = directory.Join("file");
  ASSERT_TRUE(io::WriteFileDurably(path, "first").ok());
  ASSERT_TRUE(io::WriteFileDurably(path, "second").ok());
  auto contents = io::ReadWholeFile(path);
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(*contents, "second");
  EXPECT_FALSE(io::PathExists(path + ".tmp"));
}

TEST(File, OpenMissingFileNamesPath) {
  auto file = io::OpenFile("/nonexistent/backtrace/file", O_RDONLY);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kNotFound);
  EXPECT_NE(file.status().message().find("/nonexistent/backtrace/file"), std::string::npos);
}

TEST(File, MappedFileSeesContents) {
  testing::TemporaryDirectory directory;
  std::string path = directory.Join("mapped");
  ASSERT_TRUE(io::WriteFileDurably(path, "hello").ok());
  auto mapped = io::MappedFile::Open(path);
  ASSERT_TRUE(mapped.ok());
  ASSERT_EQ(mapped->size(), 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(mapped->data()), 5), "hello");
}

}  // namespace
}  // namespace backtrace
