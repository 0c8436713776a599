#include "common/wal/group_commit_wal.h"

#include <chrono>
#include <system_error>
#include <utility>

#include "common/base/crash_point.h"
#include "common/wal/wal_format.h"

namespace backtrace::wal {
namespace {

Status PayloadTooLarge(size_t size) {
  return Status::InvalidArgument("WAL record payload of " + std::to_string(size) +
                                 " bytes exceeds the maximum of " +
                                 std::to_string(kMaxPayloadBytes));
}

}  // namespace

GroupCommitWal::GroupCommitWal(std::unique_ptr<WalWriter> writer) : writer_(std::move(writer)) {}

Result<std::unique_ptr<GroupCommitWal>> GroupCommitWal::Open(const WalOptions& options,
                                                             uint64_t next_lsn) {
  ASSIGN_OR_RETURN(std::unique_ptr<WalWriter> writer, WalWriter::Open(options, next_lsn));
  std::unique_ptr<GroupCommitWal> wal(new GroupCommitWal(std::move(writer)));
  try {
    wal->sync_thread_ = std::thread(&GroupCommitWal::RunSyncer, wal.get());
    wal->writer_thread_ = std::thread(&GroupCommitWal::RunWriter, wal.get());
  } catch (const std::system_error& error) {
    // The destructor's Close stops the thread that did start.
    return Status::ResourceExhausted(std::string("cannot start the WAL threads: ") + error.what());
  }
  return wal;
}

GroupCommitWal::~GroupCommitWal() { Close(); }

void GroupCommitWal::Submit(uint8_t type, std::string payload, DoneCallback done) {
  Submission submission;
  submission.record = WalRecord{type, std::move(payload)};
  submission.done = std::move(done);
  Enqueue(std::move(submission));
}

void GroupCommitWal::SubmitUnowned(uint8_t type, std::string_view payload, DoneCallback done) {
  Submission submission;
  submission.record.type = type;
  submission.unowned = true;
  submission.view = payload;
  submission.done = std::move(done);
  Enqueue(std::move(submission));
}

void GroupCommitWal::SubmitBatch(std::vector<WalRecord> records, BatchDoneCallback done) {
  Submission submission;
  submission.single = false;
  submission.batch = std::move(records);
  submission.batch_done = std::move(done);
  Enqueue(std::move(submission));
}

void GroupCommitWal::Enqueue(Submission submission) {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    if (!closing_) {
      submission.epoch = epoch_;
      queue_.push_back(std::move(submission));
      queue_changed_.notify_one();
      return;
    }
  }
  Status closed = Status::FailedPrecondition("the WAL is closed");
  if (submission.done) submission.done(closed, 0);
  if (submission.batch_done) submission.batch_done(closed, 0, 0);
}

void GroupCommitWal::RunWriter() {
  std::vector<Submission> group;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(queue_mutex_);
      queue_changed_.wait(lock, [this] { return !queue_.empty() || closing_; });
      if (queue_.empty()) break;  // closing, and everything written
      group.swap(queue_);
    }
    WrittenGroup written = Write(std::move(group));
    group.clear();
    CRASH_POINT("wal_after_write_before_sync");
    std::lock_guard<std::mutex> lock(written_mutex_);
    written_.push_back(std::move(written));
    written_changed_.notify_one();
  }
  std::lock_guard<std::mutex> lock(written_mutex_);
  writer_done_ = true;
  written_changed_.notify_one();
}

GroupCommitWal::WrittenGroup GroupCommitWal::Write(std::vector<Submission> group) {
  WrittenGroup written;
  written.outcomes.resize(group.size());
  uint64_t refused_epoch = 0;
  Status write_failure;
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    refused_epoch = refused_epoch_;
    write_failure = write_failure_;
  }
  std::lock_guard<std::mutex> lock(writer_mutex_);
  for (size_t i = 0; i < group.size(); ++i) {
    Submission& submission = group[i];
    Outcome& outcome = written.outcomes[i];
    if (submission.epoch <= refused_epoch) {
      outcome.status = write_failure;
      continue;
    }
    if (submission.unowned) {
      if (submission.view.size() > kMaxPayloadBytes) {
        outcome.status = PayloadTooLarge(submission.view.size());
        continue;
      }
      Result<uint64_t> lsn = writer_->AppendUnowned(submission.record.type, submission.view);
      if (!lsn.ok()) {
        outcome.status = lsn.status();  // the sticky error
        continue;
      }
      outcome.first_lsn = outcome.last_lsn = *lsn;
      continue;
    }
    WalRecord* records = submission.single ? &submission.record : submission.batch.data();
    size_t count = submission.single ? 1 : submission.batch.size();
    for (size_t r = 0; r < count && outcome.status.ok(); ++r) {
      if (records[r].payload.size() > kMaxPayloadBytes) {
        outcome.status = PayloadTooLarge(records[r].payload.size());
      }
    }
    for (size_t r = 0; r < count && outcome.status.ok(); ++r) {
      Result<uint64_t> lsn = writer_->Append(records[r].type, records[r].payload);
      if (!lsn.ok()) {
        outcome.status = lsn.status();  // the sticky error
        break;
      }
      if (r == 0) outcome.first_lsn = *lsn;
      outcome.last_lsn = *lsn;
      std::string().swap(records[r].payload);  // copied into the writer's buffer
    }
  }
  Status write_status = writer_->Write();
  if (!writer_->error().ok()) {
    // A failed sync: the writer's sticky error, which the sync reports.
    failed_.store(true, std::memory_order_release);
  } else if (!write_status.ok()) {
    // A failed write: the records from the writer's next LSN on were given
    // up (their LSNs will be reused); those before were written.
    uint64_t given_up = writer_->next_lsn();
    for (Outcome& outcome : written.outcomes) {
      if (outcome.status.ok() && outcome.last_lsn != 0 && outcome.last_lsn >= given_up) {
        outcome.status = write_status;
      }
    }
    std::lock_guard<std::mutex> lock(queue_mutex_);
    refused_epoch_ = epoch_;
    write_failure_ = write_status;
  }
  written.submissions = std::move(group);
  return written;
}

