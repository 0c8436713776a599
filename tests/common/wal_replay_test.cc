#include <gtest/gtest.h>

#include <fcntl.h>

#include <string>
#include <vector>

#include "common/base/coding.h"
#include "common/base/crc32c.h"
#include "common/base/file.h"
#include "common/wal/wal_format.h"
#include "common/wal/wal_replay.h"
#include "common/wal/wal_writer.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace::wal {
namespace {

struct Replayed {
  uint64_t lsn;
  uint8_t type;
  std::string payload;
};

struct Outcome {
  Status status;
  std::vector<Replayed> records;
  ReplayReport report;
};

Outcome RunReplay(const std::string& directory, uint64_t from_lsn, bool repair = true) {
  Outcome outcome;
  outcome.status = Replay(
      directory, from_lsn,
      [&](uint64_t lsn, uint8_t type, std::string_view payload) {
        outcome.records.push_back(Replayed{lsn, type, std::string(payload)});
        return Status::Ok();
      },
      repair, &outcome.report);
  return outcome;
}

std::string PayloadFor(uint64_t lsn, size_t size) {
  std::string payload(size, '\0');
  for (size_t i = 0; i < size; ++i) payload[i] = static_cast<char>((lsn * 131 + i * 7) & 0xff);
  return payload;
}

// Writes records first_lsn..last_lsn (payload PayloadFor(lsn, payload_size))
// with one Sync per record into a WAL in `directory`.
void WriteWal(const std::string& directory, uint64_t segment_bytes, uint64_t first_lsn,
              uint64_t last_lsn, size_t payload_size) {
  WalOptions options;
  options.directory = directory;
  options.segment_bytes = segment_bytes;
  Result<std::unique_ptr<WalWriter>> writer = WalWriter::Open(options, first_lsn);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  for (uint64_t lsn = first_lsn; lsn <= last_lsn; ++lsn) {
    ASSERT_TRUE((*writer)->Append(static_cast<uint8_t>(lsn), PayloadFor(lsn, payload_size)).ok());
    ASSERT_TRUE((*writer)->Sync().ok());
  }
}

std::string ReadFile(const std::string& path) {
  Result<std::string> contents = io::ReadWholeFile(path);
  EXPECT_TRUE(contents.ok()) << contents.status().ToString();
  return contents.ok() ? *contents : std::string();
}

void OverwriteFile(const std::string& path, std::string_view contents) {
  Result<io::File> file = io::OpenFile(path, O_WRONLY | O_CREAT | O_TRUNC);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(io::WriteAll(*file, contents.data(), contents.size()).ok());
}

void ExpectRecords(const std::vector<Replayed>& records, uint64_t first_lsn, uint64_t last_lsn,
                   size_t payload_size) {
  ASSERT_EQ(records.size(), last_lsn + 1 - first_lsn);
  for (uint64_t lsn = first_lsn; lsn <= last_lsn; ++lsn) {
    const Replayed& record = records[lsn - first_lsn];
    EXPECT_EQ(record.lsn, lsn);
    EXPECT_EQ(record.type, static_cast<uint8_t>(lsn));
    EXPECT_EQ(record.payload, PayloadFor(lsn, payload_size));
  }
}

constexpr size_t kPayload = 60;
constexpr size_t kRecordSize = kRecordHeaderSize + kPayload;

TEST(WalReplay, MissingOrEmptyDirectoryReplaysNothing) {
  testing::TemporaryDirectory temporary;
  Outcome missing = RunReplay(temporary.Join("absent"), 0);
  ASSERT_TRUE(missing.status.ok()) << missing.status.ToString();
  EXPECT_TRUE(missing.records.empty());
  EXPECT_EQ(missing.report.next_lsn, 1u);
  EXPECT_EQ(missing.report.last_lsn, 0u);

  Outcome empty = RunReplay(temporary.path(), 50);
  ASSERT_TRUE(empty.status.ok()) << empty.status.ToString();
  EXPECT_EQ(empty.report.next_lsn, 50u);
  EXPECT_EQ(empty.report.segments_read, 0u);
}

TEST(WalReplay, TornTailAtEveryOffsetIsCutOff) {
  testing::TemporaryDirectory temporary;
  std::string directory = temporary.Join("wal");
  // 200-byte segments: records 1-3 in the first segment, 4-5 in the newest.
  WriteWal(directory, 200, 1, 5, kPayload);
  std::string newest = io::JoinPath(directory, SegmentFileName(4));
  const std::string pristine = ReadFile(newest);
  ASSERT_EQ(pristine.size(), kSegmentHeaderSize + 2 * kRecordSize);
  const size_t last_start = pristine.size() - kRecordSize;

  Outcome clean = RunReplay(directory, 1);
  ASSERT_TRUE(clean.status.ok());
  EXPECT_TRUE(clean.report.torn_segment.empty());

  for (size_t kept = 1; kept < kRecordSize; ++kept) {
    SCOPED_TRACE("bytes of the last record kept: " + std::to_string(kept));
    OverwriteFile(newest, std::string_view(pristine).substr(0, last_start + kept));
    Outcome outcome = RunReplay(directory, 1);
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
    ExpectRecords(outcome.records, 1, 4, kPayload);
    EXPECT_EQ(outcome.report.torn_segment, newest);
    EXPECT_EQ(outcome.report.torn_offset, last_start);
    EXPECT_EQ(outcome.report.torn_bytes_cut, kept);
    EXPECT_EQ(outcome.report.last_lsn, 4u);
    EXPECT_EQ(outcome.report.next_lsn, 5u);
    EXPECT_EQ(ReadFile(newest).size(), last_start);

    Outcome again = RunReplay(directory, 1);
    ASSERT_TRUE(again.status.ok());
    EXPECT_EQ(again.records.size(), 4u);
    EXPECT_TRUE(again.report.torn_segment.empty());
    EXPECT_EQ(again.report.torn_bytes_cut, 0u);
  }
}

TEST(WalReplay, TornTailWithoutRepairIsOnlyReported) {
  testing::TemporaryDirectory temporary;
  WriteWal(temporary.path(), 1 << 20, 1, 3, kPayload);
  std::string segment = temporary.Join(SegmentFileName(1));
  std::string torn = ReadFile(segment);
  torn.resize(torn.size() - 5);
  OverwriteFile(segment, torn);
  Outcome outcome = RunReplay(temporary.path(), 1, /*repair=*/false);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  ExpectRecords(outcome.records, 1, 2, kPayload);
  EXPECT_EQ(outcome.report.torn_bytes_cut, kRecordSize - 5);
  EXPECT_EQ(ReadFile(segment), torn);
}

TEST(WalReplay, ZeroFilledTailIsATornTail) {
  testing::TemporaryDirectory temporary;
  WriteWal(temporary.path(), 1 << 20, 1, 5, kPayload);
  std::string segment = temporary.Join(SegmentFileName(1));
  const std::string pristine = ReadFile(segment);

  // Zeros after the last record (a file size that moved ahead of its data).
  OverwriteFile(segment, pristine + std::string(4096, '\0'));
  Outcome appended = RunReplay(temporary.path(), 1);
  ASSERT_TRUE(appended.status.ok()) << appended.status.ToString();
  ExpectRecords(appended.records, 1, 5, kPayload);
  EXPECT_EQ(appended.report.torn_bytes_cut, 4096u);
  EXPECT_EQ(ReadFile(segment), pristine);

  // The last record itself zeroed, and zeros beyond it.
  std::string zeroed = pristine;
  std::fill(zeroed.end() - static_cast<std::ptrdiff_t>(kRecordSize), zeroed.end(), '\0');
  OverwriteFile(segment, zeroed + std::string(4096, '\0'));
  Outcome replaced = RunReplay(temporary.path(), 1);
  ASSERT_TRUE(replaced.status.ok()) << replaced.status.ToString();
  ExpectRecords(replaced.records, 1, 4, kPayload);
  EXPECT_EQ(replaced.report.torn_bytes_cut, kRecordSize + 4096);
}

TEST(WalReplay, BitFlipInEveryByteOfAMiddleRecordIsCorruption) {
  testing::TemporaryDirectory temporary;
  WriteWal(temporary.path(), 1 << 20, 1, 5, kPayload);
  std::string segment = temporary.Join(SegmentFileName(1));
  const std::string pristine = ReadFile(segment);
  const size_t middle_start = kSegmentHeaderSize + 2 * kRecordSize;  // record 3

  for (size_t byte = middle_start; byte < middle_start + kRecordSize; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      SCOPED_TRACE("byte " + std::to_string(byte) + " bit " + std::to_string(bit));
      std::string damaged = pristine;
      damaged[byte] = static_cast<char>(damaged[byte] ^ (1 << bit));
      OverwriteFile(segment, damaged);
      Outcome outcome = RunReplay(temporary.path(), 1);
      ASSERT_TRUE(outcome.status.IsCorruption()) << outcome.status.ToString();
      EXPECT_NE(outcome.status.message().find(SegmentFileName(1)), std::string::npos);
      EXPECT_NE(outcome.status.message().find("at offset " + std::to_string(middle_start)),
                std::string::npos)
          << outcome.status.message();
      ExpectRecords(outcome.records, 1, 2, kPayload);  // never wrong data
      ASSERT_EQ(ReadFile(segment), damaged);          // never silently cut
    }
  }
}

