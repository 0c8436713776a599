// Simulated power loss under the WAL: GroupCommitWal writes records in
// groups (with small segments, so rotations happen too) while the file layer
// tracks what is not yet synced; power is cut just before a chosen fdatasync
// (or at a random moment), and the disk's state after the loss is chosen by
// a seed (unsynced bytes lost, kept, partly kept, kept page by page, garbled
// or zeroed; unsynced directory entries kept or undone). Replay must then start without help,
// hold every acknowledged record exactly once under its LSN, invent nothing,
// and let a writer carry on after it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "common/base/coding.h"
#include "common/base/fault_injection.h"
#include "common/base/power_loss.h"
#include "common/wal/group_commit_wal.h"
#include "common/wal/wal_replay.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace::wal {
namespace {

// A payload names its submission: 8 bytes of id, then bytes derived from it.
std::string PayloadFor(uint64_t id, size_t size) {
  std::string payload(std::max<size_t>(size, 8), '\0');
  coding::EncodeFixed64(reinterpret_cast<uint8_t*>(payload.data()), id);
  for (size_t i = 8; i < payload.size(); ++i) payload[i] = static_cast<char>((id * 37 + i) & 0xff);
  return payload;
}

struct Acknowledged {
  std::mutex mutex;
  std::map<uint64_t, uint64_t> lsn_of;  // id -> LSN, for acknowledged records
  std::atomic<uint64_t> answered{0};
};

struct ReplayedWal {
  Status status;
  std::map<uint64_t, uint64_t> lsn_of;  // id -> LSN
  std::vector<std::string> problems;
  ReplayReport report;
};

// Replays (repairing) and checks that every record is a submitted one, with
// its exact payload, at most once.
ReplayedWal ReplayAndDecode(const std::string& directory,
                            const std::map<uint64_t, size_t>& submitted_sizes) {
  ReplayedWal replayed;
  replayed.status = Replay(
      directory, 1,
      [&](uint64_t lsn, uint8_t type, std::string_view payload) {
        if (payload.size() < 8) {
          replayed.problems.push_back("record " + std::to_string(lsn) + " is too short");
          return Status::Ok();
        }
        uint64_t id = coding::DecodeFixed64(reinterpret_cast<const uint8_t*>(payload.data()));
        auto size = submitted_sizes.find(id);
        if (size == submitted_sizes.end() || type != static_cast<uint8_t>(id) ||
            payload != PayloadFor(id, size->second)) {
          replayed.problems.push_back("record " + std::to_string(lsn) +
                                      " is not a submitted one (id " + std::to_string(id) + ")");
        } else if (!replayed.lsn_of.emplace(id, lsn).second) {
          replayed.problems.push_back("id " + std::to_string(id) + " replayed twice");
        }
        return Status::Ok();
      },
      /*repair_torn_tail=*/true, &replayed.report);
  return replayed;
}

// One crash and recovery; adds what it exercised to *totals.
struct Totals {
  uint64_t acknowledged = 0;     // acknowledged records checked after replay
  uint64_t damaged_tails = 0;    // replays that cut a damaged tail
  uint64_t unsynced_files = 0;   // files with unsynced bytes at the cut
  uint64_t entries_undone = 0;   // directory operations undone
};

void RunOneCrash(uint64_t seed, Totals* totals) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  testing::TemporaryDirectory temporary;
  std::string directory = temporary.Join("wal");
  std::mt19937_64 random(seed);
  ASSERT_TRUE(power_loss::Start(directory).ok());

  // Most seeds cut power just before a chosen fdatasync, where written
  // groups wait for their sync; the others at a random moment.
  const bool cut_at_sync = random() % 4 != 0;
  if (cut_at_sync) power_loss::CutPowerAtSync(1 + random() % 10);

  WalOptions options;
  options.directory = directory;
  options.segment_bytes = 512 + random() % 4096;
  auto opened = GroupCommitWal::Open(options, 1);
  if (!opened.ok()) {
    // Power went out while the WAL was being created: nothing to check but
    // that recovery starts.
    ASSERT_TRUE(power_loss::PowerIsCut()) << opened.status().ToString();
    power_loss::RestorePower(seed);
    ReplayReport report;
    Status replayed = Replay(directory, 1, [](uint64_t, uint8_t, std::string_view) {
      return Status::Ok();
    }, true, &report);
    ASSERT_TRUE(replayed.ok()) << replayed.ToString();
    EXPECT_EQ(report.last_lsn, 0u);
    return;
  }
  std::unique_ptr<GroupCommitWal> wal = std::move(*opened);

