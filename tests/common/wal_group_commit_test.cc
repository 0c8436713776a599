#include <gtest/gtest.h>

#include <cerrno>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/base/file.h"
#include "common/wal/group_commit_wal.h"
#include "common/wal/wal_directory.h"
#include "common/wal/wal_format.h"
#include "common/wal/wal_replay.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace::wal {
namespace {

std::unique_ptr<GroupCommitWal> OpenWal(const WalOptions& options, uint64_t next_lsn = 1) {
  Result<std::unique_ptr<GroupCommitWal>> wal = GroupCommitWal::Open(options, next_lsn);
  EXPECT_TRUE(wal.ok()) << wal.status().ToString();
  return wal.ok() ? std::move(wal).value() : nullptr;
}

WalOptions OptionsIn(const testing::TemporaryDirectory& temporary, uint64_t segment_bytes = 1 << 20) {
  WalOptions options;
  options.directory = temporary.Join("wal");
  options.segment_bytes = segment_bytes;
  return options;
}

// Payloads by LSN, as replayed.
std::map<uint64_t, std::string> ReplayAll(const std::string& directory, uint64_t from_lsn = 1) {
  std::map<uint64_t, std::string> records;
  Status status = Replay(
      directory, from_lsn,
      [&](uint64_t lsn, uint8_t, std::string_view payload) {
        records.emplace(lsn, std::string(payload));
        return Status::Ok();
      },
      true, nullptr);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return records;
}

// A one-shot gate that callbacks can wait on.
class Gate {
 public:
  void Open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

TEST(WalGroupCommit, ManyThreadsGetDenseOrderedLsnsWithFewerSyncsThanRecords) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary, /*segment_bytes=*/64 << 10);
  auto wal = OpenWal(options);
  ASSERT_NE(wal, nullptr);

  // The first record's callback holds the WAL's sync thread until every
  // submitter has queued everything, so the rest must share syncs.
  Gate all_submitted;
  std::vector<uint64_t> callback_lsns;  // in callback order (sync thread only)
  wal->Submit(0, "first", [&](Status status, uint64_t lsn) {
    EXPECT_TRUE(status.ok()) << status.ToString();
    callback_lsns.push_back(lsn);
    all_submitted.Wait();
  });

  constexpr int kThreads = 8;
  constexpr int kPerThread = 150;
  std::mutex answers_mutex;
  std::map<std::string, uint64_t> lsn_by_payload;
  std::vector<std::vector<uint64_t>> lsns_by_thread(kThreads);
  std::vector<std::thread> submitters;
  for (int thread = 0; thread < kThreads; ++thread) {
    submitters.emplace_back([&, thread] {
      for (int index = 0; index < kPerThread; ++index) {
        std::string payload = "thread " + std::to_string(thread) + " record " + std::to_string(index);
        wal->Submit(1, payload, [&, thread, payload](Status status, uint64_t lsn) {
          EXPECT_TRUE(status.ok()) << status.ToString();
          callback_lsns.push_back(lsn);
          std::lock_guard<std::mutex> lock(answers_mutex);
          lsn_by_payload[payload] = lsn;
          lsns_by_thread[thread].push_back(lsn);
        });
      }
    });
  }
  for (std::thread& submitter : submitters) submitter.join();
  all_submitted.Open();
  wal->Close();

  constexpr uint64_t kTotal = 1 + kThreads * kPerThread;
  ASSERT_EQ(callback_lsns.size(), kTotal);
  for (uint64_t i = 0; i < kTotal; ++i) ASSERT_EQ(callback_lsns[i], i + 1) << "callback " << i;
  for (const std::vector<uint64_t>& lsns : lsns_by_thread) {
    ASSERT_EQ(lsns.size(), static_cast<size_t>(kPerThread));
    for (size_t i = 1; i < lsns.size(); ++i) EXPECT_LT(lsns[i - 1], lsns[i]);
  }
  GroupCommitStats stats = wal->stats();
  EXPECT_EQ(stats.records, kTotal);
  // The gated group, then the rest in a few syncs: while one sync waits for
  // the disk (or for a callback), everything written meanwhile waits for the
  // next one.
  EXPECT_LT(stats.syncs, kTotal / 10);
  EXPECT_EQ(wal->durable_lsn(), kTotal);

  std::map<uint64_t, std::string> replayed = ReplayAll(options.directory);
  ASSERT_EQ(replayed.size(), kTotal);
  for (const auto& [payload, lsn] : lsn_by_payload) EXPECT_EQ(replayed[lsn], payload);
}