TEST(WalReplay, LostSyncedRecordFollowedByIntactOneIsCorruption) {
  // Record 4 was synced before record 5 was written (one Sync per record),
  // and record 5 says so: its loss is damage to durable data.
  testing::TemporaryDirectory temporary;
  WriteWal(temporary.path(), 1 << 20, 1, 5, kPayload);
  std::string segment = temporary.Join(SegmentFileName(1));
  std::string damaged = ReadFile(segment);
  size_t fourth = kSegmentHeaderSize + 3 * kRecordSize;
  std::fill(damaged.begin() + static_cast<std::ptrdiff_t>(fourth),
            damaged.begin() + static_cast<std::ptrdiff_t>(fourth + kRecordSize), '\0');
  OverwriteFile(segment, damaged);
  Outcome outcome = RunReplay(temporary.path(), 1);
  ASSERT_TRUE(outcome.status.IsCorruption()) << outcome.status.ToString();
  EXPECT_NE(outcome.status.message().find("LSN 5"), std::string::npos) << outcome.status.message();
  EXPECT_NE(outcome.status.message().find("LSNs up to 4 were durable"), std::string::npos)
      << outcome.status.message();
  EXPECT_EQ(ReadFile(segment), damaged);
}

TEST(WalReplay, LostUnsyncedRecordFollowedByIntactOneIsAPowerLossTail) {
  // What an out-of-order page write-back can leave after a power loss:
  // records 3-5 written in one group and never synced, record 4's bytes
  // gone while record 5 survived. Nothing claims record 4 was durable.
  testing::TemporaryDirectory temporary;
  WalOptions options;
  options.directory = temporary.path();
  {
    Result<std::unique_ptr<WalWriter>> writer = WalWriter::Open(options, 1);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    for (uint64_t lsn = 1; lsn <= 5; ++lsn) {
      ASSERT_TRUE((*writer)->Append(static_cast<uint8_t>(lsn), PayloadFor(lsn, kPayload)).ok());
      if (lsn == 2) {
        ASSERT_TRUE((*writer)->Sync().ok());
      }
    }
    ASSERT_TRUE((*writer)->Sync().ok());
  }
  std::string segment = temporary.Join(SegmentFileName(1));
  std::string damaged = ReadFile(segment);
  size_t fourth = kSegmentHeaderSize + 3 * kRecordSize;
  std::fill(damaged.begin() + static_cast<std::ptrdiff_t>(fourth),
            damaged.begin() + static_cast<std::ptrdiff_t>(fourth + kRecordSize), '\0');
  OverwriteFile(segment, damaged);
  Outcome outcome = RunReplay(temporary.path(), 1);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  ExpectRecords(outcome.records, 1, 3, kPayload);
  EXPECT_EQ(outcome.report.torn_offset, fourth);
  EXPECT_EQ(outcome.report.torn_bytes_cut, 2 * kRecordSize);
  EXPECT_EQ(outcome.report.torn_records_dropped, 1u);
  EXPECT_EQ(outcome.report.next_lsn, 4u);
  EXPECT_EQ(ReadFile(segment).size(), fourth);
}

