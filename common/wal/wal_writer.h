// WalWriter: appends records to the write-ahead log and makes them durable.
//
// Records are numbered by LSN (1, 2, 3, ... with no gaps). Append only encodes
// a record into an in-memory buffer (AppendUnowned only its header, keeping a
// view of the payload); Sync writes everything buffered, in order, and makes
// it durable with one fdatasync (group commit). A record is
// durable once a Sync that covered it has returned OK; durable_lsn() says up
// to where. Segments are rotated inside Sync: a segment is synced before the
// next one is created, and each new segment is written under a temporary
// name, synced, renamed into place and its directory synced, so that only the
// newest segment can ever end in a torn record.
//
// A failed fdatasync (or directory fsync) is sticky: the writer never writes
// again and every later call returns that first error. It is never retried
// (after it the kernel may have dropped the dirty pages), and no record that a
// successful Sync had not covered before the failure is ever reported
// durable; recovery decides what survived. A failed write (ENOSPC, say) is
// not: the writer cuts the segment back to its last whole record (truncate
// and fdatasync), gives up the records it could not write (their LSNs are
// reused by the next Append) and returns the error; the next Write tries
// again. Only if cutting back fails does the write error become sticky.
//
// Ownership and threads: the writer owns its open segment file. It is not
// synchronised: one thread at a time (GroupCommitWal adds threads on top).
#pragma once

#include <algorithm>
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
           // (as a full disk may)
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

  // As Append, but only the record header is buffered: the payload bytes are
  // written from where they are by the next Write (or Sync). The caller keeps
  // them valid and unchanged until that returns (or the writer is
  // destroyed). For large payloads, which are then never copied.
  [[nodiscard]] Result<uint64_t> AppendUnowned(uint8_t type, std::string_view payload);

  // Writes every buffered record and fdatasyncs, rotating segments as needed.
  // On OK, every LSN below next_lsn() is durable. On error durable_lsn() does
  // not move; the error is sticky unless it was a write error (see Write). A Sync with nothing buffered or
  // written does nothing and returns OK (or the sticky error). Sync is
  // Write, then BeginSync, SyncFile and EndSync.
  [[nodiscard]] Status Sync();

  // Group commit in steps, so that a caller may write the next group while
  // the previous one is being synced (GroupCommitWal does):
  //
  // Write writes every buffered record to the segment files without the
  // closing fdatasync; rotation is as in Sync (a full segment is synced
  // before the next is created). Afterwards the buffer holds nothing and
  // unowned payloads are no longer read. A failed sync is sticky. After a
  // failed write, the records from next_lsn() on were given up (not in any
  // segment), the records before it were written, and the writer stays
  // usable (see above).
  [[nodiscard]] Status Write();

  // What one fdatasync makes durable: everything written before BeginSync.
  struct SyncTicket {
    std::shared_ptr<const io::File> file;  // the newest segment; null: nothing to sync
    bool sync = true;                      // options.sync
    uint64_t lsn = 0;                      // durable once the file is synced
    uint64_t records = 0;                  // records and bytes it makes durable
    uint64_t bytes = 0;
    int injected_error = 0;                // test fault (kSync)
  };
  // A ticket for the records written and not yet durable. With the sticky
  // error or nothing written since the last sync, the ticket has no file.
  SyncTicket BeginSync();
  // fdatasyncs the ticket's file (unless options.sync is false). It touches
  // no writer state, so it may run on another thread without the writer's
  // lock while Append and Write go on.
  [[nodiscard]] static Status SyncFile(const SyncTicket& ticket);
  // Records SyncFile's outcome: on OK, durable_lsn() becomes ticket.lsn (if
  // higher) and the stats advance; an error becomes sticky. Returns the
  // sticky error if the writer failed meanwhile.
  [[nodiscard]] Status EndSync(const SyncTicket& ticket, Status status);

  // The LSN the next Append will get.
  uint64_t next_lsn() const { return next_lsn_; }
  // The highest LSN this writer has made durable; 0 before its first
  // successful Sync.
  uint64_t durable_lsn() const { return durable_lsn_; }
  // OK while healthy; the sticky error after a failure.
  const Status& error() const { return error_; }
  const WalWriterStats& stats() const { return stats_; }
  // Bytes of the records appended and not yet written by Sync.
  size_t buffered_bytes() const { return buffered_bytes_; }

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
  // A segment to start while writing the buffered records: records from
  // buffered byte `offset` on belong to a new segment whose first LSN is
  // first_lsn.
  struct SegmentStart {
    size_t offset;
    uint64_t first_lsn;
  };
  // The buffered bytes are buffer_ interleaved with unowned payloads: each
  // piece is buffer_ up to owned_end (from the previous piece's owned_end),
  // then `unowned`. buffer_ past the last piece's owned_end comes last.
  struct Piece {
    size_t owned_end;
    std::string_view unowned;
  };

  WalWriter(WalOptions options, uint64_t next_lsn);

  // Checks the writer and the payload size, and rotates the segment before
  // the next record when the current one is full.
  Status PrepareAppend(size_t payload_bytes);
  // Writes buffered bytes [begin, end) to the current segment (the kWrite
  // fault writes half of them and fails). On failure, cuts the segment back
  // to its size before, durably; *fatal is set when that fails too.
  Status WritePart(size_t begin, size_t end, bool* fatal);
  // fdatasyncs the current segment before the next one is created.
  Status SyncSegmentForRotation();
  void ClearBuffer();
  // The durable LSN written into new records.
  uint64_t ClaimedDurableLsn() const { return std::max(durable_lsn_, opened_durable_lsn_); }
  // Writes buffered bytes [begin, end) to the current segment.
  Status WriteRange(size_t begin, size_t end);
  // Creates, syncs and renames into place a segment starting at first_lsn,
  // then makes it the current segment. On error the current segment is
  // unchanged and a leftover temporary file removed; *sync_failed is set
  // when an fdatasync or the directory fsync failed.
  Status StartSegment(uint64_t first_lsn, bool* sync_failed);
  // Records `status` as the sticky error and returns it.
  Status Fail(Status status);

  WalOptions options_;
  // The segment being written; shared with SyncTickets still being synced.
  std::shared_ptr<io::File> file_;
  uint64_t current_first_lsn_ = 0;       // its first LSN
  uint64_t segment_size_ = 0;            // its bytes written so far
  uint64_t projected_segment_size_ = 0;  // its size (or the newest pending
                                         // segment's) once the buffer is written
  std::vector<uint64_t> older_segments_; // first LSNs of older segment files
  std::string buffer_;
  std::vector<Piece> pieces_;
  size_t buffered_bytes_ = 0;
  uint64_t buffered_records_ = 0;
  std::vector<SegmentStart> pending_starts_;
  uint64_t next_lsn_;
  uint64_t written_lsn_ = 0;       // the highest LSN written by Write
  uint64_t unsynced_records_ = 0;  // written by Write, not yet durable
  uint64_t unsynced_bytes_ = 0;
  uint64_t durable_lsn_;
  uint64_t opened_durable_lsn_ = 0;  // every LSN below next_lsn at Open
  Status error_;
  WalWriterStats stats_;
  WalFaultPoint fault_point_ = WalFaultPoint::kNone;
  int fault_error_number_ = 0;
};

}  // namespace backtrace::wal
