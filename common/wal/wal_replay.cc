#include "common/wal/wal_replay.h"

#include <fcntl.h>

#include <algorithm>
#include <vector>

#include "common/base/file.h"
#include "common/wal/segment_reader.h"
#include "common/wal/wal_directory.h"
#include "common/wal/wal_format.h"

namespace backtrace::wal {
namespace {

std::string Where(const std::string& path, uint64_t offset) {
  return "WAL segment " + path + " at offset " + std::to_string(offset);
}

// Cuts the file at `size` and makes the new size durable.
Status TruncateDurably(const std::string& path, uint64_t size) {
  ASSIGN_OR_RETURN(io::File file, io::OpenFile(path, O_WRONLY));
  RETURN_IF_ERROR(io::Truncate(file, size));
  RETURN_IF_ERROR(io::SyncAll(file));
  return file.Close();
}

}  // namespace

Status Replay(const std::string& directory, uint64_t from_lsn, const ReplayVisitor& visit,
              bool repair_torn_tail, ReplayReport* report) {
  ReplayReport unused;
  if (report == nullptr) report = &unused;
  *report = ReplayReport();
  const uint64_t from = std::max(from_lsn, kFirstLsn);
  report->next_lsn = from;
  if (!io::PathExists(directory)) return Status::Ok();
  ASSIGN_OR_RETURN(std::vector<SegmentFile> segments, ListSegments(directory));
  if (segments.empty()) return Status::Ok();

  // Start at the newest segment that begins at or before `from`: the ones
  // before it hold only LSNs below `from`.
  size_t start = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].first_lsn <= from) start = i;
  }
  if (segments[start].first_lsn > from) {
    return Status::Corruption(
        "WAL segment " + io::JoinPath(directory, segments[start].name) + " starts at LSN " +
        std::to_string(segments[start].first_lsn) + " but replay from LSN " +
        std::to_string(from) + " needs earlier LSNs that no segment holds");
  }

  uint64_t previous_last_lsn = 0;
  std::string previous_path;
  RecordRead record;
  for (size_t i = start; i < segments.size(); ++i) {
    const bool newest = i + 1 == segments.size();
    const uint64_t first_lsn = segments[i].first_lsn;
    const std::string path = io::JoinPath(directory, segments[i].name);
    if (i > start) {
      if (first_lsn <= previous_last_lsn) {
        return Status::Corruption("WAL segment " + path + " starts at LSN " +
                                  std::to_string(first_lsn) + " but " + previous_path +
                                  " already holds LSNs up to " +
                                  std::to_string(previous_last_lsn));
      }
      if (first_lsn > previous_last_lsn + 1 && first_lsn - 1 >= from) {
        return Status::Corruption("WAL LSNs " + std::to_string(previous_last_lsn + 1) + " to " +
                                  std::to_string(first_lsn - 1) + " are missing between " +
                                  previous_path + " and " + path);
      }
    }

    ASSIGN_OR_RETURN(SegmentReader reader, SegmentReader::Open(path));
    RETURN_IF_ERROR(reader.ReadHeader(first_lsn));
    ++report->segments_read;
    uint64_t offset = kSegmentHeaderSize;
    uint64_t expected_lsn = first_lsn;
    for (;;) {
      RETURN_IF_ERROR(reader.ReadRecord(offset, expected_lsn, &record));
      if (record.outcome != RecordOutcome::kRecord) break;
      if (record.lsn >= from) {
        RETURN_IF_ERROR(visit(record.lsn, record.type, record.payload));
        ++report->records_replayed;
      }
      offset += record.size;
      ++expected_lsn;
    }
    previous_last_lsn = expected_lsn - 1;
    previous_path = path;
    if (record.outcome == RecordOutcome::kEnd) continue;

    // A bad record. Only the newest segment may end in a torn write, and only
    // when nothing intact follows the damage.
    if (!newest) {
      return Status::Corruption(Where(path, offset) + ": " + record.problem +
                                " (not the newest segment, so not a torn tail)");
    }
    if (record.outcome == RecordOutcome::kOutOfSequence) {
      return Status::Corruption(Where(path, offset) + ": " + record.problem);
    }
    // A damaged record in the newest segment is the unsynced tail of a crash
    // unless a later intact record says that the damaged bytes had been
    // synced before it was written.
    ASSIGN_OR_RETURN(SegmentReader::DamageScan scan,
                     reader.ScanAfterDamage(offset, previous_last_lsn));
    if (scan.witness.has_value()) {
      const SegmentReader::Found& witness = *scan.witness;
      return Status::Corruption(
          Where(path, offset) + ": " + record.problem + " at LSN " +
          std::to_string(previous_last_lsn + 1) + "; the intact record with LSN " +
          std::to_string(witness.lsn) + " at offset " + std::to_string(witness.offset) +
          " says LSNs up to " + std::to_string(witness.durable_lsn) +
          " were durable when it was written, so synced data is damaged");
    }
    report->torn_records_dropped = scan.intact_records;
    report->torn_segment = path;
    report->torn_offset = offset;
    report->torn_bytes_cut = reader.file_size() - offset;
    report->torn_problem = record.problem;
    if (repair_torn_tail) RETURN_IF_ERROR(TruncateDurably(path, offset));
  }
  report->last_lsn = previous_last_lsn;
  report->next_lsn = std::max(previous_last_lsn + 1, from);
  return Status::Ok();
}

}  // namespace backtrace::wal