TEST(WalReplay, SegmentOfFormatVersionOneIsRefusedClearly) {
  testing::TemporaryDirectory temporary;
  uint8_t header[kSegmentHeaderSize];
  EncodeSegmentHeader(1, header);
  coding::EncodeFixed32(header + 8, 1);
  coding::EncodeFixed32(header + 20, crc32c::Mask(crc32c::Value(header, 20)));
  OverwriteFile(temporary.Join(SegmentFileName(1)),
                std::string(reinterpret_cast<const char*>(header), sizeof(header)));
  Outcome outcome = RunReplay(temporary.path(), 1);
  EXPECT_EQ(outcome.status.code(), StatusCode::kNotSupported) << outcome.status.ToString();
  EXPECT_NE(outcome.status.message().find("version 1"), std::string::npos);
  EXPECT_NE(outcome.status.message().find(SegmentFileName(1)), std::string::npos);
}

TEST(WalReplay, RecordClaimingItsOwnLsnDurableIsCorruption) {
  testing::TemporaryDirectory temporary;
  uint8_t header[kSegmentHeaderSize];
  EncodeSegmentHeader(1, header);
  std::string contents(reinterpret_cast<const char*>(header), sizeof(header));
  AppendRecord(1, 0, 1, "first", &contents);
  AppendRecord(2, 2, 1, "second", &contents);
  OverwriteFile(temporary.Join(SegmentFileName(1)), contents);
  Outcome outcome = RunReplay(temporary.path(), 1);
  ASSERT_TRUE(outcome.status.IsCorruption()) << outcome.status.ToString();
  EXPECT_NE(outcome.status.message().find("claims durable LSN 2"), std::string::npos)
      << outcome.status.message();
}

