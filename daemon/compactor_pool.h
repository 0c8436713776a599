// CompactorPool: the daemon's compactor processes and the queue of frozen
// blocks waiting for them. Each compactor is a `backtrace-worker --role
// compactor` child connected by a socketpair; a thread per compactor takes
// the next job, sends the block's memfd and schema, waits for the block's
// metadata, and posts the result to the loop. A compactor that dies (or whose
// channel breaks) is restarted with exponential backoff (100 ms doubling to
// 10 s) and its job goes back to the front of the queue, so every block is
// handed again until one compactor persists it.
//
// Threads: Enqueue/Stop and the constructor run on the loop thread; results
// are delivered through a uv_async on the loop thread. The pool owns its
// threads and child processes.
#pragma once

#include <uv.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/base/status.h"
#include "common/catalog/block_meta.h"
#include "common/hot/hot_block.h"
#include "common/schema/table_schema.h"

namespace backtrace::daemon {

struct CompactionJob {
  uint64_t table_id = 0;
  uint64_t block_id = 0;
  uint64_t row_count = 0;
  TableSchema schema;
  std::shared_ptr<hot::HotBlock> block;  // kept alive until the job ends (null
                                         // in the done callback)
  std::string staging_path;
  std::string destination_path;
  int zstd_level = 3;
};

struct CompactorPoolOptions {
  std::string worker_binary;  // path of backtrace-worker
  std::string data_dir;
  size_t compactors = 1;
  std::string log_level = "info";
};

struct CompactorPoolStatistics {
  uint64_t compactions = 0;
  uint64_t failures = 0;
  uint64_t restarts = 0;
  double last_duration_seconds = 0;
};

class CompactorPool {
 public:
  // Called on the loop thread for each finished job: the block's metadata,
  // or the compactor's error (the job is then not retried by the pool; the
  // caller decides).
  using DoneCallback = std::function<void(const CompactionJob& job, Result<BlockMeta> result,
                                          double seconds)>;

  CompactorPool(uv_loop_t* loop, CompactorPoolOptions options, DoneCallback done);
  ~CompactorPool();
  CompactorPool(const CompactorPool&) = delete;
  CompactorPool& operator=(const CompactorPool&) = delete;

  // Starts the compactor processes and their threads. Errors: spawning the
  // first generation failed (missing binary...).
  Status Start();
  void Enqueue(CompactionJob job);
  // Stops the threads (a job in progress is abandoned: its block is
  // compacted again at the next start from the WAL) and the children.
  void Stop();

  size_t queued() const;
  size_t in_progress() const;
  CompactorPoolStatistics statistics() const;
  // Process ids of the running compactors (for tests and status).
  std::vector<int> compactor_pids() const;

 private:
  struct Slot;
  struct Finished {
    CompactionJob job;
    Result<BlockMeta> result;
    double seconds;
  };
  void RunSlot(Slot* slot);
  Status Spawn(Slot* slot);
  void Reap(Slot* slot);
  static void OnAsync(uv_async_t* handle);

  uv_loop_t* loop_;
  CompactorPoolOptions options_;
  DoneCallback done_;
  uv_async_t async_{};
  bool async_initialized_ = false;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<CompactionJob> queue_;
  std::deque<Finished> finished_;
  size_t in_progress_ = 0;
  CompactorPoolStatistics statistics_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace backtrace::daemon
