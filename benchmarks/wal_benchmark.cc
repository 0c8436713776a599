// Write-ahead log throughput: group commit (one fdatasync per group of N
// records) through WalWriter and through GroupCommitWal, and replay speed.
// Files go to $BACKTRACE_BENCHMARK_DIR, else $TMPDIR, else /tmp — point it at
// the disk you care about: on tmpfs fdatasync costs nothing.
#include <benchmark/benchmark.h>

#include <stdlib.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

#include "common/base/file.h"
#include "common/wal/group_commit_wal.h"
#include "common/wal/wal_replay.h"
#include "common/wal/wal_writer.h"

namespace backtrace::wal {
namespace {

// A fresh directory removed at scope exit.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    const char* base = std::getenv("BACKTRACE_BENCHMARK_DIR");
    if (base == nullptr || *base == '\0') base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                          "/backtrace-wal-benchmark-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDirectory() {
    if (!path_.empty()) (void)io::RemoveTree(path_);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Payload(size_t size) {
  std::string payload(size, '\0');
  for (size_t i = 0; i < size; ++i) payload[i] = static_cast<char>((i * 2654435761u) >> 13);
  return payload;
}

// Args: record bytes, records per group, sync (1) or not (0).
void BM_WriterGroupCommit(benchmark::State& state) {
  const size_t record_bytes = static_cast<size_t>(state.range(0));
  const int64_t group_records = state.range(1);
  ScratchDirectory scratch;
  WalOptions options;
  options.directory = scratch.path() + "/wal";
  options.sync = state.range(2) != 0;
  auto writer = WalWriter::Open(options, 1);
  if (!writer.ok()) {
    state.SkipWithError(writer.status().ToString().c_str());
    return;
  }
  const std::string payload = Payload(record_bytes);
  for (auto _ : state) {
    for (int64_t i = 0; i < group_records; ++i) {
      if (!(*writer)->Append(1, payload).ok()) state.SkipWithError("append failed");
    }
    Status status = (*writer)->Sync();
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
    // Keep the disk footprint small, as checkpoints would.
    (void)(*writer)->DeleteSegmentsBelow((*writer)->next_lsn());
  }
  state.SetItemsProcessed(state.iterations() * group_records);
  state.SetBytesProcessed(state.iterations() * group_records * static_cast<int64_t>(record_bytes));
}
BENCHMARK(BM_WriterGroupCommit)
    ->ArgNames({"record_bytes", "group", "sync"})
    ->Args({1024, 1, 1})
    ->Args({1024, 64, 1})
    ->Args({1024, 1024, 1})
    ->Args({1024, 1024, 0})
    ->Args({256 << 10, 1, 1})
    ->Args({256 << 10, 16, 1})
    ->Args({256 << 10, 16, 0})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// Args: record bytes, records submitted (one Submit each) before waiting for
// all their callbacks. The WAL thread groups them as they arrive.
void BM_GroupCommitWal(benchmark::State& state) {
  const size_t record_bytes = static_cast<size_t>(state.range(0));
  const int64_t burst = state.range(1);
  ScratchDirectory scratch;
  WalOptions options;
  options.directory = scratch.path() + "/wal";
  auto wal = GroupCommitWal::Open(options, 1);
  if (!wal.ok()) {
    state.SkipWithError(wal.status().ToString().c_str());
    return;
  }
  const std::string payload = Payload(record_bytes);
  std::mutex mutex;
  std::condition_variable all_done;
  int64_t outstanding = 0;
  std::atomic<bool> failed{false};
  for (auto _ : state) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      outstanding = burst;
    }
    for (int64_t i = 0; i < burst; ++i) {
      (*wal)->Submit(1, payload, [&](Status status, uint64_t) {
        if (!status.ok()) failed = true;
        std::lock_guard<std::mutex> lock(mutex);
        if (--outstanding == 0) all_done.notify_one();
      });
    }
    std::unique_lock<std::mutex> lock(mutex);
    all_done.wait(lock, [&] { return outstanding == 0; });
    lock.unlock();
    (void)(*wal)->DeleteSegmentsBelow((*wal)->durable_lsn());
  }
  if (failed) state.SkipWithError("a submission failed");
  GroupCommitStats stats = (*wal)->stats();
  (*wal)->Close();
  state.counters["records_per_sync"] =
      stats.syncs == 0 ? 0.0 : static_cast<double>(stats.records) / static_cast<double>(stats.syncs);
  state.SetItemsProcessed(state.iterations() * burst);
  state.SetBytesProcessed(state.iterations() * burst * static_cast<int64_t>(record_bytes));
}
BENCHMARK(BM_GroupCommitWal)
    ->ArgNames({"record_bytes", "burst"})
    ->Args({1024, 1})
    ->Args({1024, 256})
    ->Args({256 << 10, 16})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// Args: record bytes, total MiB in the WAL. Replays a WAL that was just
// written (so from the page cache) in 64 MiB segments.
void BM_Replay(benchmark::State& state) {
  const size_t record_bytes = static_cast<size_t>(state.range(0));
  const uint64_t total_bytes = static_cast<uint64_t>(state.range(1)) << 20;
  ScratchDirectory scratch;
  WalOptions options;
  options.directory = scratch.path() + "/wal";
  options.sync = false;
  {
    auto writer = WalWriter::Open(options, 1);
    if (!writer.ok()) {
      state.SkipWithError(writer.status().ToString().c_str());
      return;
    }
    const std::string payload = Payload(record_bytes);
    for (uint64_t written = 0; written < total_bytes; written += record_bytes) {
      if (!(*writer)->Append(1, payload).ok()) state.SkipWithError("append failed");
      if ((*writer)->buffered_bytes() >= (8u << 20) && !(*writer)->Sync().ok()) {
        state.SkipWithError("sync failed");
        return;
      }
    }
    if (!(*writer)->Sync().ok()) state.SkipWithError("sync failed");
  }
  uint64_t records = 0;
  uint64_t payload_bytes = 0;
  for (auto _ : state) {
    ReplayReport report;
    Status status = Replay(
        options.directory, 1,
        [&](uint64_t, uint8_t, std::string_view payload) {
          payload_bytes += payload.size();
          return Status::Ok();
        },
        false, &report);
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
    records += report.records_replayed;
  }
  state.SetItemsProcessed(static_cast<int64_t>(records));
  state.SetBytesProcessed(static_cast<int64_t>(payload_bytes));
}
BENCHMARK(BM_Replay)
    ->ArgNames({"record_bytes", "MiB"})
    ->Args({1024, 1024})
    ->Args({256 << 10, 1024})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace backtrace::wal

BENCHMARK_MAIN();
