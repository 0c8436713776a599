#include "common/wal/wal_format.h"

#include <cstdio>
#include <cstring>

#include "common/base/coding.h"
#include "common/base/crc32c.h"

namespace backtrace::wal {

void EncodeSegmentHeader(uint64_t first_lsn, uint8_t* destination) {
  std::memcpy(destination, kSegmentMagic, sizeof(kSegmentMagic));
  coding::EncodeFixed32(destination + 8, kFormatVersion);
  coding::EncodeFixed64(destination + 12, first_lsn);
  coding::EncodeFixed32(destination + 20, crc32c::Mask(crc32c::Value(destination, 20)));
}

Status DecodeSegmentHeader(const uint8_t* source, SegmentHeader* header) {
  if (std::memcmp(source, kSegmentMagic, sizeof(kSegmentMagic)) != 0) {
    return Status::Corruption("bad segment magic");
  }
  uint32_t stored_crc = crc32c::Unmask(coding::DecodeFixed32(source + 20));
  if (stored_crc != crc32c::Value(source, 20)) {
    return Status::Corruption("segment header checksum mismatch");
  }
  header->format_version = coding::DecodeFixed32(source + 8);
  header->first_lsn = coding::DecodeFixed64(source + 12);
  if (header->format_version == 1) {
    return Status::NotSupported(
        "segment format version 1, written by a pre-release build; this build reads version " +
        std::to_string(kFormatVersion) +
        " only (the WAL of that build cannot be replayed: start from an empty data directory)");
  }
  if (header->format_version != kFormatVersion) {
    return Status::NotSupported("segment format version " +
                                std::to_string(header->format_version) +
                                " (this build reads version " + std::to_string(kFormatVersion) +
                                ")");
  }
  if (header->first_lsn < kFirstLsn) {
    return Status::Corruption("segment header declares first LSN 0 (LSNs start at 1)");
  }
  return Status::Ok();
}

void EncodeRecordHeader(uint64_t lsn, uint64_t durable_lsn, uint8_t type,
                        std::string_view payload, uint8_t* destination) {
  coding::EncodeFixed32(destination + 4, static_cast<uint32_t>(payload.size()));
  coding::EncodeFixed64(destination + 8, lsn);
  destination[16] = type;
  coding::EncodeFixed64(destination + 17, durable_lsn);
  uint32_t crc = crc32c::Value(destination + 4, kRecordHeaderSize - 4);
  crc = crc32c::Extend(crc, payload.data(), payload.size());
  coding::EncodeFixed32(destination, crc32c::Mask(crc));
}

void AppendRecord(uint64_t lsn, uint64_t durable_lsn, uint8_t type, std::string_view payload,
                  std::string* destination) {
  size_t start = destination->size();
  destination->resize(start + kRecordHeaderSize + payload.size());
  auto* record = reinterpret_cast<uint8_t*>(destination->data()) + start;
  if (!payload.empty()) std::memcpy(record + kRecordHeaderSize, payload.data(), payload.size());
  EncodeRecordHeader(lsn, durable_lsn, type, payload, record);
}

RecordHeader DecodeRecordHeader(const uint8_t* source) {
  RecordHeader header;
  header.masked_crc = coding::DecodeFixed32(source);
  header.payload_length = coding::DecodeFixed32(source + 4);
  header.lsn = coding::DecodeFixed64(source + 8);
  header.type = source[16];
  header.durable_lsn = coding::DecodeFixed64(source + 17);
  return header;
}

bool RecordChecksumMatches(const uint8_t* record, uint32_t payload_length) {
  uint32_t expected = crc32c::Unmask(coding::DecodeFixed32(record));
  return crc32c::Value(record + 4, kRecordHeaderSize - 4 + payload_length) == expected;
}

std::string SegmentFileName(uint64_t first_lsn) {
  char digits[kSegmentNameDigits + 1];
  std::snprintf(digits, sizeof(digits), "%020llu", static_cast<unsigned long long>(first_lsn));
  std::string name(digits, kSegmentNameDigits);
  name += kSegmentSuffix;
  return name;
}

std::optional<uint64_t> ParseSegmentFileName(std::string_view name) {
  if (name.size() != kSegmentNameDigits + kSegmentSuffix.size()) return std::nullopt;
  if (name.substr(kSegmentNameDigits) != kSegmentSuffix) return std::nullopt;
  uint64_t value = 0;
  for (size_t i = 0; i < kSegmentNameDigits; ++i) {
    char digit = name[i];
    if (digit < '0' || digit > '9') return std::nullopt;
    uint64_t digit_value = static_cast<uint64_t>(digit - '0');
    if (value > (UINT64_MAX - digit_value) / 10) return std::nullopt;  // overflow
    value = value * 10 + digit_value;
  }
  return value;
}

}  // namespace backtrace::wal
