#include "common/wal/segment_reader.h"

#include <fcntl.h>

#include <algorithm>
#include <cstring>

namespace backtrace::wal {
namespace {

// Bytes read from the file at a time (more when one record is larger).
constexpr size_t kChunkBytes = size_t{4} << 20;

}  // namespace

Result<SegmentReader> SegmentReader::Open(const std::string& path) {
  ASSIGN_OR_RETURN(io::File file, io::OpenFile(path, O_RDONLY));
  ASSIGN_OR_RETURN(uint64_t size, io::FileSize(file));
  return SegmentReader(std::move(file), size);
}

Result<const uint8_t*> SegmentReader::Bytes(uint64_t offset, size_t length) {
  uint64_t window_end = window_offset_ + window_length_;
  if (offset >= window_offset_ && offset + length <= window_end) {
    return buffer_.data() + (offset - window_offset_);
  }
  size_t wanted = static_cast<size_t>(
      std::min<uint64_t>(std::max(length, kChunkBytes), file_size_ - offset));
  if (buffer_.size() < wanted) buffer_.resize(wanted);
  // Keep the already buffered bytes from `offset` on; read the rest.
  size_t kept = 0;
  if (offset >= window_offset_ && offset < window_end) {
    kept = static_cast<size_t>(window_end - offset);
    std::memmove(buffer_.data(), buffer_.data() + (offset - window_offset_), kept);
  }
  window_offset_ = offset;
  window_length_ = kept;
  size_t bytes_read = 0;
  RETURN_IF_ERROR(io::ReadAt(file_, offset + kept, buffer_.data() + kept, wanted - kept,
                             &bytes_read));
  window_length_ = kept + bytes_read;
  if (window_length_ < length) {
    return Status::IoError(path() + " shrank while being read (expected " +
                           std::to_string(file_size_) + " bytes)");
  }
  return buffer_.data();
}

Status SegmentReader::ReadHeader(uint64_t expected_first_lsn) {
  if (file_size_ < kSegmentHeaderSize) {
    return Status::Corruption("WAL segment " + path() + ": " + std::to_string(file_size_) +
                              " bytes, shorter than a segment header");
  }
  ASSIGN_OR_RETURN(const uint8_t* bytes, Bytes(0, kSegmentHeaderSize));
  SegmentHeader header;
  Status status = DecodeSegmentHeader(bytes, &header);
  if (!status.ok()) return status.WithContext("WAL segment " + path() + " at offset 0");
  if (header.first_lsn != expected_first_lsn) {
    return Status::Corruption("WAL segment " + path() + " at offset 0: header says first LSN " +
                              std::to_string(header.first_lsn) + " but the name says " +
                              std::to_string(expected_first_lsn));
  }
  return Status::Ok();
}

Status SegmentReader::ReadRecord(uint64_t offset, uint64_t expected_lsn, RecordRead* record) {
  record->payload = {};
  record->size = 0;
  record->problem.clear();
  uint64_t remaining = file_size_ - offset;
  if (remaining == 0) {
    record->outcome = RecordOutcome::kEnd;
    return Status::Ok();
  }
  record->outcome = RecordOutcome::kDamaged;
  if (remaining < kRecordHeaderSize) {
    record->problem = "incomplete record header (" + std::to_string(remaining) +
                      " bytes before end of file)";
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(const uint8_t* header_bytes, Bytes(offset, kRecordHeaderSize));
  RecordHeader header = DecodeRecordHeader(header_bytes);
  if (header.payload_length > kMaxPayloadBytes) {
    record->problem = "record length " + std::to_string(header.payload_length) +
                      " exceeds the maximum of " + std::to_string(kMaxPayloadBytes);
    return Status::Ok();
  }
  if (header.payload_length > remaining - kRecordHeaderSize) {
    record->problem = "record of " + std::to_string(header.payload_length) +
                      " payload bytes runs past end of file (" +
                      std::to_string(remaining - kRecordHeaderSize) + " bytes left)";
    return Status::Ok();
  }
  size_t size = kRecordHeaderSize + header.payload_length;
  ASSIGN_OR_RETURN(const uint8_t* bytes, Bytes(offset, size));
  if (!RecordChecksumMatches(bytes, header.payload_length)) {
    record->problem = "record checksum mismatch";
    return Status::Ok();
  }
  if (header.lsn != expected_lsn) {
    record->outcome = RecordOutcome::kOutOfSequence;
    record->problem = "record has LSN " + std::to_string(header.lsn) + " where " +
                      std::to_string(expected_lsn) + " was expected";
    return Status::Ok();
  }
  if (header.durable_lsn >= header.lsn) {
    record->outcome = RecordOutcome::kOutOfSequence;
    record->problem = "record with LSN " + std::to_string(header.lsn) +
                      " claims durable LSN " + std::to_string(header.durable_lsn) +
                      ", not below its own";
    return Status::Ok();
  }
  record->outcome = RecordOutcome::kRecord;
  record->lsn = header.lsn;
  record->type = header.type;
  record->payload = std::string_view(reinterpret_cast<const char*>(bytes) + kRecordHeaderSize,
                                     header.payload_length);
  record->size = size;
  return Status::Ok();
}

Result<SegmentReader::DamageScan> SegmentReader::ScanAfterDamage(uint64_t after_offset,
                                                                 uint64_t last_good_lsn) {
  DamageScan scan;
  if (after_offset >= file_size_) return scan;
  // Records written densely after after_offset cannot have an LSN beyond
  // this: each takes at least a header. The bound keeps random bytes from
  // being checksummed at nearly every offset.
  uint64_t highest_possible_lsn =
      last_good_lsn + 1 + (file_size_ - after_offset) / kRecordHeaderSize;
  for (uint64_t offset = after_offset + 1; offset + kRecordHeaderSize <= file_size_; ++offset) {
    ASSIGN_OR_RETURN(const uint8_t* header_bytes, Bytes(offset, kRecordHeaderSize));
    RecordHeader header = DecodeRecordHeader(header_bytes);
    if (header.lsn <= last_good_lsn || header.lsn > highest_possible_lsn) continue;
    uint64_t remaining = file_size_ - offset - kRecordHeaderSize;
    if (header.payload_length > kMaxPayloadBytes || header.payload_length > remaining) continue;
    ASSIGN_OR_RETURN(const uint8_t* bytes,
                     Bytes(offset, kRecordHeaderSize + header.payload_length));
    if (!RecordChecksumMatches(bytes, header.payload_length)) continue;
    ++scan.intact_records;
    if (!scan.witness.has_value() &&
        (header.durable_lsn > last_good_lsn || header.durable_lsn >= header.lsn)) {
      scan.witness = Found{offset, header.lsn, header.durable_lsn};
    }
  }
  return scan;
}

}  // namespace backtrace::wal
