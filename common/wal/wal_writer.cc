#include "common/wal/wal_writer.h"

#include <fcntl.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "common/base/crash_point.h"
#include "common/wal/wal_directory.h"
#include "common/wal/wal_format.h"

namespace backtrace::wal {
namespace {

// After a Sync, a buffer that grew past this is released rather than kept.
constexpr size_t kRetainedBufferBytes = size_t{16} << 20;

}  // namespace

WalWriter::WalWriter(WalOptions options, uint64_t next_lsn)
    : options_(std::move(options)), next_lsn_(next_lsn), durable_lsn_(0) {}

WalWriter::~WalWriter() = default;

Result<std::unique_ptr<WalWriter>> WalWriter::Open(const WalOptions& options, uint64_t next_lsn) {
  if (next_lsn < kFirstLsn) return Status::InvalidArgument("WAL next LSN must be at least 1");
  if (options.segment_bytes == 0) return Status::InvalidArgument("WAL segment_bytes must be > 0");
  if (options.directory.empty()) return Status::InvalidArgument("WAL directory is empty");
  const bool existed = io::PathExists(options.directory);
  RETURN_IF_ERROR(io::CreateDirectories(options.directory));
  if (!existed && options.sync) {
    // The directory's own entry must be durable too, or a power loss could
    // take every segment with it.
    std::string parent = std::filesystem::path(options.directory).parent_path().string();
    RETURN_IF_ERROR(io::SyncDirectory(parent.empty() ? "." : parent));
  }

  ASSIGN_OR_RETURN(std::vector<std::string> temporaries, ListTemporarySegments(options.directory));
  for (const std::string& name : temporaries) {
    RETURN_IF_ERROR(io::RemoveFile(io::JoinPath(options.directory, name)));
  }

  std::unique_ptr<WalWriter> writer(new WalWriter(options, next_lsn));
  ASSIGN_OR_RETURN(std::vector<SegmentFile> segments, ListSegments(options.directory));
  for (const SegmentFile& segment : segments) {
    std::string path = io::JoinPath(options.directory, segment.name);
    if (segment.first_lsn > next_lsn) {
      return Status::FailedPrecondition("WAL segment " + path + " starts after LSN " +
                                        std::to_string(next_lsn) +
                                        "; replay the WAL before opening it for writing");
    }
    if (segment.first_lsn == next_lsn) {
      // Only an empty segment may be replaced by the one Open creates.
      ASSIGN_OR_RETURN(io::File existing, io::OpenFile(path, O_RDONLY));
      ASSIGN_OR_RETURN(uint64_t size, io::FileSize(existing));
      if (size > kSegmentHeaderSize) {
        return Status::FailedPrecondition("WAL segment " + path + " holds records at LSN " +
                                          std::to_string(next_lsn) +
                                          " or later; replay the WAL before opening it");
      }
      continue;
    }
    writer->older_segments_.push_back(segment.first_lsn);
  }
  // Replay read the records below next_lsn, but a crashed process may have
  // left some of them unsynced in the page cache: make them durable before
  // records that claim so are written (and before their segment stops being
  // the newest one, the only one allowed a torn tail).
  if (!writer->older_segments_.empty() && options.sync) {
    std::string newest =
        io::JoinPath(options.directory, SegmentFileName(writer->older_segments_.back()));
    ASSIGN_OR_RETURN(io::File file, io::OpenFile(newest, O_RDONLY));
    RETURN_IF_ERROR(io::SyncData(file));
  }
  writer->opened_durable_lsn_ = next_lsn - 1;
  bool sync_failed = false;
  RETURN_IF_ERROR(writer->StartSegment(next_lsn, &sync_failed));
  writer->projected_segment_size_ = kSegmentHeaderSize;
  return writer;
}

Status WalWriter::PrepareAppend(size_t payload_bytes) {
  if (!error_.ok()) return error_;
  if (payload_bytes > kMaxPayloadBytes) {
    return Status::InvalidArgument("WAL record payload of " + std::to_string(payload_bytes) +
                                   " bytes exceeds the maximum of " +
                                   std::to_string(kMaxPayloadBytes));
  }
  // Rotate once the segment is full, but never leave a segment without a
  // record (so a tiny segment_bytes still makes progress).
  if (projected_segment_size_ >= options_.segment_bytes &&
      projected_segment_size_ > kSegmentHeaderSize) {
    pending_starts_.push_back(SegmentStart{buffered_bytes_, next_lsn_});
    projected_segment_size_ = kSegmentHeaderSize;
  }
  projected_segment_size_ += kRecordHeaderSize + payload_bytes;
  buffered_bytes_ += kRecordHeaderSize + payload_bytes;
  ++buffered_records_;
  return Status::Ok();
}

Result<uint64_t> WalWriter::Append(uint8_t type, std::string_view payload) {
  RETURN_IF_ERROR(PrepareAppend(payload.size()));
  AppendRecord(next_lsn_, ClaimedDurableLsn(), type, payload, &buffer_);
  return next_lsn_++;
}

Result<uint64_t> WalWriter::AppendUnowned(uint8_t type, std::string_view payload) {
  RETURN_IF_ERROR(PrepareAppend(payload.size()));
  size_t start = buffer_.size();
  buffer_.resize(start + kRecordHeaderSize);
  EncodeRecordHeader(next_lsn_, ClaimedDurableLsn(), type, payload,
                     reinterpret_cast<uint8_t*>(buffer_.data()) + start);
  if (!payload.empty()) pieces_.push_back(Piece{buffer_.size(), payload});
  return next_lsn_++;
}

Status WalWriter::Sync() {
  RETURN_IF_ERROR(Write());
  SyncTicket ticket = BeginSync();
  if (ticket.file == nullptr) return error_;
  Status status = SyncFile(ticket);
  return EndSync(ticket, std::move(status));
}

Status WalWriter::Write() {
  if (!error_.ok()) return error_;
  if (buffered_bytes_ == 0) return Status::Ok();
  size_t begin = 0;
  uint64_t part_first_lsn = next_lsn_ - buffered_records_;
  bool fatal = false;
  Status failure;
  // Records written before a failure stay written (complete segments are
  // also synced); records from part_first_lsn on are given up.
  auto part_written = [&](size_t end, uint64_t end_lsn) {
    unsynced_records_ += end_lsn - part_first_lsn;
    unsynced_bytes_ += end - begin;
    if (end_lsn > part_first_lsn) written_lsn_ = end_lsn - 1;
  };
  for (const SegmentStart& start : pending_starts_) {
    failure = WritePart(begin, start.offset, &fatal);
    if (!failure.ok()) break;
    // The full segment must be durable before the next one exists.
    if (options_.sync) failure = SyncSegmentForRotation();
    if (!failure.ok()) {
      fatal = true;
      break;
    }
    part_written(start.offset, start.first_lsn);
    begin = start.offset;
    part_first_lsn = start.first_lsn;
    failure = StartSegment(start.first_lsn, &fatal);
    if (!failure.ok()) break;
  }
  if (failure.ok()) failure = WritePart(begin, buffered_bytes_, &fatal);
  if (failure.ok()) part_written(buffered_bytes_, next_lsn_);
  ClearBuffer();
  if (failure.ok()) return Status::Ok();
  if (fatal) return Fail(std::move(failure));
  // Nothing of the given-up records is in the segment: their LSNs are
  // reused, and the next Write tries again (a full disk may have room then).
  next_lsn_ = part_first_lsn;
  projected_segment_size_ = segment_size_;
  return failure;
}

void WalWriter::ClearBuffer() {
  buffer_.clear();
  pieces_.clear();
  buffered_bytes_ = 0;
  buffered_records_ = 0;
  pending_starts_.clear();
  if (buffer_.capacity() > kRetainedBufferBytes) std::string().swap(buffer_);
}

WalWriter::SyncTicket WalWriter::BeginSync() {
  SyncTicket ticket;
  if (!error_.ok() || unsynced_records_ == 0) return ticket;
  ticket.file = file_;
  ticket.sync = options_.sync;
  ticket.lsn = written_lsn_;
  ticket.records = unsynced_records_;
  ticket.bytes = unsynced_bytes_;
  if (options_.sync && fault_point_ == WalFaultPoint::kSync) {
    fault_point_ = WalFaultPoint::kNone;
    ticket.injected_error = fault_error_number_;
  }
  unsynced_records_ = 0;
  unsynced_bytes_ = 0;
  return ticket;
}

Status WalWriter::SyncFile(const SyncTicket& ticket) {
  if (ticket.file == nullptr || !ticket.sync) return Status::Ok();
  if (ticket.injected_error != 0) {
    return Status::FromErrno(ticket.injected_error,
                             "fdatasync " + ticket.file->path() + " (injected fault)");
  }
  return io::SyncData(*ticket.file);
}

Status WalWriter::EndSync(const SyncTicket& ticket, Status status) {
  if (!error_.ok()) return error_;
  if (!status.ok()) return Fail(std::move(status));
  if (ticket.file == nullptr) return Status::Ok();
  stats_.records += ticket.records;
  stats_.bytes += ticket.bytes;
  stats_.syncs += 1;
  durable_lsn_ = std::max(durable_lsn_, ticket.lsn);
  return Status::Ok();
}

Status WalWriter::WriteRange(size_t begin, size_t end) {
  // Walk the buffered bytes in order: owned runs of buffer_ and unowned
  // payloads, writing the parts that fall in [begin, end).
  size_t position = 0;
  size_t owned_begin = 0;
  auto write = [&](const char* data, size_t size) -> Status {
    size_t chunk_begin = position;
    position += size;
    size_t from = std::max(chunk_begin, begin);
    size_t to = std::min(position, end);
    if (from >= to) return Status::Ok();
    return io::WriteAll(*file_, data + (from - chunk_begin), to - from);
  };
  for (const Piece& piece : pieces_) {
    if (position >= end) return Status::Ok();
    RETURN_IF_ERROR(write(buffer_.data() + owned_begin, piece.owned_end - owned_begin));
    owned_begin = piece.owned_end;
    if (position >= end) return Status::Ok();
    RETURN_IF_ERROR(write(piece.unowned.data(), piece.unowned.size()));
  }
  if (position >= end) return Status::Ok();
  return write(buffer_.data() + owned_begin, buffer_.size() - owned_begin);
}

Status WalWriter::WritePart(size_t begin, size_t end, bool* fatal) {
  if (begin == end) return Status::Ok();
  Status status;
  if (fault_point_ == WalFaultPoint::kWrite) {
    fault_point_ = WalFaultPoint::kNone;
    status = WriteRange(begin, begin + (end - begin) / 2);
    if (status.ok()) {
      status = Status::FromErrno(fault_error_number_, "write " + file_->path() + " (injected fault)");
    }
  } else {
    status = WriteRange(begin, end);
  }
  if (status.ok()) {
    segment_size_ += end - begin;
    return Status::Ok();
  }
  // Cut off whatever part of the range reached the file, durably, so that
  // the segment ends with its last whole record again and no stale bytes
  // can resurface under the records that will reuse these offsets.
  Status cut = io::Truncate(*file_, segment_size_);
  if (cut.ok() && options_.sync) cut = io::SyncData(*file_);
  if (!cut.ok()) {
    *fatal = true;
    return Status(status.code(), status.message() + "; cutting the segment back failed too: " +
                                     cut.ToString());
  }
  return status;
}

Status WalWriter::SyncSegmentForRotation() {
  if (fault_point_ == WalFaultPoint::kSync) {
    fault_point_ = WalFaultPoint::kNone;
    return Status::FromErrno(fault_error_number_,
                             "fdatasync " + file_->path() + " (injected fault)");
  }
  return io::SyncData(*file_);
}

Status WalWriter::StartSegment(uint64_t first_lsn, bool* sync_failed) {
  std::string path = io::JoinPath(options_.directory, SegmentFileName(first_lsn));
  std::string temporary = path + std::string(kTemporarySuffix);
  Status status = [&]() -> Status {
    ASSIGN_OR_RETURN(io::File file, io::OpenFile(temporary, O_WRONLY | O_CREAT | O_TRUNC));
    uint8_t header[kSegmentHeaderSize];
    EncodeSegmentHeader(first_lsn, header);
    RETURN_IF_ERROR(io::WriteAll(file, header, sizeof(header)));
    if (options_.sync) {
      Status synced = io::SyncData(file);
      if (!synced.ok()) {
        *sync_failed = true;
        return synced;
      }
    }
    return file.Close();
  }();
  if (status.ok()) status = io::RenameFile(temporary, path);
  // A rotation (not the first segment of this process) interrupted between
  // the new segment's rename and the directory sync.
  if (status.ok() && file_ != nullptr) CRASH_POINT("wal_during_segment_rotation");
  if (!status.ok()) {
    // The old segment stays the current one; a later rotation tries again.
    (void)io::RemoveFile(temporary);
    return status;
  }
  if (options_.sync) {
    // Without a durable name, records synced into the new segment could
    // vanish with it: this is as fatal as a failed fdatasync.
    Status synced = io::SyncDirectory(options_.directory);
    if (!synced.ok()) {
      *sync_failed = true;
      return synced;
    }
  }
  // Reopened under its final name so that errors name the real file.
  ASSIGN_OR_RETURN(io::File file, io::OpenFile(path, O_WRONLY | O_APPEND));

  Status closed;
  if (file_ != nullptr) {
    older_segments_.push_back(current_first_lsn_);
    // A SyncTicket may still hold the old segment (its sync is then
    // redundant: the segment was synced before this one was created); the
    // last holder closes it.
    if (file_.use_count() == 1) closed = file_->Close();
  }
  file_ = std::make_shared<io::File>(std::move(file));
  current_first_lsn_ = first_lsn;
  segment_size_ = kSegmentHeaderSize;
  // close(2) can report a deferred write error of the old segment.
  if (!closed.ok()) *sync_failed = true;
  return closed;
}

Status WalWriter::Fail(Status status) {
  error_ = std::move(status);
  return error_;
}

Status WalWriter::DeleteSegmentsBelow(uint64_t checkpoint_lsn) {
  if (!error_.ok()) return error_;
  size_t deletable = 0;
  while (deletable < older_segments_.size()) {
    uint64_t successor_first_lsn = deletable + 1 < older_segments_.size()
                                       ? older_segments_[deletable + 1]
                                       : current_first_lsn_;
    if (successor_first_lsn > checkpoint_lsn) break;
    ++deletable;
  }
  if (deletable == 0) return Status::Ok();
  size_t deleted = 0;
  Status status;
  for (; deleted < deletable; ++deleted) {
    std::string path = io::JoinPath(options_.directory, SegmentFileName(older_segments_[deleted]));
    status = io::RemoveFile(path);
    if (!status.ok() && !status.IsNotFound()) break;
    status = Status::Ok();
  }
  older_segments_.erase(older_segments_.begin(),
                        older_segments_.begin() + static_cast<std::ptrdiff_t>(deleted));
  if (!status.ok()) return status;
  if (options_.sync) return io::SyncDirectory(options_.directory);
  return Status::Ok();
}

std::vector<uint64_t> WalWriter::SegmentFirstLsns() const {
  std::vector<uint64_t> first_lsns = older_segments_;
  first_lsns.push_back(current_first_lsn_);
  return first_lsns;
}

void WalWriter::InjectFaultForTesting(WalFaultPoint point, int error_number) {
  fault_point_ = point;
  fault_error_number_ = error_number;
}

}  // namespace backtrace::wal
