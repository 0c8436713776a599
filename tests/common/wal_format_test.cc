#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "common/base/coding.h"
#include "common/base/crc32c.h"
#include "common/wal/wal_format.h"

namespace backtrace::wal {
namespace {

TEST(WalFormat, SegmentFileNameRoundTrips) {
  for (uint64_t lsn : {uint64_t{1}, uint64_t{42}, uint64_t{1} << 40, UINT64_MAX}) {
    std::string name = SegmentFileName(lsn);
    EXPECT_EQ(name.size(), 24u) << name;
    EXPECT_EQ(ParseSegmentFileName(name), lsn);
  }
  EXPECT_EQ(SegmentFileName(42), "00000000000000000042.wal");
}

TEST(WalFormat, ParseSegmentFileNameRejectsOtherNames) {
  EXPECT_FALSE(ParseSegmentFileName("0000000000000000042.wal").has_value());    // 19 digits
  EXPECT_FALSE(ParseSegmentFileName("000000000000000000042.wal").has_value());  // 21 digits
  EXPECT_FALSE(ParseSegmentFileName("0000000000000000004x.wal").has_value());
  EXPECT_FALSE(ParseSegmentFileName("00000000000000000042.wal.tmp").has_value());
  EXPECT_FALSE(ParseSegmentFileName("00000000000000000042.log").has_value());
  EXPECT_FALSE(ParseSegmentFileName("99999999999999999999.wal").has_value());  // overflow
}

TEST(WalFormat, RecordLayoutIsLittleEndianWithMaskedChecksum) {
  std::string encoded;
  AppendRecord(0x0102030405060708ull, 0x0102030405060700ull, 7, "abc", &encoded);
  ASSERT_EQ(encoded.size(), kRecordHeaderSize + 3);
  ASSERT_EQ(kRecordHeaderSize, 25u);
  const auto* bytes = reinterpret_cast<const uint8_t*>(encoded.data());
  // length 3, then the LSN least significant byte first, then the type,
  // then the durable LSN.
  const uint8_t expected_fields[] = {3, 0, 0, 0, 8,   7,   6,   5, 4, 3, 2, 1, 7, 0,
                                     7, 6, 5, 4, 3,   2,   1,   'a', 'b', 'c'};
  EXPECT_EQ(std::memcmp(bytes + 4, expected_fields, sizeof(expected_fields)), 0);
  uint32_t crc = crc32c::Value(expected_fields, sizeof(expected_fields));
  EXPECT_EQ(coding::DecodeFixed32(bytes), crc32c::Mask(crc));
  EXPECT_TRUE(RecordChecksumMatches(bytes, 3));

  RecordHeader header = DecodeRecordHeader(bytes);
  EXPECT_EQ(header.payload_length, 3u);
  EXPECT_EQ(header.lsn, 0x0102030405060708ull);
  EXPECT_EQ(header.type, 7);
  EXPECT_EQ(header.durable_lsn, 0x0102030405060700ull);
}

TEST(WalFormat, RecordChecksumCatchesAnyFlippedBit) {
  std::string encoded;
  AppendRecord(9, 8, 1, "payload", &encoded);
  for (size_t byte = 0; byte < encoded.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = encoded;
      damaged[byte] = static_cast<char>(damaged[byte] ^ (1 << bit));
      const auto* bytes = reinterpret_cast<const uint8_t*>(damaged.data());
      uint32_t length = DecodeRecordHeader(bytes).payload_length;
      if (length != 7) continue;  // a reader rejects the length before checksumming
      EXPECT_FALSE(RecordChecksumMatches(bytes, 7)) << "byte " << byte << " bit " << bit;
    }
  }
}

TEST(WalFormat, SegmentHeaderRoundTripsAndRejectsDamage) {
  uint8_t header[kSegmentHeaderSize];
  EncodeSegmentHeader(77, header);
  EXPECT_EQ(std::memcmp(header, "BTDB-WAL", 8), 0);
  EXPECT_EQ(coding::DecodeFixed32(header + 8), kFormatVersion);
  EXPECT_EQ(coding::DecodeFixed64(header + 12), 77u);
  SegmentHeader decoded;
  Status status = DecodeSegmentHeader(header, &decoded);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(decoded.first_lsn, 77u);
  EXPECT_EQ(decoded.format_version, kFormatVersion);

  for (size_t byte = 0; byte < kSegmentHeaderSize; ++byte) {
    uint8_t damaged[kSegmentHeaderSize];
    std::memcpy(damaged, header, sizeof(header));
    damaged[byte] ^= 0x10;
    EXPECT_TRUE(DecodeSegmentHeader(damaged, &decoded).IsCorruption()) << "byte " << byte;
  }
}

TEST(WalFormat, SegmentHeaderWithUnknownVersionIsNotSupported) {
  uint8_t header[kSegmentHeaderSize];
  EncodeSegmentHeader(5, header);
  coding::EncodeFixed32(header + 8, kFormatVersion + 1);
  coding::EncodeFixed32(header + 20, crc32c::Mask(crc32c::Value(header, 20)));
  SegmentHeader decoded;
  Status status = DecodeSegmentHeader(header, &decoded);
  EXPECT_EQ(status.code(), StatusCode::kNotSupported);
  EXPECT_NE(status.message().find("version 3"), std::string::npos) << status.ToString();
}

TEST(WalFormat, SegmentHeaderWithFirstLsnZeroIsCorruption) {
  uint8_t header[kSegmentHeaderSize];
  EncodeSegmentHeader(0, header);
  SegmentHeader decoded;
  EXPECT_TRUE(DecodeSegmentHeader(header, &decoded).IsCorruption());
}

}  // namespace
}  // namespace backtrace::wal
