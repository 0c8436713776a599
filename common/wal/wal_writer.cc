#include "common/wal/wal_writer.h"

#include <fcntl.h>

#include <algorithm>
#include <utility>

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
  RETURN_IF_ERROR(io::CreateDirectories(options.directory));

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
  RETURN_IF_ERROR(writer->StartSegment(next_lsn));
  writer->projected_segment_size_ = kSegmentHeaderSize;
  return writer;
}

Result<uint64_t> WalWriter::Append(uint8_t type, std::string_view payload) {
  if (!error_.ok()) return error_;
  if (payload.size() > kMaxPayloadBytes) {
    return Status::InvalidArgument("WAL record payload of " + std::to_string(payload.size()) +
                                   " bytes exceeds the maximum of " +
                                   std::to_string(kMaxPayloadBytes));
  }
  // Rotate once the segment is full, but never leave a segment without a
  // record (so a tiny segment_bytes still makes progress).
  if (projected_segment_size_ >= options_.segment_bytes &&
      projected_segment_size_ > kSegmentHeaderSize) {
    pending_starts_.push_back(SegmentStart{buffer_.size(), next_lsn_});
    projected_segment_size_ = kSegmentHeaderSize;
  }
  AppendRecord(next_lsn_, type, payload, &buffer_);
  projected_segment_size_ += kRecordHeaderSize + payload.size();
  ++buffered_records_;
  return next_lsn_++;
}

Status WalWriter::Sync() {
  if (!error_.ok()) return error_;
  if (buffer_.empty()) return Status::Ok();
  size_t begin = 0;
  for (const SegmentStart& start : pending_starts_) {
    Status status = WriteAndSync(begin, start.buffer_offset);
    if (status.ok()) status = StartSegment(start.first_lsn);
    if (!status.ok()) return Fail(std::move(status));
    begin = start.buffer_offset;
  }
  Status status = WriteAndSync(begin, buffer_.size());
  if (!status.ok()) return Fail(std::move(status));

  stats_.records += buffered_records_;
  stats_.bytes += buffer_.size();
  stats_.syncs += 1;
  durable_lsn_ = next_lsn_ - 1;
  buffer_.clear();
  buffered_records_ = 0;
  pending_starts_.clear();
  if (buffer_.capacity() > kRetainedBufferBytes) std::string().swap(buffer_);
  return Status::Ok();
}

Status WalWriter::WriteAndSync(size_t begin, size_t end) {
  if (begin == end) return Status::Ok();
  const char* data = buffer_.data() + begin;
  size_t size = end - begin;
  if (fault_point_ == WalFaultPoint::kWrite) {
    fault_point_ = WalFaultPoint::kNone;
    RETURN_IF_ERROR(io::WriteAll(file_, data, size / 2));
    return Status::FromErrno(fault_error_number_, "write " + file_.path() + " (injected fault)");
  }
  RETURN_IF_ERROR(io::WriteAll(file_, data, size));
  if (!options_.sync) return Status::Ok();
  if (fault_point_ == WalFaultPoint::kSync) {
    fault_point_ = WalFaultPoint::kNone;
    return Status::FromErrno(fault_error_number_,
                             "fdatasync " + file_.path() + " (injected fault)");
  }
  return io::SyncData(file_);
}

Status WalWriter::StartSegment(uint64_t first_lsn) {
  std::string path = io::JoinPath(options_.directory, SegmentFileName(first_lsn));
  std::string temporary = path + std::string(kTemporarySuffix);
  {
    ASSIGN_OR_RETURN(io::File file, io::OpenFile(temporary, O_WRONLY | O_CREAT | O_TRUNC));
    uint8_t header[kSegmentHeaderSize];
    EncodeSegmentHeader(first_lsn, header);
    RETURN_IF_ERROR(io::WriteAll(file, header, sizeof(header)));
    if (options_.sync) RETURN_IF_ERROR(io::SyncData(file));
    RETURN_IF_ERROR(file.Close());
  }
  RETURN_IF_ERROR(io::RenameFile(temporary, path));
  if (options_.sync) RETURN_IF_ERROR(io::SyncDirectory(options_.directory));
  // Reopened under its final name so that errors name the real file.
  ASSIGN_OR_RETURN(io::File file, io::OpenFile(path, O_WRONLY | O_APPEND));

  if (file_.is_open()) {
    older_segments_.push_back(current_first_lsn_);
    RETURN_IF_ERROR(file_.Close());
  }
  file_ = std::move(file);
  current_first_lsn_ = first_lsn;
  return Status::Ok();
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
