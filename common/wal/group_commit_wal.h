// GroupCommitWal: the thread-safe front of the write-ahead log. Any thread
// submits records. Two threads commit them in a pipeline: the writer thread
// repeatedly takes everything submitted since it last looked, appends it to
// a WalWriter and writes it to the segment file (WalWriter::Write); the sync
// thread repeatedly makes everything written so far durable with one
// fdatasync (however many records and groups), and then calls each
// submission's callback, in LSN order, on the sync thread. So the next group
// is encoded and written while the previous one is being synced, and the
// disk never waits for the CPU work in between.
//
// A callback with an OK status means its records are durable. After a failed
// sync the writer's error is sticky: that group and every later submission
// are answered with it, nothing is reported durable again, and failed() is
// true. A failed write (a full disk) is not sticky: the submissions whose
// records could not be written are answered with the error and nothing of
// them is in the WAL. So that no later record overtakes one that failed (a
// producer's batches must become durable in order), every submission made
// before the owner calls ResumeAfterWriteFailure is then refused with the
// same error, unwritten; submissions made after that call are written again.
//
// Ownership and threads: owns the WalWriter and both threads. Submit,
// SubmitUnowned, SubmitBatch, DeleteSegmentsBelow, stats and durable_lsn may
// be called from any thread; Close from any thread except the WAL's own (so
// never from a callback). Callbacks must not block for long: they delay the
// next sync. Submit never blocks and the queue is unbounded: the caller
// bounds how much it has in flight (ingestion backpressure).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
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
  // starts the writer and sync threads.
  [[nodiscard]] static Result<std::unique_ptr<GroupCommitWal>> Open(const WalOptions& options,
                                                                  uint64_t next_lsn);

  // Close()s.
  ~GroupCommitWal();

  GroupCommitWal(const GroupCommitWal&) = delete;
  GroupCommitWal& operator=(const GroupCommitWal&) = delete;

  // Queues one record; `done` is called once, on the sync thread, after the
  // sync that covers it: OK and its LSN, or kInvalidArgument for a payload over
  // kMaxPayloadBytes (nothing written), or the writer's sticky error. After
  // Close, `done` is called at once on the calling thread with
  // kFailedPrecondition. `done` may be empty (no answer wanted).
  void Submit(uint8_t type, std::string payload, DoneCallback done);

  // As Submit, but the payload is not copied: the WAL reads it in place
  // while writing its group. The caller keeps the bytes valid and unchanged
  // until `done` is called. For large payloads that the caller keeps anyway
  // (the daemon applies an Append from the same bytes after its sync).
  void SubmitUnowned(uint8_t type, std::string_view payload, DoneCallback done);

  // Queues several records that get consecutive LSNs in the same group and one
  // callback. Any payload over kMaxPayloadBytes rejects the whole batch with
  // kInvalidArgument (nothing of it written). An empty batch is answered
  // like its group, with LSNs 0. Otherwise as Submit.
  void SubmitBatch(std::vector<WalRecord> records, BatchDoneCallback done);

  // After a callback reported a failed write: lets the submissions made from
  // now on be written again (those made before are refused, see above).
  // Does nothing after a failed sync, which stays final.
  void ResumeAfterWriteFailure();

  // WalWriter::DeleteSegmentsBelow, serialised with the writer thread (waits
  // for a group being written, not for an fdatasync). Errors as there.
  [[nodiscard]] Status DeleteSegmentsBelow(uint64_t checkpoint_lsn);

  // Answers everything already submitted (callbacks run), then stops both
  // threads. Idempotent.
  void Close();

  // Called on the sync thread after each successful sync with the number of
  // records it made durable and the seconds the sync took (for metrics).
  // Set before submitting anything.
  using GroupObserver = std::function<void(size_t records, double seconds)>;
  void SetGroupObserver(GroupObserver observer) { observer_ = std::move(observer); }

  GroupCommitStats stats() const;
  // True once a sync failed: the WAL answers everything with that error
  // until the process restarts. Any thread.
  bool failed() const { return failed_.load(std::memory_order_acquire); }
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
    bool unowned = false;          // SubmitUnowned: the payload is `view`
    std::string_view view;
    DoneCallback done;
    BatchDoneCallback batch_done;
    uint64_t epoch = 0;  // epoch_ when submitted
  };

  // A group the writer thread has written (or failed to), waiting for its
  // sync. outcomes[i] belongs to submissions[i].
  struct Outcome {
    Status status;  // set when the submission was refused before its sync
    uint64_t first_lsn = 0;
    uint64_t last_lsn = 0;
  };
  struct WrittenGroup {
    std::vector<Submission> submissions;
    std::vector<Outcome> outcomes;
  };

  explicit GroupCommitWal(std::unique_ptr<WalWriter> writer);

  void Enqueue(Submission submission);
  void RunWriter();  // the writer thread
  void RunSyncer();  // the sync thread
  // Appends and writes one group (writer thread).
  WrittenGroup Write(std::vector<Submission> group);
  // Syncs and answers the groups written so far (sync thread).
  void SyncAndAnswer(std::deque<WrittenGroup>& groups);

  std::mutex writer_mutex_;  // guards writer_; never held across an fdatasync
  std::unique_ptr<WalWriter> writer_;

  std::mutex queue_mutex_;  // guards queue_, closing_
  std::condition_variable queue_changed_;
  std::vector<Submission> queue_;
  bool closing_ = false;
  // Submissions of an epoch up to refused_epoch_ are refused with
  // write_failure_ (after a failed write); ResumeAfterWriteFailure starts a
  // new epoch.
  uint64_t epoch_ = 1;
  uint64_t refused_epoch_ = 0;
  Status write_failure_;
  GroupObserver observer_;

  std::mutex written_mutex_;  // guards written_, writer_done_
  std::condition_variable written_changed_;
  std::deque<WrittenGroup> written_;
  bool writer_done_ = false;

  std::mutex close_mutex_;  // serialises Close
  std::thread writer_thread_;
  std::thread sync_thread_;

  std::atomic<uint64_t> durable_lsn_{0};
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> records_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> syncs_{0};
};

}  // namespace backtrace::wal
