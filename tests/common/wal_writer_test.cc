#include <gtest/gtest.h>

#include <fcntl.h>

#include <cerrno>
#include <string>
#include <vector>

#include "common/base/file.h"
#include "common/wal/wal_directory.h"
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

// Replays `directory` from from_lsn, expecting success.
std::vector<Replayed> ReplayAll(const std::string& directory, uint64_t from_lsn = 1,
                                ReplayReport* report = nullptr) {
  std::vector<Replayed> records;
  Status status = Replay(
      directory, from_lsn,
      [&](uint64_t lsn, uint8_t type, std::string_view payload) {
        records.push_back(Replayed{lsn, type, std::string(payload)});
        return Status::Ok();
      },
      /*repair_torn_tail=*/true, report);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return records;
}

std::string PayloadFor(uint64_t lsn, size_t size) {
  std::string payload(size, '\0');
  for (size_t i = 0; i < size; ++i) payload[i] = static_cast<char>((lsn * 131 + i * 7) & 0xff);
  return payload;
}

std::unique_ptr<WalWriter> OpenWriter(const WalOptions& options, uint64_t next_lsn) {
  Result<std::unique_ptr<WalWriter>> writer = WalWriter::Open(options, next_lsn);
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  return writer.ok() ? std::move(writer).value() : nullptr;
}

WalOptions OptionsIn(const testing::TemporaryDirectory& temporary, uint64_t segment_bytes = 1 << 20) {
  WalOptions options;
  options.directory = temporary.Join("wal");
  options.segment_bytes = segment_bytes;
  return options;
}

TEST(WalWriter, RecordsRoundTripThroughReplay) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary);
  auto writer = OpenWriter(options, 1);
  ASSERT_NE(writer, nullptr);
  const std::vector<size_t> sizes = {0, 1, 16, 1000, 70000, 3};
  for (size_t i = 0; i < sizes.size(); ++i) {
    Result<uint64_t> lsn = writer->Append(static_cast<uint8_t>(i * 40), PayloadFor(i + 1, sizes[i]));
    ASSERT_TRUE(lsn.ok());
    EXPECT_EQ(*lsn, i + 1);
  }
  ASSERT_TRUE(writer->Sync().ok());
  EXPECT_EQ(writer->durable_lsn(), sizes.size());

  ReplayReport report;
  std::vector<Replayed> records = ReplayAll(options.directory, 1, &report);
  ASSERT_EQ(records.size(), sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_EQ(records[i].lsn, i + 1);
    EXPECT_EQ(records[i].type, static_cast<uint8_t>(i * 40));
    EXPECT_EQ(records[i].payload, PayloadFor(i + 1, sizes[i]));
  }
  EXPECT_EQ(report.last_lsn, sizes.size());
  EXPECT_EQ(report.next_lsn, sizes.size() + 1);
  EXPECT_EQ(report.torn_bytes_cut, 0u);
  EXPECT_TRUE(report.torn_segment.empty());
}

TEST(WalWriter, AppendOnlyBuffersUntilSync) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary);
  auto writer = OpenWriter(options, 1);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Append(1, "first").ok());
  ASSERT_TRUE(writer->Append(1, "second").ok());
  EXPECT_EQ(writer->durable_lsn(), 0u);
  EXPECT_EQ(writer->next_lsn(), 3u);
  EXPECT_EQ(writer->buffered_bytes(), 2 * kRecordHeaderSize + 11);
  EXPECT_TRUE(ReplayAll(options.directory).empty());  // nothing written yet

  ASSERT_TRUE(writer->Sync().ok());
  EXPECT_EQ(writer->durable_lsn(), 2u);
  EXPECT_EQ(writer->buffered_bytes(), 0u);
  EXPECT_EQ(ReplayAll(options.directory).size(), 2u);
}

TEST(WalWriter, EachSyncIsOneGroup) {
  testing::TemporaryDirectory temporary;
  auto writer = OpenWriter(OptionsIn(temporary), 1);
  ASSERT_NE(writer, nullptr);
  for (int group = 0; group < 3; ++group) {
    for (int record = 0; record < 10; ++record) ASSERT_TRUE(writer->Append(2, "x").ok());
    ASSERT_TRUE(writer->Sync().ok());
  }
  ASSERT_TRUE(writer->Sync().ok());  // nothing buffered: not a group
  EXPECT_EQ(writer->stats().syncs, 3u);
  EXPECT_EQ(writer->stats().records, 30u);
  EXPECT_EQ(writer->stats().bytes, 30 * (kRecordHeaderSize + 1));
}