TEST(WalReplay, DamagedTailOfAnOlderSegmentIsCorruption) {
  testing::TemporaryDirectory temporary;
  WriteWal(temporary.path(), 200, 1, 5, kPayload);  // segments 1 (1-3) and 4 (4-5)
  std::string older = temporary.Join(SegmentFileName(1));
  const std::string pristine = ReadFile(older);
  const size_t last_start = pristine.size() - kRecordSize;

  OverwriteFile(older, std::string_view(pristine).substr(0, pristine.size() - 1));
  Outcome truncated = RunReplay(temporary.path(), 1);
  ASSERT_TRUE(truncated.status.IsCorruption()) << truncated.status.ToString();
  EXPECT_NE(truncated.status.message().find(SegmentFileName(1) + " at offset " +
                                            std::to_string(last_start)),
            std::string::npos)
      << truncated.status.message();
  EXPECT_EQ(ReadFile(older).size(), pristine.size() - 1);

  std::string flipped = pristine;
  flipped[pristine.size() - 1] ^= 1;
  OverwriteFile(older, flipped);
  EXPECT_TRUE(RunReplay(temporary.path(), 1).status.IsCorruption());
}

// Writes a segment by hand: its header, then records with the given LSNs.
void WriteSegment(const std::string& directory, uint64_t name_lsn, uint64_t header_lsn,
                  const std::vector<uint64_t>& lsns) {
  uint8_t header[kSegmentHeaderSize];
  EncodeSegmentHeader(header_lsn, header);
  std::string contents(reinterpret_cast<const char*>(header), sizeof(header));
  for (uint64_t lsn : lsns) {
    AppendRecord(lsn, lsn - 1, static_cast<uint8_t>(lsn), PayloadFor(lsn, kPayload), &contents);
  }
  OverwriteFile(io::JoinPath(directory, SegmentFileName(name_lsn)), contents);
}

