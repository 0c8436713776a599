// WalWriter: appends records to the write-ahead log and makes them durable.
//
// Records are numbered by LSN (1, 2, 3, ... with no gaps). Append only encodes
// a record into an in-memory buffer; Sync writes the whole buffer with one
// write and makes it durable with one fdatasync (group commit). A record is
// durable once a Sync that covered it has returned OK; durable_lsn() says up
// to where. Segments are rotated inside Sync: a segment is synced before the
// next one is created, and each new segment is written under a temporary
// name, synced, renamed into place and its directory synced, so that only the
// newest segment can ever end in a torn record.
//
// Failure is sticky: once a write, fdatasync, segment creation or close fails,
// the writer never writes again and every later call returns that first error.
// A failed fdatasync is never retried (after it the kernel may have dropped the
// dirty pages), and no record that a successful Sync had not covered before
// the failure is ever reported durable; recovery decides what survived.
//
// Ownership and threads: the writer owns its open segment file. It is not
// synchronised: one thread at a time (GroupCommitWal adds threads on top).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/file.h"
#include "common/base/status.h"
#include "common/wal/wal_options.h"

namespace backtrace::wal {

// Counters since Open, advanced by each successful Sync that wrote records.
struct WalWriterStats {
  uint64_t records = 0;  // records made durable
  uint64_t bytes = 0;    // record bytes (headers and payloads) made durable
  uint64_t syncs = 0;    // successful Syncs that wrote at least one record
};

// Test-only fault points (see WalWriter::InjectFaultForTesting).
enum class WalFaultPoint : uint8_t {
  kNone,
  kWrite,  // the next write of buffered records writes half of them, then fails
  kSync,   // the next fdatasync of a segment's records fails without being made
};

class WalWriter {
 public:
  // Opens the WAL in options.directory (created if missing) for appending,
  // starting a new segment whose first LSN is next_lsn — normally
  // ReplayReport::next_lsn from a Replay with repair_torn_tail = true, which
  // must precede Open. Leftover temporary segment files are removed. Errors:
  // kInvalidArgument for next_lsn 0 or segment_bytes 0; kFailedPrecondition
  // when an existing segment starts after next_lsn or one starting at next_lsn
  // holds records (the caller did not replay); file system errors as such.
  [[nodiscard]] static Result<std::unique_ptr<WalWriter>> Open(const WalOptions& options,
                                                             uint64_t next_lsn);

  // Closes the segment file. Buffered records that no Sync has written are
  // discarded (they were never reported durable).
  ~WalWriter();

  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Encodes a record into the buffer and returns its LSN; no system call, not
  // durable yet. Errors: kInvalidArgument when the payload exceeds
  // kMaxPayloadBytes (nothing is buffered, the writer stays usable); the
  // sticky error once the writer has failed.
  [[nodiscard]] Result<uint64_t> Append(uint8_t type, std::string_view payload);

  // Writes every buffered record and fdatasyncs, rotating segments as needed.
  // On OK, every LSN below next_lsn() is durable. On error, the error becomes
  // sticky and durable_lsn() does not move. A Sync with nothing buffered does
  // nothing and returns OK (or the sticky error).
  [[nodiscard]] Status Sync();

  // The LSN the next Append will get.
  uint64_t next_lsn() const { return next_lsn_; }
  // The highest LSN this writer has made durable; 0 before its first
  // successful Sync.
  uint64_t durable_lsn() const { return durable_lsn_; }
  // OK while healthy; the sticky error after a failure.
  const Status& error() const { return error_; }
  const WalWriterStats& stats() const { return stats_; }
  // Bytes encoded by Append and not yet written by Sync.
  size_t buffered_bytes() const { return buffer_.size(); }

  // Deletes the segment files all of whose records have an LSN below
  // checkpoint_lsn (a segment qualifies when the next segment starts at or
  // below checkpoint_lsn), oldest first, then syncs the directory. The segment
  // being written is never deleted. Errors: the sticky error; a removal or
  // directory sync error (not sticky: it does not affect durability).
  [[nodiscard]] Status DeleteSegmentsBelow(uint64_t checkpoint_lsn);

  // First LSNs of the segment files this writer knows to exist, oldest first;
  // the last one is the segment being written.
  std::vector<uint64_t> SegmentFirstLsns() const;

  // Test-only: arms a one-shot fault (see WalFaultPoint) reported as the
  // operating-system error error_number, to exercise the sticky failure path
  // with real files. With options.sync == false a kSync fault never fires.
  void InjectFaultForTesting(WalFaultPoint point, int error_number);

 private:
  // A segment to start while writing the buffer: records from buffer_offset
  // on belong to a new segment whose first LSN is first_lsn.
  struct SegmentStart {
    size_t buffer_offset;
    uint64_t first_lsn;
  };

  WalWriter(WalOptions options, uint64_t next_lsn);

  // Writes buffer_[begin, end) to the current segment and fdatasyncs it.
  Status WriteAndSync(size_t begin, size_t end);
  // Creates, syncs and renames into place a segment starting at first_lsn,
  // then makes it the current segment.
  Status StartSegment(uint64_t first_lsn);
  // Records `status` as the sticky error and returns it.
  Status Fail(Status status);

  WalOptions options_;
  io::File file_;                        // the segment being written
  uint64_t current_first_lsn_ = 0;       // its first LSN
  uint64_t projected_segment_size_ = 0;  // its size (or the newest pending
                                         // segment's) once the buffer is written
  std::vector<uint64_t> older_segments_; // first LSNs of older segment files
  std::string buffer_;
  uint64_t buffered_records_ = 0;
  std::vector<SegmentStart> pending_starts_;
  uint64_t next_lsn_;
  uint64_t durable_lsn_;
  Status error_;
  WalWriterStats stats_;
  WalFaultPoint fault_point_ = WalFaultPoint::kNone;
  int fault_error_number_ = 0;
};

}  // namespace backtrace::wal