TEST(WalWriter, OversizedPayloadIsRefusedAndWriterStaysUsable) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary);
  auto writer = OpenWriter(options, 1);
  ASSERT_NE(writer, nullptr);
  std::string oversized(size_t{kMaxPayloadBytes} + 1, 'x');
  Result<uint64_t> refused = writer->Append(1, oversized);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer->buffered_bytes(), 0u);
  EXPECT_EQ(writer->next_lsn(), 1u);
  ASSERT_TRUE(writer->Append(1, "fine").ok());
  ASSERT_TRUE(writer->Sync().ok());
  EXPECT_EQ(ReplayAll(options.directory).size(), 1u);
}

TEST(WalWriter, ZeroNextLsnIsRefused) {
  testing::TemporaryDirectory temporary;
  EXPECT_EQ(WalWriter::Open(OptionsIn(temporary), 0).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(WalWriter, RotatesSegmentsPastSegmentBytes) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary, /*segment_bytes=*/1100);
  auto writer = OpenWriter(options, 1);
  ASSERT_NE(writer, nullptr);
  // 100-byte payloads: 125-byte records, so a segment (24-byte header) holds
  // 9 records before reaching 1100 bytes and starts a new one for the 10th.
  for (uint64_t lsn = 1; lsn <= 50; ++lsn) {
    ASSERT_TRUE(writer->Append(3, PayloadFor(lsn, 100)).ok());
    if (lsn % 7 == 0) {
      ASSERT_TRUE(writer->Sync().ok());
    }
  }
  ASSERT_TRUE(writer->Sync().ok());

  Result<std::vector<SegmentFile>> segments = ListSegments(options.directory);
  ASSERT_TRUE(segments.ok());
  std::vector<uint64_t> first_lsns;
  for (const SegmentFile& segment : *segments) first_lsns.push_back(segment.first_lsn);
  EXPECT_EQ(first_lsns, (std::vector<uint64_t>{1, 10, 19, 28, 37, 46}));
  EXPECT_EQ(writer->SegmentFirstLsns(), first_lsns);
  for (const SegmentFile& segment : *segments) {
    Result<std::string> contents = io::ReadWholeFile(io::JoinPath(options.directory, segment.name));
    ASSERT_TRUE(contents.ok());
    EXPECT_LE(contents->size(), 1100u + kRecordHeaderSize + 100) << segment.name;
  }
  std::vector<Replayed> records = ReplayAll(options.directory);
  ASSERT_EQ(records.size(), 50u);
  for (uint64_t lsn = 1; lsn <= 50; ++lsn) EXPECT_EQ(records[lsn - 1].payload, PayloadFor(lsn, 100));
}

TEST(WalWriter, TinySegmentBytesPutsOneRecordInEachSegment) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary, /*segment_bytes=*/1);
  auto writer = OpenWriter(options, 1);
  ASSERT_NE(writer, nullptr);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(writer->Append(0, "r").ok());
  ASSERT_TRUE(writer->Sync().ok());
  EXPECT_EQ(writer->SegmentFirstLsns(), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(ReplayAll(options.directory).size(), 4u);
}

TEST(WalWriter, DeletesOnlySegmentsWhollyBelowCheckpoint) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary, /*segment_bytes=*/1100);
  auto writer = OpenWriter(options, 1);
  ASSERT_NE(writer, nullptr);
  for (uint64_t lsn = 1; lsn <= 30; ++lsn) ASSERT_TRUE(writer->Append(3, PayloadFor(lsn, 100)).ok());
  ASSERT_TRUE(writer->Sync().ok());
  ASSERT_EQ(writer->SegmentFirstLsns(), (std::vector<uint64_t>{1, 10, 19, 28}));

  // LSN 18 is still needed: the segment starting at 10 holds it.
  ASSERT_TRUE(writer->DeleteSegmentsBelow(18).ok());
  EXPECT_EQ(writer->SegmentFirstLsns(), (std::vector<uint64_t>{10, 19, 28}));
  EXPECT_FALSE(io::PathExists(io::JoinPath(options.directory, SegmentFileName(1))));
  std::vector<Replayed> records = ReplayAll(options.directory, 18);
  ASSERT_EQ(records.size(), 13u);
  EXPECT_EQ(records.front().lsn, 18u);

  // Exactly at a segment start: everything before it goes.
  ASSERT_TRUE(writer->DeleteSegmentsBelow(19).ok());
  EXPECT_EQ(writer->SegmentFirstLsns(), (std::vector<uint64_t>{19, 28}));

  // The segment being written is never deleted.
  ASSERT_TRUE(writer->DeleteSegmentsBelow(1000).ok());
  EXPECT_EQ(writer->SegmentFirstLsns(), (std::vector<uint64_t>{28}));
  records = ReplayAll(options.directory, 28);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records.back().lsn, 30u);
}