TEST(WalReplay, IntactRecordWithUnexpectedLsnIsCorruption) {
  testing::TemporaryDirectory temporary;
  WriteSegment(temporary.path(), 1, 1, {1, 2, 4});
  Outcome outcome = RunReplay(temporary.path(), 1);
  ASSERT_TRUE(outcome.status.IsCorruption()) << outcome.status.ToString();
  EXPECT_NE(outcome.status.message().find("LSN 4 where 3 was expected"), std::string::npos)
      << outcome.status.message();
  EXPECT_NE(outcome.status.message().find("at offset " +
                                          std::to_string(kSegmentHeaderSize + 2 * kRecordSize)),
            std::string::npos);
}

TEST(WalReplay, BadSegmentHeaderIsCorruption) {
  testing::TemporaryDirectory temporary;
  WriteSegment(temporary.path(), 5, 1, {});  // header disagrees with the name
  Outcome mismatch = RunReplay(temporary.path(), 5);
  ASSERT_TRUE(mismatch.status.IsCorruption()) << mismatch.status.ToString();
  EXPECT_NE(mismatch.status.message().find(SegmentFileName(5) + " at offset 0"), std::string::npos);

  std::string path = temporary.Join(SegmentFileName(5));
  OverwriteFile(path, "BTDB-WAX");
  EXPECT_TRUE(RunReplay(temporary.path(), 5).status.IsCorruption());
  std::string garbage(64, 'g');
  OverwriteFile(path, garbage);
  EXPECT_TRUE(RunReplay(temporary.path(), 5).status.IsCorruption());
}

TEST(WalReplay, OverlappingSegmentsAreCorruption) {
  testing::TemporaryDirectory temporary;
  WriteSegment(temporary.path(), 1, 1, {1, 2, 3});
  WriteSegment(temporary.path(), 3, 3, {3, 4});
  Outcome outcome = RunReplay(temporary.path(), 1);
  ASSERT_TRUE(outcome.status.IsCorruption()) << outcome.status.ToString();
  EXPECT_NE(outcome.status.message().find("up to 3"), std::string::npos) << outcome.status.message();
}

TEST(WalReplay, FromCheckpointVisitsOnlyLaterRecords) {
  testing::TemporaryDirectory temporary;
  // 100-byte payloads in 1000-byte segments: 1-9, 10-18, 19-27, 28-30.
  WriteWal(temporary.path(), 1100, 1, 30, 100);  // 9 records per segment
  Outcome outcome = RunReplay(temporary.path(), 15);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  ExpectRecords(outcome.records, 15, 30, 100);
  EXPECT_EQ(outcome.report.records_replayed, 16u);
  EXPECT_EQ(outcome.report.segments_read, 3u);
  EXPECT_EQ(outcome.report.next_lsn, 31u);

  Outcome beyond = RunReplay(temporary.path(), 40);
  ASSERT_TRUE(beyond.status.ok()) << beyond.status.ToString();
  EXPECT_TRUE(beyond.records.empty());
  EXPECT_EQ(beyond.report.last_lsn, 30u);
  EXPECT_EQ(beyond.report.next_lsn, 40u);
}

TEST(WalReplay, SegmentsWhollyBelowFromLsnAreNotRead) {
  testing::TemporaryDirectory temporary;
  WriteWal(temporary.path(), 1100, 1, 30, 100);  // 9 records per segment
  OverwriteFile(temporary.Join(SegmentFileName(1)), std::string(500, 'g'));
  Outcome outcome = RunReplay(temporary.path(), 10);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  ExpectRecords(outcome.records, 10, 30, 100);
  EXPECT_TRUE(RunReplay(temporary.path(), 9).status.IsCorruption());
}