void GroupCommitWal::RunSyncer() {
  std::deque<WrittenGroup> groups;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(written_mutex_);
      written_changed_.wait(lock, [this] { return !written_.empty() || writer_done_; });
      if (written_.empty()) return;  // the writer stopped and everything is answered
      groups.swap(written_);
    }
    SyncAndAnswer(groups);
    groups.clear();
  }
}

void GroupCommitWal::SyncAndAnswer(std::deque<WrittenGroup>& groups) {
  auto started = std::chrono::steady_clock::now();
  WalWriter::SyncTicket ticket;
  {
    std::lock_guard<std::mutex> lock(writer_mutex_);
    ticket = writer_->BeginSync();
  }
  // Everything in `groups` was written before the ticket was taken, so the
  // ticket's sync covers it. The writer goes on writing meanwhile.
  Status synced = WalWriter::SyncFile(ticket);
  Status sync_status;
  {
    std::lock_guard<std::mutex> lock(writer_mutex_);
    sync_status = writer_->EndSync(ticket, std::move(synced));
    if (sync_status.ok()) sync_status = writer_->error();
    if (!sync_status.ok()) failed_.store(true, std::memory_order_release);
    if (sync_status.ok()) {
      const WalWriterStats& stats = writer_->stats();
      records_.store(stats.records, std::memory_order_relaxed);
      bytes_.store(stats.bytes, std::memory_order_relaxed);
      syncs_.store(stats.syncs, std::memory_order_relaxed);
      durable_lsn_.store(writer_->durable_lsn(), std::memory_order_release);
    }
  }
  size_t group_records = 0;
  for (const WrittenGroup& group : groups) {
    for (const Outcome& outcome : group.outcomes) {
      if (outcome.status.ok() && outcome.last_lsn != 0) {
        group_records += outcome.last_lsn - outcome.first_lsn + 1;
      }
    }
  }
  if (observer_ && sync_status.ok() && group_records > 0) {
    observer_(group_records,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }

  for (WrittenGroup& group : groups) {
    for (size_t i = 0; i < group.submissions.size(); ++i) {
      Submission& submission = group.submissions[i];
      Outcome& outcome = group.outcomes[i];
      Status status = outcome.status.ok() ? sync_status : outcome.status;
      uint64_t first_lsn = status.ok() ? outcome.first_lsn : 0;
      uint64_t last_lsn = status.ok() ? outcome.last_lsn : 0;
      if (submission.single) {
        if (submission.done) submission.done(std::move(status), first_lsn);
      } else if (submission.batch_done) {
        submission.batch_done(std::move(status), first_lsn, last_lsn);
      }
    }
  }
}

void GroupCommitWal::ResumeAfterWriteFailure() {
  std::lock_guard<std::mutex> lock(queue_mutex_);
  ++epoch_;
}

Status GroupCommitWal::DeleteSegmentsBelow(uint64_t checkpoint_lsn) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  return writer_->DeleteSegmentsBelow(checkpoint_lsn);
}

void GroupCommitWal::Close() {
  std::lock_guard<std::mutex> close_lock(close_mutex_);
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    closing_ = true;
    queue_changed_.notify_all();
  }
  if (writer_thread_.joinable()) {
    writer_thread_.join();
  } else {
    // The writer thread never started: let the sync thread finish alone.
    std::lock_guard<std::mutex> lock(written_mutex_);
    writer_done_ = true;
    written_changed_.notify_one();
  }
  if (sync_thread_.joinable()) sync_thread_.join();
}

GroupCommitStats GroupCommitWal::stats() const {
  GroupCommitStats stats;
  stats.records = records_.load(std::memory_order_relaxed);
  stats.bytes = bytes_.load(std::memory_order_relaxed);
  stats.syncs = syncs_.load(std::memory_order_relaxed);
  return stats;
}

void GroupCommitWal::InjectFaultForTesting(WalFaultPoint point, int error_number) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  writer_->InjectFaultForTesting(point, error_number);
}

}  // namespace backtrace::wal