TEST(WalWriter, ReopenedWriterDeletesSegmentsOfEarlierWriters) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary, /*segment_bytes=*/1100);
  {
    auto writer = OpenWriter(options, 1);
    ASSERT_NE(writer, nullptr);
    for (uint64_t lsn = 1; lsn <= 20; ++lsn) ASSERT_TRUE(writer->Append(3, PayloadFor(lsn, 100)).ok());
    ASSERT_TRUE(writer->Sync().ok());
  }
  ReplayReport report;
  ReplayAll(options.directory, 1, &report);
  auto writer = OpenWriter(options, report.next_lsn);
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(writer->SegmentFirstLsns(), (std::vector<uint64_t>{1, 10, 19, 21}));
  ASSERT_TRUE(writer->DeleteSegmentsBelow(21).ok());
  EXPECT_EQ(writer->SegmentFirstLsns(), (std::vector<uint64_t>{21}));
}

TEST(WalWriter, ReopenAfterReplayContinuesTheLsnSequence) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary);
  {
    auto writer = OpenWriter(options, 1);
    ASSERT_NE(writer, nullptr);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(writer->Append(1, "before").ok());
    ASSERT_TRUE(writer->Sync().ok());
    ASSERT_TRUE(writer->Append(1, "never synced").ok());  // discarded with the writer
  }
  ReplayReport report;
  EXPECT_EQ(ReplayAll(options.directory, 1, &report).size(), 5u);
  ASSERT_EQ(report.next_lsn, 6u);
  {
    auto writer = OpenWriter(options, report.next_lsn);
    ASSERT_NE(writer, nullptr);
    Result<uint64_t> lsn = writer->Append(1, "after");
    ASSERT_TRUE(lsn.ok());
    EXPECT_EQ(*lsn, 6u);
    ASSERT_TRUE(writer->Sync().ok());
  }
  std::vector<Replayed> records = ReplayAll(options.directory, 1, &report);
  ASSERT_EQ(records.size(), 6u);
  for (uint64_t lsn = 1; lsn <= 6; ++lsn) EXPECT_EQ(records[lsn - 1].lsn, lsn);
  EXPECT_EQ(records.back().payload, "after");
}

TEST(WalWriter, OpenAtTheStartOfAnEmptyNewestSegmentReplacesIt) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary);
  { ASSERT_NE(OpenWriter(options, 7), nullptr); }  // leaves an empty segment 7
  ReplayReport report;
  EXPECT_TRUE(ReplayAll(options.directory, 7, &report).empty());
  EXPECT_EQ(report.next_lsn, 7u);
  auto writer = OpenWriter(options, 7);
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(writer->SegmentFirstLsns(), std::vector<uint64_t>{7});
}

TEST(WalWriter, OpenRefusesADirectoryThatWasNotReplayed) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary);
  {
    auto writer = OpenWriter(options, 10);
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer->Append(1, "record").ok());
    ASSERT_TRUE(writer->Sync().ok());
  }
  // A segment starts after the requested LSN.
  EXPECT_EQ(WalWriter::Open(options, 5).status().code(), StatusCode::kFailedPrecondition);
  // The segment at the requested LSN holds a record.
  EXPECT_EQ(WalWriter::Open(options, 10).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(WalWriter::Open(options, 11).ok());
}

TEST(WalWriter, OpenRemovesLeftoverTemporarySegments) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary);
  ASSERT_TRUE(io::CreateDirectories(options.directory).ok());
  std::string leftover = io::JoinPath(options.directory, SegmentFileName(3) + ".tmp");
  ASSERT_TRUE(io::OpenFile(leftover, O_WRONLY | O_CREAT).ok());
  ASSERT_NE(OpenWriter(options, 1), nullptr);
  EXPECT_FALSE(io::PathExists(leftover));
}

