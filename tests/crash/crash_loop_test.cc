// The crash loop: one data directory, many lives of backtraced. Each cycle
// starts the daemon, runs several producers that append with sequence
// numbers and record every acknowledgement, and kills at a random moment
// the daemon, a compactor or a query worker (SIGKILL), or arms a named
// crash point (common/base/crash_point.h) that kills a process exactly
// between two steps. Then it checks, offline, that every acknowledged row
// is stored exactly once and nothing was invented; restarts the daemon;
// has the producers resend what was never answered; checks that queries
// count exactly the rows sent; stops the daemon cleanly; and requires a
// clean fsck and exactly the rows sent, each once.
//
// Cycles: BACKTRACE_CRASH_CYCLES (default 12: every crash point once and
// every kind of process killed twice, about a minute under the sanitizers); BACKTRACE_CRASH_SEED picks the random moments (default: the
// clock, printed). tools/crash-loop.sh runs the long form.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/fsck/fsck.h"
#include "tests/crash/crash_loop_checks.h"
#include "tests/crash/crash_loop_producer.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace::testing {
namespace {

constexpr size_t kProducers = 3;

// Every named crash point of the daemon and the compactor.
const std::vector<std::string>& CrashPoints() {
  static const std::vector<std::string> points = {
      "wal_after_write_before_sync",        "daemon_after_sync_before_ack",
      "compactor_during_column_files",      "compactor_after_rename",
      "daemon_after_commit_before_wal_delete", "wal_during_segment_rotation",
  };
  return points;
}

uint64_t EnvironmentNumber(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  return text == nullptr || *text == '\0' ? fallback : std::stoull(text);
}

class CrashLoop : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = EnvironmentNumber("BACKTRACE_CRASH_SEED",
                              static_cast<uint64_t>(
                                  std::chrono::steady_clock::now().time_since_epoch().count()));
    std::printf("crash loop seed %llu\n", static_cast<unsigned long long>(seed_));
    random_.seed(seed_);
    for (size_t i = 0; i < kProducers; ++i) {
      producers_.push_back(std::make_unique<CrashLoopProducer>(i + 1, seed_ + i));
    }
  }

  // Starts the producers, lets them run `milliseconds`, then calls `strike`
  // (the kill), lets them run on until their connections fail or
  // `after_milliseconds` passed, and stops them.
  void RunProducers(int milliseconds, const std::function<void()>& strike,
                    int after_milliseconds) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (auto& producer : producers_) {
      threads.emplace_back([&, producer = producer.get()] {
        Status ended = producer->Run(daemon_.ingest_socket(), stop);
        if (ended.code() == StatusCode::kInternal) {
          ADD_FAILURE() << "producer " << producer->producer_id() << ": " << ended.ToString();
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(milliseconds));
    strike();
    std::this_thread::sleep_for(std::chrono::milliseconds(after_milliseconds));
    stop = true;
    for (auto& thread : threads) thread.join();
  }

  int RandomMilliseconds(int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random_);
  }

  uint64_t seed_ = 0;
  std::mt19937_64 random_;
  TemporaryDirectory directory_;
  DaemonProcess daemon_{directory_.Join("data"), directory_.Join("run"),
                        "max_frame_bytes = \"1MiB\"\nwal_segment_bytes = \"1MiB\"\n"
                        "max_block_rows = 2000\nmax_block_age = \"1s\"\nquery_workers = 1\n"};
  std::vector<std::unique_ptr<CrashLoopProducer>> producers_;
  CrashLoopTally tally_;
};

TEST_F(CrashLoop, AcknowledgedRowsSurviveEveryKillExactlyOnce) {
  uint64_t cycles = EnvironmentNumber("BACKTRACE_CRASH_CYCLES", 12);
  ASSERT_TRUE(daemon_.Start().ok()) << daemon_.Log();
  ASSERT_TRUE(CreateOrdersTable(daemon_.ingest_socket()).ok());
  auto created_stop = daemon_.Terminate();
  ASSERT_TRUE(created_stop.ok() && *created_stop == 0) << daemon_.Log();

  for (uint64_t cycle = 0; cycle < cycles && !HasFailure(); ++cycle) {
    // Odd cycles arm the crash points in turn; even ones kill the daemon,
    // a compactor and a query worker in turn at a random moment.
    int kind = cycle % 2 == 1 ? 3 : static_cast<int>((cycle / 2) % 3);
    std::string point;
    std::string once_file = directory_.Join("crash-once-" + std::to_string(cycle));
    if (kind == 3) {
      point = CrashPoints()[(cycle / 2) % CrashPoints().size()];
      ::setenv("BACKTRACE_CRASH_POINT", point.c_str(), 1);
      ::setenv("BACKTRACE_CRASH_ONCE_FILE", once_file.c_str(), 1);
    }
    ASSERT_TRUE(daemon_.Start().ok()) << daemon_.Log();
    ::unsetenv("BACKTRACE_CRASH_POINT");
    ::unsetenv("BACKTRACE_CRASH_ONCE_FILE");

    std::string victim;
    RunProducers(
        RandomMilliseconds(100, 1500),
        [&] {
          if (kind == 0) {
            victim = "daemon";
            daemon_.Kill();
            return;
          }
          std::vector<pid_t> children =
              daemon_.ChildPidsWithRole(kind == 2 ? "query" : "compactor");
          if (kind == 1 || kind == 2) {
            if (!children.empty()) {
              ::kill(children.front(), SIGKILL);
              victim = kind == 2 ? "query worker" : "compactor";
            }
          }
        },
        kind == 3 ? 2500 : RandomMilliseconds(100, 800));
    if (daemon_.running()) daemon_.Kill();  // the daemon dies in every cycle
    if (!point.empty() && ::access(once_file.c_str(), F_OK) == 0) {
      ++tally_.crash_points_hit[point];
    } else if (!victim.empty()) {
      ++tally_.kills[victim];
    }

    // Offline: acknowledged rows once, nothing invented.
    ExpectStoredRowsConsistent(daemon_.data_dir(), producers_, /*require_all_sent=*/false,
                               &tally_);

    // Restart; every batch never answered is sent again (deduplicated).
    ASSERT_TRUE(daemon_.Start().ok()) << daemon_.Log();
    RunProducers(0, [] {}, 0);
    for (const auto& producer : producers_) {
      EXPECT_TRUE(producer->unanswered().empty())
          << "producer " << producer->producer_id() << " could not resend after restart";
    }
    ExpectQueriesCountEverySentRow(directory_.Join("run"), producers_, &tally_);
    auto stopped = daemon_.Terminate();
    ASSERT_TRUE(stopped.ok() && *stopped == 0) << daemon_.Log();
    auto report = fsck::CheckDataDirectory(daemon_.data_dir());
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->clean()) << "fsck after cycle " << cycle << ": "
                                 << (report->faults.empty() ? "" : report->faults.front());
    ExpectStoredRowsConsistent(daemon_.data_dir(), producers_, /*require_all_sent=*/true,
                               &tally_);
    ++tally_.cycles;
  }
  std::printf("%s\n", tally_.Summary().c_str());
}

}  // namespace
}  // namespace backtrace::testing