TEST(WalGroupCommit, BatchGetsConsecutiveLsnsAndOneCallback) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary);
  auto wal = OpenWal(options, 10);
  ASSERT_NE(wal, nullptr);
  int calls = 0;
  uint64_t first = 0, last = 0;
  std::vector<WalRecord> batch = {{1, "a"}, {2, "b"}, {3, "c"}};
  wal->SubmitBatch(std::move(batch), [&](Status status, uint64_t first_lsn, uint64_t last_lsn) {
    EXPECT_TRUE(status.ok()) << status.ToString();
    ++calls;
    first = first_lsn;
    last = last_lsn;
  });
  wal->Close();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(first, 10u);
  EXPECT_EQ(last, 12u);
  std::map<uint64_t, std::string> replayed = ReplayAll(options.directory, 10);
  EXPECT_EQ(replayed, (std::map<uint64_t, std::string>{{10, "a"}, {11, "b"}, {12, "c"}}));
}

TEST(WalGroupCommit, CloseAnswersEverySubmissionAndLaterOnesAreRefused) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary);
  auto wal = OpenWal(options);
  ASSERT_NE(wal, nullptr);
  int answered = 0;  // written on the WAL thread, read after Close joined it
  for (int i = 0; i < 500; ++i) {
    wal->Submit(1, "record", [&](Status status, uint64_t) {
      EXPECT_TRUE(status.ok()) << status.ToString();
      ++answered;
    });
  }
  wal->Close();
  EXPECT_EQ(answered, 500);
  EXPECT_EQ(ReplayAll(options.directory).size(), 500u);

  Status late;
  wal->Submit(1, "late", [&](Status status, uint64_t lsn) {
    late = status;
    EXPECT_EQ(lsn, 0u);
  });
  EXPECT_EQ(late.code(), StatusCode::kFailedPrecondition);
  wal->Close();  // idempotent
}

// Submits one record and waits for its answer, so that it is a group of its
// own.
std::pair<Status, uint64_t> SubmitAndWait(GroupCommitWal& wal, std::string payload) {
  Gate answered;
  std::pair<Status, uint64_t> answer;
  wal.Submit(1, std::move(payload), [&](Status status, uint64_t lsn) {
    answer = {status, lsn};
    answered.Open();
  });
  answered.Wait();
  return answer;
}

TEST(WalGroupCommit, FailedSyncIsStickyForEveryLaterGroup) {
  testing::TemporaryDirectory temporary;
  auto wal = OpenWal(OptionsIn(temporary));
  ASSERT_NE(wal, nullptr);
  wal->InjectFaultForTesting(WalFaultPoint::kSync, EIO);
  auto [failed, failed_lsn] = SubmitAndWait(*wal, "first");
  EXPECT_EQ(failed.code(), StatusCode::kIoError);
  EXPECT_EQ(failed_lsn, 0u);
  // The fault was one-shot: later groups fail only because the error sticks.
  for (int i = 0; i < 2; ++i) {
    auto [status, lsn] = SubmitAndWait(*wal, "later");
    EXPECT_EQ(status.ToString(), failed.ToString());
    EXPECT_EQ(lsn, 0u);
  }
  wal->Close();
  EXPECT_EQ(wal->durable_lsn(), 0u);
  EXPECT_EQ(wal->stats().syncs, 0u);
  EXPECT_EQ(wal->stats().records, 0u);
}

TEST(WalGroupCommit, FailureAfterSuccessKeepsEarlierAnswersAndRefusesLaterOnes) {
  testing::TemporaryDirectory temporary;
  auto wal = OpenWal(OptionsIn(temporary));
  ASSERT_NE(wal, nullptr);
  auto [first, first_lsn] = SubmitAndWait(*wal, "good");
  ASSERT_TRUE(first.ok()) << first.ToString();
  EXPECT_EQ(first_lsn, 1u);
  ASSERT_EQ(wal->durable_lsn(), 1u);

  wal->InjectFaultForTesting(WalFaultPoint::kSync, EIO);
  auto [second, second_lsn] = SubmitAndWait(*wal, "after the fault");
  EXPECT_EQ(second.code(), StatusCode::kIoError);
  auto [third, third_lsn] = SubmitAndWait(*wal, "later still");
  EXPECT_EQ(third.ToString(), second.ToString());
  wal->Close();
  EXPECT_EQ(wal->durable_lsn(), 1u);
  EXPECT_EQ(wal->stats().records, 1u);
  EXPECT_EQ(wal->stats().syncs, 1u);
}