TEST(WalWriter, FailedSyncIsStickyAndNeverReportedDurable) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary);
  auto writer = OpenWriter(options, 1);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Append(1, "durable").ok());
  ASSERT_TRUE(writer->Sync().ok());
  ASSERT_EQ(writer->durable_lsn(), 1u);

  ASSERT_TRUE(writer->Append(1, "lost").ok());
  writer->InjectFaultForTesting(WalFaultPoint::kSync, EIO);
  Status failed = writer->Sync();
  ASSERT_EQ(failed.code(), StatusCode::kIoError);
  EXPECT_NE(failed.message().find("fdatasync"), std::string::npos) << failed.ToString();
  EXPECT_EQ(writer->durable_lsn(), 1u);

  // The fault was one-shot; the writer still refuses everything with the
  // first error and never moves durable_lsn again.
  Result<uint64_t> append = writer->Append(1, "later");
  EXPECT_EQ(append.status().ToString(), failed.ToString());
  EXPECT_EQ(writer->Sync().ToString(), failed.ToString());
  EXPECT_EQ(writer->Sync().ToString(), failed.ToString());
  EXPECT_EQ(writer->DeleteSegmentsBelow(1).ToString(), failed.ToString());
  EXPECT_EQ(writer->error().ToString(), failed.ToString());
  EXPECT_EQ(writer->durable_lsn(), 1u);
  EXPECT_EQ(writer->stats().syncs, 1u);
}

TEST(WalWriter, FailedWriteIsCutBackAndTheWriterGoesOn) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary);
  {
    auto writer = OpenWriter(options, 1);
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer->Append(1, PayloadFor(1, 300)).ok());
    ASSERT_TRUE(writer->Sync().ok());
    ASSERT_TRUE(writer->Append(1, PayloadFor(2, 300)).ok());
    writer->InjectFaultForTesting(WalFaultPoint::kWrite, ENOSPC);
    Status failed = writer->Sync();
    ASSERT_EQ(failed.code(), StatusCode::kNoSpace);
    EXPECT_EQ(writer->durable_lsn(), 1u);
    // Not sticky: the record was given up and its LSN is reused.
    EXPECT_TRUE(writer->error().ok());
    EXPECT_EQ(writer->next_lsn(), 2u);
    Result<uint64_t> lsn = writer->Append(1, PayloadFor(3, 300));
    ASSERT_TRUE(lsn.ok());
    EXPECT_EQ(*lsn, 2u);
    ASSERT_TRUE(writer->Sync().ok());
    EXPECT_EQ(writer->durable_lsn(), 2u);
  }
  // The half-written record was cut back before the next one was written.
  ReplayReport report;
  std::vector<Replayed> records = ReplayAll(options.directory, 1, &report);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].payload, PayloadFor(1, 300));
  EXPECT_EQ(records[1].lsn, 2u);
  EXPECT_EQ(records[1].payload, PayloadFor(3, 300));
  EXPECT_EQ(report.torn_bytes_cut, 0u);
  EXPECT_EQ(report.next_lsn, 3u);
}

TEST(WalWriter, WithoutSyncRecordsAreStillWrittenAndReplayed) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary, /*segment_bytes=*/200);
  options.sync = false;
  auto writer = OpenWriter(options, 1);
  ASSERT_NE(writer, nullptr);
  for (uint64_t lsn = 1; lsn <= 10; ++lsn) ASSERT_TRUE(writer->Append(1, PayloadFor(lsn, 50)).ok());
  writer->InjectFaultForTesting(WalFaultPoint::kSync, EIO);  // never fires: no fdatasync
  ASSERT_TRUE(writer->Sync().ok());
  EXPECT_EQ(writer->durable_lsn(), 10u);
  EXPECT_EQ(ReplayAll(options.directory).size(), 10u);
}

TEST(WalWriter, UnownedPayloadsInterleaveWithOwnedOnesAcrossSegments) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary, /*segment_bytes=*/1000);
  auto writer = OpenWriter(options, 1);
  ASSERT_NE(writer, nullptr);
  std::vector<std::string> payloads;  // kept alive until the Sync
  for (uint64_t lsn = 1; lsn <= 40; ++lsn) payloads.push_back(PayloadFor(lsn, 50 + lsn * 13));
  for (uint64_t lsn = 1; lsn <= 40; ++lsn) {
    const std::string& payload = payloads[lsn - 1];
    Result<uint64_t> appended =
        lsn % 3 == 0 ? writer->Append(1, payload)
                     : writer->AppendUnowned(static_cast<uint8_t>(lsn), payload);
    ASSERT_TRUE(appended.ok()) << appended.status().ToString();
    EXPECT_EQ(*appended, lsn);
    if (lsn % 7 == 0) {
      ASSERT_TRUE(writer->Sync().ok());
    }
  }
  ASSERT_TRUE(writer->Sync().ok());
  EXPECT_GT(writer->SegmentFirstLsns().size(), 3u);
  std::vector<Replayed> records = ReplayAll(options.directory);
  ASSERT_EQ(records.size(), 40u);
  for (uint64_t lsn = 1; lsn <= 40; ++lsn) {
    EXPECT_EQ(records[lsn - 1].lsn, lsn);
    EXPECT_EQ(records[lsn - 1].type, lsn % 3 == 0 ? 1 : lsn);
    EXPECT_EQ(records[lsn - 1].payload, payloads[lsn - 1]);
  }
}

