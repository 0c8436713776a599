#include "common/column/column_file_layout.h"

#include <cstring>

#include "common/base/coding.h"
#include "common/base/crc32c.h"

namespace backtrace::column {
namespace {

void PutU8(std::string* out, uint8_t value) { out->push_back(static_cast<char>(value)); }
void PutU16(std::string* out, uint16_t value) {
  uint8_t bytes[2];
  coding::EncodeFixed16(bytes, value);
  out->append(reinterpret_cast<const char*>(bytes), 2);
}

}  // namespace

void AppendHeader(const ColumnFileHeader& header, std::string* out) {
  size_t start = out->size();
  out->append(kMagic);
  PutU16(out, kFormatVersion);
  PutU8(out, static_cast<uint8_t>(header.type));
  PutU8(out, static_cast<uint8_t>(header.file_encoding));
  coding::PutFixed32(out, header.granule_rows);
  coding::PutFixed32(out, 0);
  coding::PutFixed32(out, crc32c::Mask(crc32c::Value(out->data() + start, kHeaderCrcOffset)));
}

Status ParseHeader(const uint8_t* data, ColumnFileHeader* header) {
  if (std::memcmp(data, kMagic.data(), kMagic.size()) != 0) {
    return Status::Corruption("header magic mismatch (not a column file)");
  }
  uint32_t stored_crc = crc32c::Unmask(coding::DecodeFixed32(data + kHeaderCrcOffset));
  if (crc32c::Value(data, kHeaderCrcOffset) != stored_crc) {
    return Status::Corruption("header checksum mismatch");
  }
  uint16_t version = coding::DecodeFixed16(data + 8);
  if (version != kFormatVersion) {
    return Status(StatusCode::kNotSupported,
                  "format version " + std::to_string(version) + " (this build reads version " +
                      std::to_string(kFormatVersion) + ")");
  }
  uint8_t type = data[10];
  uint8_t encoding = data[11];
  uint32_t granule_rows = coding::DecodeFixed32(data + 12);
  uint32_t reserved = coding::DecodeFixed32(data + 16);
  if (!IsValidColumnType(type)) {
    return Status::Corruption("header names unknown column type " + std::to_string(type));
  }
  if (encoding > static_cast<uint8_t>(FileEncoding::kDictionary) ||
      (encoding == static_cast<uint8_t>(FileEncoding::kDictionary) &&
       type != static_cast<uint8_t>(ColumnType::kString))) {
    return Status::Corruption("header file encoding " + std::to_string(encoding) +
                              " is not valid for column type " + std::to_string(type));
  }
  if (granule_rows == 0 || granule_rows > kMaxGranuleRows) {
    return Status::Corruption("header granule size " + std::to_string(granule_rows) +
                              " rows is outside 1.." + std::to_string(kMaxGranuleRows));
  }
  if (reserved != 0) return Status::Corruption("header reserved field is not zero");
  header->type = static_cast<ColumnType>(type);
  header->file_encoding = static_cast<FileEncoding>(encoding);
  header->granule_rows = granule_rows;
  return Status::Ok();
}

void AppendFooter(const ColumnFileFooter& footer, std::string* out) {
  size_t start = out->size();
  coding::PutFixed64(out, footer.index_offset);
  coding::PutFixed64(out, footer.index_bytes);
  coding::PutFixed32(out, crc32c::Mask(footer.index_checksum));
  coding::PutFixed32(out, crc32c::Mask(crc32c::Value(out->data() + start, kFooterCrcOffset)));
  out->append(kMagic);
}

Status ParseFooter(const uint8_t* data, uint64_t file_size, ColumnFileFooter* footer) {
  if (std::memcmp(data + kFooterCrcOffset + 4, kMagic.data(), kMagic.size()) != 0) {
    return Status::Corruption("footer magic mismatch (truncated or not a column file)");
  }
  uint32_t stored_crc = crc32c::Unmask(coding::DecodeFixed32(data + kFooterCrcOffset));
  if (crc32c::Value(data, kFooterCrcOffset) != stored_crc) {
    return Status::Corruption("footer checksum mismatch");
  }
  footer->index_offset = coding::DecodeFixed64(data);
  footer->index_bytes = coding::DecodeFixed64(data + 8);
  footer->index_checksum = crc32c::Unmask(coding::DecodeFixed32(data + 16));
  uint64_t index_space = file_size - kHeaderBytes - kFooterBytes;
  if (footer->index_offset < kHeaderBytes || footer->index_bytes > index_space ||
      footer->index_offset - kHeaderBytes != index_space - footer->index_bytes) {
    return Status::Corruption("footer places the index at [" +
                              std::to_string(footer->index_offset) + ", +" +
                              std::to_string(footer->index_bytes) + ") in a file of " +
                              std::to_string(file_size) + " bytes");
  }
  return Status::Ok();
}

}  // namespace backtrace::column