TEST(WalReplay, MissingSegmentAtOrAfterFromLsnIsCorruption) {
  testing::TemporaryDirectory temporary;
  WriteWal(temporary.path(), 1100, 1, 30, 100);  // 9 records per segment
  ASSERT_TRUE(io::RemoveFile(temporary.Join(SegmentFileName(10))).ok());
  Outcome from_start = RunReplay(temporary.path(), 1);
  ASSERT_TRUE(from_start.status.IsCorruption()) << from_start.status.ToString();
  EXPECT_NE(from_start.status.message().find("LSNs 10 to 18 are missing"), std::string::npos)
      << from_start.status.message();
  EXPECT_TRUE(RunReplay(temporary.path(), 15).status.IsCorruption());
  Outcome after_gap = RunReplay(temporary.path(), 19);
  ASSERT_TRUE(after_gap.status.ok()) << after_gap.status.ToString();
  ExpectRecords(after_gap.records, 19, 30, 100);
}

TEST(WalReplay, MissingLsnsBeforeTheOldestSegmentAreCorruption) {
  testing::TemporaryDirectory temporary;
  WriteWal(temporary.path(), 1100, 1, 30, 100);  // 9 records per segment
  ASSERT_TRUE(io::RemoveFile(temporary.Join(SegmentFileName(1))).ok());
  Outcome outcome = RunReplay(temporary.path(), 1);
  ASSERT_TRUE(outcome.status.IsCorruption()) << outcome.status.ToString();
  EXPECT_NE(outcome.status.message().find(SegmentFileName(10)), std::string::npos);
  EXPECT_TRUE(RunReplay(temporary.path(), 10).status.ok());
}

TEST(WalReplay, GapBelowFromLsnIsAllowed) {
  testing::TemporaryDirectory temporary;
  WriteWal(temporary.path(), 1 << 20, 1, 5, kPayload);
  WriteWal(temporary.path(), 1 << 20, 20, 22, kPayload);  // a writer opened at 20
  Outcome outcome = RunReplay(temporary.path(), 20);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  ExpectRecords(outcome.records, 20, 22, kPayload);
  EXPECT_TRUE(RunReplay(temporary.path(), 6).status.IsCorruption());
}

TEST(WalReplay, VisitorErrorStopsReplay) {
  testing::TemporaryDirectory temporary;
  WriteWal(temporary.path(), 1 << 20, 1, 5, kPayload);
  int visits = 0;
  Status status = Replay(
      temporary.path(), 1,
      [&](uint64_t lsn, uint8_t, std::string_view) {
        ++visits;
        return lsn == 3 ? Status::Aborted("stop at 3") : Status::Ok();
      },
      true, nullptr);
  EXPECT_EQ(status.code(), StatusCode::kAborted);
  EXPECT_EQ(visits, 3);
}

TEST(WalReplay, EmptyNewestSegmentGivesItsFirstLsnAsNext) {
  testing::TemporaryDirectory temporary;
  WriteWal(temporary.path(), 1 << 20, 1, 3, kPayload);
  WriteSegment(temporary.path(), 4, 4, {});  // a rotation that got no record yet
  Outcome outcome = RunReplay(temporary.path(), 1);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_EQ(outcome.records.size(), 3u);
  EXPECT_EQ(outcome.report.last_lsn, 3u);
  EXPECT_EQ(outcome.report.next_lsn, 4u);
  EXPECT_EQ(outcome.report.segments_read, 2u);
}

// Found by the wal_replay fuzz target: an empty segment claiming first LSN
// 0 made replay report last_lsn 2^64 - 1.
TEST(WalReplay, SegmentStartingAtLsnZeroIsCorruption) {
  testing::TemporaryDirectory temporary;
  WriteSegment(temporary.path(), 0, 0, {});
  Outcome outcome = RunReplay(temporary.path(), 5);
  ASSERT_TRUE(outcome.status.IsCorruption()) << outcome.status.ToString();
  EXPECT_NE(outcome.status.message().find("first LSN 0"), std::string::npos)
      << outcome.status.message();
}

}  // namespace
}  // namespace backtrace::wal