TEST(WalWriter, WrittenRecordsBecomeDurableOnlyWithTheirTicket) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary);
  auto writer = OpenWriter(options, 1);
  ASSERT_NE(writer, nullptr);
  const std::string payload = PayloadFor(1, 300);
  ASSERT_TRUE(writer->AppendUnowned(1, payload).ok());
  ASSERT_TRUE(writer->Write().ok());
  EXPECT_EQ(writer->buffered_bytes(), 0u);
  EXPECT_EQ(writer->durable_lsn(), 0u);
  EXPECT_EQ(ReplayAll(options.directory).size(), 1u);  // in the file, not yet synced

  WalWriter::SyncTicket ticket = writer->BeginSync();
  ASSERT_NE(ticket.file, nullptr);
  EXPECT_EQ(ticket.lsn, 1u);
  // Records written after the ticket was taken are not covered by it.
  ASSERT_TRUE(writer->Append(1, "later").ok());
  ASSERT_TRUE(writer->Write().ok());
  ASSERT_TRUE(WalWriter::SyncFile(ticket).ok());
  ASSERT_TRUE(writer->EndSync(ticket, Status::Ok()).ok());
  EXPECT_EQ(writer->durable_lsn(), 1u);
  EXPECT_EQ(writer->stats().records, 1u);

  ASSERT_TRUE(writer->Sync().ok());
  EXPECT_EQ(writer->durable_lsn(), 2u);
  EXPECT_EQ(writer->stats().syncs, 2u);
  EXPECT_EQ(writer->BeginSync().file, nullptr);  // nothing left to sync
}

TEST(WalWriter, TicketTakenBeforeARotationStillCompletes) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary, /*segment_bytes=*/400);
  auto writer = OpenWriter(options, 1);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Append(1, PayloadFor(1, 500)).ok());
  ASSERT_TRUE(writer->Write().ok());
  WalWriter::SyncTicket ticket = writer->BeginSync();
  // The next record goes to a new segment; the old one is synced first and
  // stays open for the ticket.
  ASSERT_TRUE(writer->Append(1, PayloadFor(2, 500)).ok());
  ASSERT_TRUE(writer->Write().ok());
  EXPECT_EQ(writer->SegmentFirstLsns(), (std::vector<uint64_t>{1, 2}));
  ASSERT_TRUE(WalWriter::SyncFile(ticket).ok());
  ASSERT_TRUE(writer->EndSync(ticket, Status::Ok()).ok());
  EXPECT_EQ(writer->durable_lsn(), 1u);
  ASSERT_TRUE(writer->Sync().ok());
  EXPECT_EQ(writer->durable_lsn(), 2u);
  EXPECT_EQ(ReplayAll(options.directory).size(), 2u);
}

TEST(WalWriter, FailedTicketSyncIsStickyAndNeverReportedDurable) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary);
  auto writer = OpenWriter(options, 1);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Append(1, "record").ok());
  ASSERT_TRUE(writer->Write().ok());
  writer->InjectFaultForTesting(WalFaultPoint::kSync, EIO);
  WalWriter::SyncTicket ticket = writer->BeginSync();
  Status synced = WalWriter::SyncFile(ticket);
  EXPECT_EQ(synced.code(), StatusCode::kIoError);
  Status ended = writer->EndSync(ticket, synced);
  EXPECT_EQ(ended.ToString(), synced.ToString());
  EXPECT_EQ(writer->durable_lsn(), 0u);
  EXPECT_EQ(writer->Write().ToString(), synced.ToString());
  EXPECT_EQ(writer->BeginSync().file, nullptr);
}

TEST(WalWriter, FailedWriteOfAnUnownedPayloadLeavesNothingBehind) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary);
  const std::string first = PayloadFor(1, 300), second = PayloadFor(2, 300);
  {
    auto writer = OpenWriter(options, 1);
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer->AppendUnowned(1, first).ok());
    ASSERT_TRUE(writer->Sync().ok());
    ASSERT_TRUE(writer->AppendUnowned(1, second).ok());
    writer->InjectFaultForTesting(WalFaultPoint::kWrite, ENOSPC);
    EXPECT_EQ(writer->Sync().code(), StatusCode::kNoSpace);
    EXPECT_EQ(writer->durable_lsn(), 1u);
  }
  ReplayReport report;
  std::vector<Replayed> records = ReplayAll(options.directory, 1, &report);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].payload, first);
  EXPECT_EQ(report.torn_bytes_cut, 0u);
}

}  // namespace
}  // namespace backtrace::wal