TEST(WalGroupCommit, OversizedRecordIsRefusedWithoutHarmingOthers) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary);
  auto wal = OpenWal(options);
  ASSERT_NE(wal, nullptr);
  std::vector<WalRecord> batch = {{1, "small"}, {1, std::string(size_t{kMaxPayloadBytes} + 1, 'x')}};
  Status batch_status;
  wal->SubmitBatch(std::move(batch), [&](Status status, uint64_t, uint64_t) { batch_status = status; });
  Status single_status;
  uint64_t single_lsn = 0;
  wal->Submit(1, "after", [&](Status status, uint64_t lsn) {
    single_status = status;
    single_lsn = lsn;
  });
  wal->Close();
  EXPECT_EQ(batch_status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(single_status.ok()) << single_status.ToString();
  EXPECT_EQ(single_lsn, 1u);  // nothing of the refused batch took an LSN
  EXPECT_EQ(ReplayAll(options.directory), (std::map<uint64_t, std::string>{{1, "after"}}));
}

TEST(WalGroupCommit, DeleteSegmentsBelowRunsBesideSubmitters) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary, /*segment_bytes=*/2000);
  auto wal = OpenWal(options);
  ASSERT_NE(wal, nullptr);
  std::thread submitter([&] {
    for (int i = 0; i < 400; ++i) wal->Submit(1, std::string(100, 'p'), nullptr);
  });
  // Delete concurrently with the submissions; whatever is durable below the
  // checkpoint may go.
  for (int i = 0; i < 20; ++i) {
    Status status = wal->DeleteSegmentsBelow(wal->durable_lsn() / 2 + 1);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  submitter.join();
  wal->Close();
  ASSERT_EQ(wal->durable_lsn(), 400u);
  ASSERT_TRUE(wal->DeleteSegmentsBelow(300).ok());
  Result<std::vector<SegmentFile>> segments = ListSegments(options.directory);
  ASSERT_TRUE(segments.ok());
  ASSERT_FALSE(segments->empty());
  EXPECT_LE(segments->front().first_lsn, 300u);
  EXPECT_GT(segments->size() > 1 ? (*segments)[1].first_lsn : 401u, 300u);
  std::map<uint64_t, std::string> replayed = ReplayAll(options.directory, 300);
  EXPECT_EQ(replayed.size(), 101u);
  EXPECT_EQ(replayed.begin()->first, 300u);
}

TEST(WalGroupCommit, UnownedSubmissionsAreWrittenInPlaceAndAnsweredInOrder) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary, /*segment_bytes=*/16 << 10);
  auto wal = OpenWal(options);
  ASSERT_NE(wal, nullptr);
  std::vector<std::string> payloads;
  for (int i = 0; i < 300; ++i) {
    payloads.push_back(std::string(100 + i * 7, static_cast<char>('a' + i % 26)));
  }
  std::vector<uint64_t> lsns;  // appended on the WAL's sync thread, read after Close
  for (int i = 0; i < 300; ++i) {
    auto done = [&](Status status, uint64_t lsn) {
      EXPECT_TRUE(status.ok()) << status.ToString();
      lsns.push_back(lsn);
    };
    if (i % 2 == 0) {
      wal->SubmitUnowned(1, payloads[static_cast<size_t>(i)], done);
    } else {
      wal->Submit(1, payloads[static_cast<size_t>(i)], done);
    }
  }
  wal->Close();
  ASSERT_EQ(lsns.size(), 300u);
  for (size_t i = 0; i < lsns.size(); ++i) EXPECT_EQ(lsns[i], i + 1);
  std::map<uint64_t, std::string> replayed = ReplayAll(options.directory);
  ASSERT_EQ(replayed.size(), 300u);
  for (size_t i = 0; i < payloads.size(); ++i) EXPECT_EQ(replayed[i + 1], payloads[i]);
  EXPECT_EQ(wal->durable_lsn(), 300u);
}

TEST(WalGroupCommit, OversizedUnownedRecordIsRefusedWithoutHarmingOthers) {
  testing::TemporaryDirectory temporary;
  WalOptions options = OptionsIn(temporary);
  auto wal = OpenWal(options);
  ASSERT_NE(wal, nullptr);
  const std::string huge(size_t{kMaxPayloadBytes} + 1, 'x');
  Status refused;
  wal->SubmitUnowned(1, huge, [&](Status status, uint64_t lsn) {
    refused = status;
    EXPECT_EQ(lsn, 0u);
  });
  Status accepted;
  wal->SubmitUnowned(1, "fine", [&](Status status, uint64_t) { accepted = status; });
  wal->Close();
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(accepted.ok()) << accepted.ToString();
  EXPECT_EQ(ReplayAll(options.directory), (std::map<uint64_t, std::string>{{1, "fine"}}));
}

}  // namespace
}  // namespace backtrace::wal
