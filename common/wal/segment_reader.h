// SegmentReader: reads the records of one WAL segment file front to back for
// replay. The file is read with large sequential reads into one reused buffer
// (no allocation per record; a payload is a view into that buffer), and every
// record is checked: length, checksum and LSN. The reader classifies what it
// finds but decides nothing: whether a bad record is a torn tail or corruption
// is replay's call (see docs/wal_format.md).
//
// Owns the open file and the buffer. One thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/file.h"
#include "common/base/status.h"
#include "common/wal/wal_format.h"

namespace backtrace::wal {

enum class RecordOutcome : uint8_t {
  kRecord,         // an intact record with the expected LSN
  kEnd,            // the offset is exactly the end of the file
  kDamaged,        // incomplete header, impossible length, past end of file or
                   // checksum mismatch: possibly a torn write
  kOutOfSequence,  // checksum verifies but the LSN is not the expected one
                   // (or its durable LSN is not below it)
};

struct RecordRead {
  RecordOutcome outcome = RecordOutcome::kEnd;
  uint64_t lsn = 0;
  uint8_t type = 0;
  std::string_view payload;  // valid until the reader's next call
  uint64_t size = 0;         // header + payload bytes (kRecord only)
  std::string problem;       // what was wrong (kDamaged, kOutOfSequence)
};

class SegmentReader {
 public:
  // Opens the file at path for reading. Errors are the file system's.
  [[nodiscard]] static Result<SegmentReader> Open(const std::string& path);

  const std::string& path() const { return file_.path(); }
  uint64_t file_size() const { return file_size_; }

  // Reads and checks the segment header. Errors: kCorruption naming the file
  // when the file is shorter than a header, the header fails its checks, or
  // its first LSN differs from expected_first_lsn (the number in the name);
  // kNotSupported for an unknown format version.
  [[nodiscard]] Status ReadHeader(uint64_t expected_first_lsn);

  // Reads the record at `offset`, which must expect LSN expected_lsn. The
  // outcome says what was found; errors are only I/O errors.
  [[nodiscard]] Status ReadRecord(uint64_t offset, uint64_t expected_lsn, RecordRead* record);

  // After a damaged record at after_offset that follows the intact record
  // last_good_lsn, searches every byte offset in (after_offset, end of file)
  // for intact records (checksum verifies, length possible, LSN above
  // last_good_lsn and no higher than the bytes left allow). `witness` is the
  // first of them that claims a durable LSN above last_good_lsn (or that
  // claims a durable LSN not below its own LSN, which no writer does): proof
  // that the damaged bytes had been synced. Errors are only I/O errors.
  struct Found {
    uint64_t offset;
    uint64_t lsn;
    uint64_t durable_lsn;
  };
  struct DamageScan {
    std::optional<Found> witness;
    uint64_t intact_records = 0;  // intact records found after the damage
  };
  [[nodiscard]] Result<DamageScan> ScanAfterDamage(uint64_t after_offset, uint64_t last_good_lsn);

 private:
  SegmentReader(io::File file, uint64_t file_size)
      : file_(std::move(file)), file_size_(file_size) {}

  // Makes bytes [offset, offset + length) of the file available and returns a
  // pointer to them, valid until the next call. Requires offset + length <=
  // file_size(). Reads at least a whole chunk at a time.
  [[nodiscard]] Result<const uint8_t*> Bytes(uint64_t offset, size_t length);

  io::File file_;
  uint64_t file_size_ = 0;
  std::vector<uint8_t> buffer_;
  uint64_t window_offset_ = 0;  // file offset of buffer_[0]
  size_t window_length_ = 0;    // valid bytes in buffer_
};

}  // namespace backtrace::wal
