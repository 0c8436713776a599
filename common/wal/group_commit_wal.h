// GroupCommitWal: the thread-safe front of the write-ahead log. Any thread
// submits records; one dedicated WAL thread repeatedly takes everything
// submitted since its last sync, appends it to a WalWriter, makes it durable
// with one Sync (one fdatasync per group, however many records), and then
// calls each submission's callback, in LSN order, on the WAL thread.
//
// A callback with an OK status means its records are durable. After a failed
// write or sync the writer's error is sticky: that group and every later
// submission are answered with it and nothing is reported durable again.
//
// Ownership and threads: owns the WalWriter and the WAL thread. Submit,
// SubmitBatch, DeleteSegmentsBelow, stats and durable_lsn may be called from
// any thread; Close from any thread except the WAL thread (so never from a
// callback). Callbacks must not block for long: they delay the next group.
// Submit never blocks and the queue is unbounded: the caller bounds how much
// it has in flight (ingestion backpressure).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/base/status.h"
#include "common/wal/wal_options.h"
#include "common/wal/wal_writer.h"

namespace backtrace::wal {

struct WalRecord {
  uint8_t type = 0;
  std::string payload;
};

// Counters since Open, for metrics.
struct GroupCommitStats {
  uint64_t records = 0;  // records made durable
  uint64_t bytes = 0;    // record bytes (headers and payloads) made durable
  uint64_t syncs = 0;    // groups made durable, one fdatasync each (more when
                         // a group crosses into a new segment)
};

class GroupCommitWal {
 public:
  // lsn is the record's LSN when status is OK, and 0 otherwise.
  using DoneCallback = std::function<void(Status status, uint64_t lsn)>;
  // first_lsn..last_lsn are the batch's LSNs when status is OK, 0 otherwise.
  using BatchDoneCallback = std::function<void(Status status, uint64_t first_lsn, uint64_t last_lsn)>;

  // Opens a WalWriter (see WalWriter::Open for arguments and errors) and
  // starts the WAL thread.
  [[nodiscard]] static Result<std::unique_ptr<GroupCommitWal>> Open(const WalOptions& options,
                                                                  uint64_t next_lsn);

  // Close()s.
  ~GroupCommitWal();

  GroupCommitWal(const GroupCommitWal&) = delete;
  GroupCommitWal& operator=(const GroupCommitWal&) = delete;

  // Queues one record; `done` is called once, on the WAL thread, after its
  // group's sync: OK and its LSN, or kInvalidArgument for a payload over
  // kMaxPayloadBytes (nothing written), or the writer's sticky error. After
  // Close, `done` is called at once on the calling thread with
  // kFailedPrecondition. `done` may be empty (no answer wanted).
  void Submit(uint8_t type, std::string payload, DoneCallback done);

  // Queues several records that get consecutive LSNs in the same group and one
  // callback. Any payload over kMaxPayloadBytes rejects the whole batch with
  // kInvalidArgument (nothing of it written). An empty batch is answered
  // like its group, with LSNs 0. Otherwise as Submit.
  void SubmitBatch(std::vector<WalRecord> records, BatchDoneCallback done);

  // WalWriter::DeleteSegmentsBelow, serialised with the WAL thread (waits for
  // a sync in progress). Errors as there.
  [[nodiscard]] Status DeleteSegmentsBelow(uint64_t checkpoint_lsn);

  // Answers everything already submitted (callbacks run), then stops the WAL
  // thread. Idempotent.
  void Close();

  // Called on the WAL thread after each group's sync attempt with the
  // number of records in the group and the seconds spent writing and
  // syncing them (for metrics). Set before submitting anything.
  using GroupObserver = std::function<void(size_t records, double seconds)>;
  void SetGroupObserver(GroupObserver observer) { observer_ = std::move(observer); }

  GroupCommitStats stats() const;
  // The highest LSN reported durable so far; 0 if none.
  uint64_t durable_lsn() const { return durable_lsn_.load(std::memory_order_acquire); }

  // Test-only: WalWriter::InjectFaultForTesting, serialised with the WAL
  // thread; fires in the next group.
  void InjectFaultForTesting(WalFaultPoint point, int error_number);

 private:
  struct Submission {
    bool single = true;            // Submit (record, done) or SubmitBatch
    std::vector<WalRecord> batch;  // SubmitBatch's records
    WalRecord record;              // Submit's record
    DoneCallback done;
    BatchDoneCallback batch_done;
  };

  explicit GroupCommitWal(std::unique_ptr<WalWriter> writer);

  void Enqueue(Submission submission);
  void Run();  // the WAL thread
  // Appends, syncs and answers one group.
  void Commit(std::vector<Submission>& group);

  std::mutex writer_mutex_;  // guards writer_ (the WAL thread holds it per group)
  std::unique_ptr<WalWriter> writer_;

  std::mutex queue_mutex_;  // guards queue_, closing_
  std::condition_variable queue_changed_;
  std::vector<Submission> queue_;
  bool closing_ = false;
  GroupObserver observer_;

  std::mutex close_mutex_;  // serialises Close
  std::thread thread_;

  std::atomic<uint64_t> durable_lsn_{0};
  std::atomic<uint64_t> records_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> syncs_{0};
};

}  // namespace backtrace::wal