  Acknowledged acknowledged;
  std::map<uint64_t, size_t> submitted_sizes;
  std::deque<std::string> unowned;  // payloads the WAL reads in place
  uint64_t next_id = 1;
  uint64_t submitted = 0;
  const int rounds = 1 + static_cast<int>(random() % 12);
  for (int round = 0; round < rounds; ++round) {
    const int records = 1 + static_cast<int>(random() % 12);
    for (int r = 0; r < records; ++r) {
      uint64_t id = next_id++;
      size_t size = random() % 3 == 0 ? 8 + random() % 2000 : 8 + random() % 120;
      submitted_sizes[id] = size;
      ++submitted;
      auto done = [&acknowledged, id](Status status, uint64_t lsn) {
        if (status.ok()) {
          std::lock_guard<std::mutex> lock(acknowledged.mutex);
          acknowledged.lsn_of[id] = lsn;
        }
        acknowledged.answered.fetch_add(1);
      };
      if (random() % 2 == 0) {
        wal->Submit(static_cast<uint8_t>(id), PayloadFor(id, size), done);
      } else {
        unowned.push_back(PayloadFor(id, size));
        wal->SubmitUnowned(static_cast<uint8_t>(id), unowned.back(), done);
      }
    }
    // Sometimes wait for the round's answers, so that whole groups are
    // durable before the next; sometimes pile groups up in the pipeline.
    if (round + 1 < rounds && random() % 2 == 0) {
      while (acknowledged.answered.load() < submitted) std::this_thread::yield();
    }
    if (power_loss::PowerIsCut()) break;
  }
  if (cut_at_sync) {
    // Wait for the chosen sync, or for everything to be answered if the
    // WAL needed fewer syncs.
    while (!power_loss::PowerIsCut() && acknowledged.answered.load() < submitted) {
      std::this_thread::yield();
    }
  } else if (random() % 2 == 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(random() % 3000));
  }
  power_loss::CutPower();
  wal->Close();  // what was in flight is answered with EIO now
  wal.reset();
  power_loss::Outcome outcome = power_loss::RestorePower(seed);
  SCOPED_TRACE(outcome.description);

  ReplayedWal replayed = ReplayAndDecode(directory, submitted_sizes);
  ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  for (const std::string& problem : replayed.problems) ADD_FAILURE() << problem;
  for (const auto& [id, lsn] : acknowledged.lsn_of) {
    auto found = replayed.lsn_of.find(id);
    ASSERT_NE(found, replayed.lsn_of.end()) << "acknowledged id " << id << " (LSN " << lsn
                                            << ") was lost";
    EXPECT_EQ(found->second, lsn) << "id " << id;
  }
  totals->acknowledged += acknowledged.lsn_of.size();
  totals->damaged_tails += replayed.report.torn_bytes_cut > 0;
  totals->unsynced_files += outcome.files_changed;
  totals->entries_undone += outcome.directory_operations_undone;

  // The WAL goes on after recovery, and a second replay agrees.
  auto reopened = GroupCommitWal::Open(options, replayed.report.next_lsn);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  std::atomic<int> more{0};
  std::map<uint64_t, size_t> all_sizes = submitted_sizes;
  for (int r = 0; r < 3; ++r) {
    uint64_t id = next_id++;
    all_sizes[id] = 40;
    (*reopened)->Submit(static_cast<uint8_t>(id), PayloadFor(id, 40), [&more](Status status, uint64_t) {
      EXPECT_TRUE(status.ok()) << status.ToString();
      more.fetch_add(1);
    });
  }
  (*reopened)->Close();
  EXPECT_EQ(more.load(), 3);
  ReplayedWal again = ReplayAndDecode(directory, all_sizes);
  ASSERT_TRUE(again.status.ok()) << again.status.ToString();
  EXPECT_TRUE(again.problems.empty());
  EXPECT_EQ(again.lsn_of.size(), replayed.lsn_of.size() + 3);
  EXPECT_EQ(again.report.torn_bytes_cut, 0u);
  EXPECT_EQ(again.report.next_lsn, replayed.report.next_lsn + 3);
}

class WalPowerLoss : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    if (!fault::Available()) GTEST_SKIP() << "built without BACKTRACE_FAULT_INJECTION";
  }
  void TearDown() override { power_loss::Stop(); }
};

constexpr uint64_t kSeedsPerShard = 50;

TEST_P(WalPowerLoss, EveryAcknowledgedRecordSurvivesExactlyOnce) {
  Totals totals;
  for (uint64_t i = 0; i < kSeedsPerShard; ++i) {
    RunOneCrash(static_cast<uint64_t>(GetParam()) * kSeedsPerShard + i, &totals);
    if (HasFatalFailure()) return;
  }
  // The seeds exercise both sides: records acknowledged, and tails cut.
  EXPECT_GT(totals.acknowledged, 0u);
  EXPECT_GT(totals.damaged_tails, 0u);
  EXPECT_GT(totals.unsynced_files, 0u);
  std::printf("%llu seeds: %llu acknowledged records checked, %llu files with unsynced bytes "
              "at the cut, %llu damaged tails cut, %llu directory operations undone\n",
              static_cast<unsigned long long>(kSeedsPerShard),
              static_cast<unsigned long long>(totals.acknowledged),
              static_cast<unsigned long long>(totals.unsynced_files),
              static_cast<unsigned long long>(totals.damaged_tails),
              static_cast<unsigned long long>(totals.entries_undone));
}

// Four shards of 50 seeds (200 in all), so that ctest runs them in parallel.
INSTANTIATE_TEST_SUITE_P(Seeds, WalPowerLoss, ::testing::Range(0, 4));

}  // namespace
}  // namespace backtrace::wal
