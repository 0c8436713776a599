// Damaged column files: every byte flipped and every truncation of small
// files of each type and encoding must give an error or the exact original
// values (never a crash, never wrong values), and errors must name the file
// and, for granules, the granule.
#include <gtest/gtest.h>

#include <fcntl.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "common/base/coding.h"
#include "common/base/crc32c.h"
#include "common/base/file.h"
#include "common/column/column_file_format.h"
#include "common/column/column_file_reader.h"
#include "common/column/column_file_writer.h"
#include "tests/common/column_testing.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace::column {
namespace {

using testing::MakeFloat64s;
using testing::MakeInt64s;
using testing::MakeStrings;
using testing::MakeUInt64s;
using testing::SameColumn;

// Small files of a few granules each, covering every granule encoding and
// both codecs.
struct SmallFile {
  std::string label;
  ColumnVector values;
  std::string bytes;
};

std::vector<SmallFile> SmallFiles() {
  std::mt19937_64 random(31);
  ColumnFileOptions options;
  options.granule_rows = 64;
  std::vector<SmallFile> files;
  auto add = [&](std::string label, ColumnVector values) {
    Result<std::string> bytes = EncodeColumnFile(values, options, nullptr);
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
    files.push_back({std::move(label), std::move(values), *std::move(bytes)});
  };
  {
    // Granule 0: frame of reference; 1: delta; 2: plain; 3: constant.
    std::vector<int64_t> values;
    for (int i = 0; i < 64; ++i) values.push_back(static_cast<int64_t>(random() % 1000) - 500);
    for (int i = 0; i < 64; ++i) values.push_back(1704067200000000000 + 1000 * i * i);
    for (int i = 0; i < 64; ++i) values.push_back(static_cast<int64_t>(random()));
    for (int i = 0; i < 64; ++i) values.push_back(std::numeric_limits<int64_t>::min());
    // Granule 4: two runs rising by microseconds with a jump back between
    // them, a delta with a patch.
    int64_t time = 1704067200000000000;
    for (int i = 0; i < 64; ++i) {
      time += 1000 * (1 + (i * 7) % 5) - (i == 32 ? 1000000000000 : 0);
      values.push_back(time);
    }
    add("timestamp", MakeInt64s(ColumnType::kTimestamp, values));
  }
  {
    std::vector<uint64_t> values;
    for (int i = 0; i < 150; ++i) values.push_back(i % 3 == 0 ? ~uint64_t{0} : random() % 77);
    add("uint64", MakeUInt64s(values));
  }
  {
    // Granule 0: decimal with exceptions; 1: byte shuffle under zstd; 2: plain.
    std::vector<double> values;
    for (int i = 0; i < 64; ++i) {
      values.push_back(i == 9 ? std::nan("") : i == 10 ? -0.0 : (4500000 + i * 37) / 100.0);
    }
    for (int i = 0; i < 64; ++i) values.push_back(1.0 / (3 + i % 4));
    for (int i = 0; i < 40; ++i) {
      uint64_t bits = random();
      double value;
      std::memcpy(&value, &bits, 8);
      values.push_back(value);
    }
    add("float64", MakeFloat64s(values));
  }
  {
    std::vector<std::string> values;
    for (int i = 0; i < 150; ++i) values.push_back(i % 4 == 0 ? "BTC" : i % 4 == 1 ? "" : "ETH");
    add("dictionary strings", MakeStrings(values));
  }
  {
    std::vector<std::string> values;
    for (int i = 0; i < 140; ++i) values.push_back("order number " + std::to_string(i * 31));
    values[7] = std::string(100, 'q');  // a truncated zone-map bound
    add("plain strings", MakeStrings(values));
  }
  return files;
}

// Opens `bytes` and reads every granule. Returns OK only if everything read
// equals `expected`; fails the test if anything is read that differs.
Status ReadAndCompare(std::string bytes, const ColumnVector& expected, const std::string& what) {
  auto reader = ColumnFileReader::FromBuffer(std::move(bytes), "small.col");
  if (!reader.ok()) return reader.status();
  ColumnVector all(expected.type());
  Status status = (*reader)->ReadAll(&all);
  if (!status.ok()) return status;
  EXPECT_TRUE(SameColumn(all, expected)) << what << " read back wrong values";
  return Status::Ok();
}

void ExpectNamedError(const Status& status, const std::string& what) {
  EXPECT_TRUE(status.code() == StatusCode::kCorruption ||
              status.code() == StatusCode::kNotSupported)
      << what << ": " << status.ToString();
  EXPECT_NE(status.message().find("column file small.col"), std::string::npos)
      << what << ": " << status.ToString();
}

TEST(ColumnFileCorruption, SmallFilesCoverEveryEncoding) {
  // Guards the two tests below: the small files must hold every granule
  // encoding and both codecs, or those tests would leave some unexercised.
  std::vector<bool> encodings(8, false);
  bool zstd = false, plain_codec = false;
  for (const SmallFile& file : SmallFiles()) {
    auto reader = ColumnFileReader::FromBuffer(file.bytes, "small.col");
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_LT(file.bytes.size(), 3000u) << file.label;
    for (const GranuleInfo& granule : (*reader)->granules()) {
      encodings[static_cast<size_t>(granule.encoding)] = true;
      zstd = zstd || granule.codec == GranuleCodec::kZstd;
      plain_codec = plain_codec || granule.codec == GranuleCodec::kNone;
    }
  }
  for (size_t encoding = 1; encoding < encodings.size(); ++encoding) {
    EXPECT_TRUE(encodings[encoding]) << "no granule with encoding " << encoding;
  }
  EXPECT_TRUE(zstd);
  EXPECT_TRUE(plain_codec);
  // And a patched delta: the width byte of granule 4 of the timestamps.
  const std::vector<SmallFile> files = SmallFiles();
  const SmallFile& timestamps = files[0];
  auto reader = ColumnFileReader::FromBuffer(timestamps.bytes, "small.col");
  ASSERT_TRUE(reader.ok());
  const GranuleInfo& patched = (*reader)->granule(4);
  ASSERT_EQ(patched.encoding, GranuleEncoding::kDelta);
  ASSERT_EQ(patched.codec, GranuleCodec::kNone);
  EXPECT_NE(timestamps.bytes[patched.offset + kDeltaHeaderBytes - 1] & kPatchedWidthFlag, 0);
}

TEST(ColumnFileCorruption, EveryFlippedByteIsAnErrorNamingTheFile) {
  for (const SmallFile& file : SmallFiles()) {
    ASSERT_TRUE(ReadAndCompare(file.bytes, file.values, file.label).ok()) << file.label;
    for (size_t offset = 0; offset < file.bytes.size(); ++offset) {
      for (uint8_t pattern : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
        std::string damaged = file.bytes;
        damaged[offset] = static_cast<char>(damaged[offset] ^ pattern);
        std::string what = file.label + " with byte " + std::to_string(offset) + " ^ " +
                           std::to_string(pattern);
        Status status = ReadAndCompare(std::move(damaged), file.values, what);
        // Every byte is covered by a checksum, so no flip goes unnoticed.
        EXPECT_FALSE(status.ok()) << what;
        if (!status.ok()) ExpectNamedError(status, what);
      }
    }
  }
}

TEST(ColumnFileCorruption, EveryTruncationIsAnErrorNamingTheFile) {
  for (const SmallFile& file : SmallFiles()) {
    for (size_t length = 0; length < file.bytes.size(); ++length) {
      std::string what = file.label + " cut to " + std::to_string(length) + " bytes";
      Status status = ReadAndCompare(file.bytes.substr(0, length), file.values, what);
      EXPECT_FALSE(status.ok()) << what;
      if (!status.ok()) ExpectNamedError(status, what);
    }
    // Bytes appended after the footer are refused as well.
    Status status = ReadAndCompare(file.bytes + std::string(8, '\0'), file.values, "appended");
    EXPECT_TRUE(status.IsCorruption()) << status.ToString();
  }
}

// Recomputes the header, index and footer checksums after a deliberate
// change, so that the change reaches the checks behind them.
void Reseal(std::string* bytes) {
  auto* data = reinterpret_cast<uint8_t*>(bytes->data());
  coding::EncodeFixed32(data + kHeaderCrcOffset,
                        crc32c::Mask(crc32c::Value(data, kHeaderCrcOffset)));
  uint8_t* footer = data + bytes->size() - kFooterBytes;
  uint64_t index_offset = coding::DecodeFixed64(footer);
  uint64_t index_bytes = coding::DecodeFixed64(footer + 8);
  if (index_offset <= bytes->size() && index_bytes <= bytes->size() - index_offset) {
    coding::EncodeFixed32(footer + 16,
                          crc32c::Mask(crc32c::Value(data + index_offset, index_bytes)));
  }
  coding::EncodeFixed32(footer + kFooterCrcOffset,
                        crc32c::Mask(crc32c::Value(footer, kFooterCrcOffset)));
}

TEST(ColumnFileCorruption, DamageBehindResealedChecksumsNeverCrashes) {
  // Checksums catch accidental damage first; this reaches the structural
  // checks of header, footer, index and dictionary, and the decoders, with
  // bytes that pass them. Wrong values cannot be ruled out here (the damage
  // is deliberate), but nothing may crash or read out of bounds.
  size_t opened = 0, refused = 0;
  for (const SmallFile& file : SmallFiles()) {
    uint64_t index_offset =
        coding::DecodeFixed64(reinterpret_cast<const uint8_t*>(file.bytes.data()) +
                              file.bytes.size() - kFooterBytes);
    std::vector<size_t> offsets;
    for (size_t offset = 0; offset < kHeaderCrcOffset; ++offset) offsets.push_back(offset);
    for (size_t offset = index_offset; offset < file.bytes.size() - kFooterBytes + 16; ++offset) {
      offsets.push_back(offset);
    }
    for (size_t offset : offsets) {
      for (uint8_t pattern : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
        std::string damaged = file.bytes;
        damaged[offset] = static_cast<char>(damaged[offset] ^ pattern);
        Reseal(&damaged);
        auto reader = ColumnFileReader::FromBuffer(std::move(damaged), "small.col");
        if (!reader.ok()) {
          ++refused;
          EXPECT_TRUE(reader.status().code() == StatusCode::kCorruption ||
                      reader.status().code() == StatusCode::kNotSupported)
              << reader.status().ToString();
          continue;
        }
        ++opened;
        ColumnVector all((*reader)->type());
        Status status = (*reader)->ReadAll(&all);
        if (status.ok()) {
          EXPECT_EQ(all.size(), (*reader)->rows());
        }
      }
    }
  }
  // Both outcomes occur: zone maps and sums are not checked against the
  // data, layout fields are.
  EXPECT_GT(opened, 0u);
  EXPECT_GT(refused, 0u);
}

TEST(ColumnFileCorruption, GranuleDamageBehindResealedChecksumsNeverCrashes) {
  // As above for granule bytes (zstd frames included): the granule's CRC in
  // its index entry is recomputed, so the codec and decoders see the damage.
  size_t decoded = 0, refused = 0;
  for (const SmallFile& file : SmallFiles()) {
    auto original = ColumnFileReader::FromBuffer(file.bytes, "small.col");
    ASSERT_TRUE(original.ok());
    const uint8_t* data = reinterpret_cast<const uint8_t*>(file.bytes.data());
    uint64_t index_offset = coding::DecodeFixed64(data + file.bytes.size() - kFooterBytes);
    for (const GranuleInfo& granule : (*original)->granules()) {
      // The entry starts with the granule's offset; its CRC is 20 bytes on.
      std::string key(8, '\0');
      coding::EncodeFixed64(reinterpret_cast<uint8_t*>(key.data()), granule.offset);
      size_t entry = file.bytes.find(key, index_offset);
      ASSERT_NE(entry, std::string::npos);
      for (size_t offset = granule.offset; offset < granule.offset + granule.stored_bytes;
           ++offset) {
        for (uint8_t pattern : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
          std::string damaged = file.bytes;
          damaged[offset] = static_cast<char>(damaged[offset] ^ pattern);
          auto* bytes = reinterpret_cast<uint8_t*>(damaged.data());
          coding::EncodeFixed32(
              bytes + entry + 20,
              crc32c::Mask(crc32c::Value(bytes + granule.offset, granule.stored_bytes)));
          Reseal(&damaged);
          auto reader = ColumnFileReader::FromBuffer(std::move(damaged), "small.col");
          ASSERT_TRUE(reader.ok()) << reader.status().ToString();
          ColumnVector all((*reader)->type());
          Status status = (*reader)->ReadAll(&all);
          if (status.ok()) {
            ++decoded;
            EXPECT_EQ(all.size(), (*reader)->rows());
          } else {
            ++refused;
            EXPECT_TRUE(status.IsCorruption()) << status.ToString();
          }
        }
      }
    }
  }
  EXPECT_GT(decoded, 0u);
  EXPECT_GT(refused, 0u);
}

TEST(ColumnFileCorruption, GranuleChecksumMismatchNamesFileAndGranule) {
  std::vector<SmallFile> files = SmallFiles();
  const SmallFile& file = files[0];
  auto reader = ColumnFileReader::FromBuffer(file.bytes, "small.col");
  ASSERT_TRUE(reader.ok());
  const GranuleInfo& granule = (*reader)->granule(2);
  std::string damaged = file.bytes;
  damaged[granule.offset + granule.stored_bytes / 2] ^= 0x10;
  reader = ColumnFileReader::FromBuffer(damaged, "tables/t/b/price.col");
  ASSERT_TRUE(reader.ok()) << "granules are checked when read, not when opened";
  ColumnVector out(ColumnType::kTimestamp);
  EXPECT_TRUE((*reader)->ReadGranule(0, &out).ok());
  EXPECT_TRUE((*reader)->ReadGranule(1, &out).ok());
  size_t before = out.size();
  Status status = (*reader)->ReadGranule(2, &out);
  EXPECT_TRUE(status.IsCorruption());
  EXPECT_EQ(status.message(), "column file tables/t/b/price.col: granule 2 checksum mismatch");
  EXPECT_EQ(out.size(), before);
  EXPECT_TRUE((*reader)->ReadGranule(3, &out).ok());
}

TEST(ColumnFileCorruption, WrongMagicAndNewerVersionAreNamedErrors) {
  std::vector<SmallFile> files = SmallFiles();
  std::string damaged = files[1].bytes;
  damaged[0] = 'X';
  auto reader = ColumnFileReader::FromBuffer(damaged, "small.col");
  EXPECT_TRUE(reader.status().IsCorruption());
  EXPECT_NE(reader.status().message().find("magic"), std::string::npos);
  EXPECT_NE(reader.status().message().find("small.col"), std::string::npos);

  std::string newer = files[1].bytes;
  newer[8] = 2;  // format version 2
  Reseal(&newer);
  reader = ColumnFileReader::FromBuffer(newer, "small.col");
  EXPECT_EQ(reader.status().code(), StatusCode::kNotSupported) << reader.status().ToString();
  EXPECT_NE(reader.status().message().find("version 2"), std::string::npos);
  EXPECT_NE(reader.status().message().find("small.col"), std::string::npos);

  std::string text = "this is not a column file, just some text long enough to be checked";
  reader = ColumnFileReader::FromBuffer(text, "notes.txt");
  EXPECT_TRUE(reader.status().IsCorruption());
  EXPECT_NE(reader.status().message().find("notes.txt"), std::string::npos);
}

TEST(ColumnFileCorruption, DamagedFileOnDiskIsNamedByItsPath) {
  backtrace::testing::TemporaryDirectory directory;
  std::string path = directory.Join("qty.col");
  ASSERT_TRUE(WriteColumnFile(path, MakeInt64s(ColumnType::kInt64, {1, 2, 3, 4, 5})).ok());
  Result<std::string> bytes = io::ReadWholeFile(path);
  ASSERT_TRUE(bytes.ok());
  // Cut off the footer, as a crash during a non-atomic write would.
  ASSERT_TRUE(io::WriteFileDurably(path, bytes->substr(0, bytes->size() - 5)).ok());
  auto reader = ColumnFileReader::Open(path);
  EXPECT_TRUE(reader.status().IsCorruption());
  EXPECT_NE(reader.status().message().find(path), std::string::npos) << reader.status().ToString();
  // An empty file too.
  ASSERT_TRUE(io::WriteFileDurably(path, "").ok());
  reader = ColumnFileReader::Open(path);
  EXPECT_TRUE(reader.status().IsCorruption());
  EXPECT_NE(reader.status().message().find(path), std::string::npos);
}

}  // namespace
}  // namespace backtrace::column
