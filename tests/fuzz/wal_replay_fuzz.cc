// Fuzz target "wal_replay": WAL replay (common/wal/wal_replay.h) over
// segment files made of arbitrary bytes.
//
// Input: byte 0 holds flags:
//   bit 0: the target rewrites every checksum (segment header and each
//          record it can frame), so that replay's sequencing, torn-tail and
//          corruption rules are reached, not only the checksum test;
//   bit 1: replay repairs a torn tail (and then a second replay must find
//          none and the same records);
//   bits 2-3: from_lsn 0, 1, 2 or 5.
// The rest is split at each "WSEG" into up to four segment files. A file of
// at least 20 bytes is named after the first LSN its header declares, a
// shorter one after its position (1, 2, ...).
#include <fcntl.h>

#include <string>
#include <vector>

#include "common/base/coding.h"
#include "common/base/crc32c.h"
#include "common/base/file.h"
#include "common/wal/wal_format.h"
#include "common/wal/wal_replay.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace::fuzz {
namespace {

constexpr std::string_view kSegmentSeparator = "WSEG";
constexpr size_t kMaxSegments = 4;

void FixChecksums(std::string* segment) {
  auto* bytes = reinterpret_cast<uint8_t*>(segment->data());
  if (segment->size() < wal::kSegmentHeaderSize) return;
  coding::EncodeFixed32(bytes + 20, crc32c::Mask(crc32c::Value(bytes, 20)));
  size_t offset = wal::kSegmentHeaderSize;
  while (offset + wal::kRecordHeaderSize <= segment->size()) {
    uint32_t length = coding::DecodeFixed32(bytes + offset + 4);
    if (length > segment->size() - offset - wal::kRecordHeaderSize) break;
    uint32_t crc = crc32c::Value(bytes + offset + 4, wal::kRecordHeaderSize - 4 + length);
    coding::EncodeFixed32(bytes + offset, crc32c::Mask(crc));
    offset += wal::kRecordHeaderSize + length;
  }
}

struct Replayed {
  Status status;
  wal::ReplayReport report;
  std::vector<uint64_t> lsns;
};

Replayed RunReplay(const std::string& directory, uint64_t from_lsn, bool repair) {
  Replayed replayed;
  uint64_t effective_from = from_lsn == 0 ? 1 : from_lsn;
  replayed.status = wal::Replay(
      directory, from_lsn,
      [&](uint64_t lsn, uint8_t, std::string_view payload) {
        FUZZ_CHECK(lsn >= effective_from);
        FUZZ_CHECK(replayed.lsns.empty() || lsn == replayed.lsns.back() + 1);
        FUZZ_CHECK(payload.size() <= wal::kMaxPayloadBytes);
        replayed.lsns.push_back(lsn);
        return Status::Ok();
      },
      repair, &replayed.report);
  if (replayed.status.ok()) {
    FUZZ_CHECK(replayed.report.records_replayed == replayed.lsns.size());
    FUZZ_CHECK(replayed.report.next_lsn >= effective_from);
    FUZZ_CHECK(replayed.report.next_lsn > replayed.report.last_lsn);
    if (!replayed.lsns.empty()) FUZZ_CHECK(replayed.report.last_lsn == replayed.lsns.back());
  }
  return replayed;
}

}  // namespace

void FuzzWalReplay(const uint8_t* data, size_t size) {
  static testing::TemporaryDirectory root;  // removed at exit
  const std::string directory = root.Join("wal");
  FUZZ_CHECK(io::RemoveTree(directory).ok());
  FUZZ_CHECK(io::CreateDirectories(directory).ok());

  InputCursor input(data, size);
  const uint8_t flags = input.Byte();
  const bool fix_checksums = (flags & 1) != 0;
  const bool repair = (flags & 2) != 0;
  constexpr uint64_t kFromLsns[] = {0, 1, 2, 5};
  const uint64_t from_lsn = kFromLsns[(flags >> 2) & 3];

  std::string_view rest = input.rest();
  for (size_t index = 0; index < kMaxSegments && !rest.empty(); ++index) {
    size_t cut = index + 1 == kMaxSegments ? std::string_view::npos : rest.find(kSegmentSeparator);
    std::string segment(rest.substr(0, cut));
    rest.remove_prefix(cut == std::string_view::npos ? rest.size()
                                                     : cut + kSegmentSeparator.size());
    if (fix_checksums) FixChecksums(&segment);
    uint64_t first_lsn = index + 1;
    if (segment.size() >= 20) {
      first_lsn = coding::DecodeFixed64(reinterpret_cast<const uint8_t*>(segment.data()) + 12);
    }
    auto file = io::OpenFile(io::JoinPath(directory, wal::SegmentFileName(first_lsn)),
                             O_WRONLY | O_CREAT | O_TRUNC);
    FUZZ_CHECK(file.ok());
    FUZZ_CHECK(io::WriteAll(*file, segment.data(), segment.size()).ok());
  }

  Replayed first = RunReplay(directory, from_lsn, repair);
  if (!first.status.ok()) {
    // Bad input is corruption or an unsupported version, never anything else.
    StatusCode code = first.status.code();
    FUZZ_CHECK(code == StatusCode::kCorruption || code == StatusCode::kNotSupported);
    return;
  }
  if (repair) {
    Replayed second = RunReplay(directory, from_lsn, false);
    FUZZ_CHECK(second.status.ok());
    FUZZ_CHECK(second.report.torn_bytes_cut == 0);
    FUZZ_CHECK(second.lsns == first.lsns);
    FUZZ_CHECK(second.report.next_lsn == first.report.next_lsn);
  }
}

}  // namespace backtrace::fuzz

BACKTRACE_FUZZ_TARGET(backtrace::fuzz::FuzzWalReplay)
