#include "common/column/column_file_reader.h"

#include <cstring>
#include <new>

#include "common/base/crc32c.h"
#include "common/column/granule_decoder.h"
#include "common/column/string_encoding.h"
#include "common/column/zstd_codec.h"

namespace backtrace::column {
namespace {

// A per-thread buffer for decompressed granules.
Result<uint8_t*> DecompressionBuffer(size_t size) {
  thread_local std::unique_ptr<uint8_t[]> buffer;
  thread_local size_t capacity = 0;
  if (capacity < size) {
    buffer.reset(new (std::nothrow) uint8_t[size]);
    capacity = buffer ? size : 0;
    if (!buffer) {
      return Status::ResourceExhausted("cannot allocate " + std::to_string(size) +
                                       " bytes to decompress a granule");
    }
  }
  return buffer.get();
}

Status OutOfMemory(const std::string& name) {
  return Status::ResourceExhausted("column file " + name + ": out of memory");
}

}  // namespace

ColumnFileReader::ColumnFileReader(std::string name, const uint8_t* data, size_t size)
    : name_(std::move(name)), data_(data), size_(size) {}

Result<std::unique_ptr<ColumnFileReader>> ColumnFileReader::Open(const std::string& path) {
  ASSIGN_OR_RETURN(io::MappedFile mapping, io::MappedFile::Open(path));
  std::unique_ptr<ColumnFileReader> reader(
      new ColumnFileReader(path, mapping.data(), mapping.size()));
  reader->mapping_ = std::move(mapping);
  RETURN_IF_ERROR(reader->Validate());
  return reader;
}

Result<std::unique_ptr<ColumnFileReader>> ColumnFileReader::FromBuffer(std::string bytes,
                                                                      std::string name) {
  std::unique_ptr<ColumnFileReader> reader(new ColumnFileReader(std::move(name), nullptr, 0));
  reader->buffer_ = std::move(bytes);
  reader->data_ = reinterpret_cast<const uint8_t*>(reader->buffer_.data());
  reader->size_ = reader->buffer_.size();
  RETURN_IF_ERROR(reader->Validate());
  return reader;
}

Status ColumnFileReader::Validate() {
  const std::string context = "column file " + name_;
  if (size_ < kHeaderBytes + kFooterBytes) {
    return Status::Corruption(context + ": " + std::to_string(size_) +
                              " bytes is too short for a column file (truncated?)");
  }
  RETURN_IF_ERROR(ParseHeader(data_, &header_).WithContext(context));
  ColumnFileFooter footer;
  RETURN_IF_ERROR(ParseFooter(data_ + size_ - kFooterBytes, size_, &footer).WithContext(context));
  if (crc32c::Value(data_ + footer.index_offset, footer.index_bytes) != footer.index_checksum) {
    return Status::Corruption(context + ": index checksum mismatch");
  }
  try {
    RETURN_IF_ERROR(ParseIndex(header_, data_ + footer.index_offset, footer.index_bytes,
                               footer.index_offset, &index_)
                        .WithContext(context));
    if (index_.dictionary.has_value()) RETURN_IF_ERROR(LoadDictionary().WithContext(context));
  } catch (const std::bad_alloc&) {
    return OutOfMemory(name_);
  }
  return Status::Ok();
}

Status ColumnFileReader::LoadDictionary() {
  const DictionaryLocation& location = *index_.dictionary;
  const uint8_t* stored = data_ + location.offset;
  if (crc32c::Value(stored, location.stored_bytes) != location.checksum) {
    return Status::Corruption("dictionary checksum mismatch");
  }
  const uint8_t* payload = stored;
  std::string decompressed;
  if (location.codec == GranuleCodec::kZstd) {
    decompressed.resize(location.decoded_bytes);
    auto* destination = reinterpret_cast<uint8_t*>(decompressed.data());
    RETURN_IF_ERROR(ZstdDecompress(stored, location.stored_bytes, destination,
                                   location.decoded_bytes)
                        .WithContext("dictionary"));
    payload = destination;
  }
  StringValues entries;
  RETURN_IF_ERROR(DecodePlainStrings(payload, location.decoded_bytes, location.entries, &entries)
                      .WithContext("dictionary"));
  for (size_t entry = 1; entry < entries.size(); ++entry) {
    if (!(entries.at(entry - 1) < entries.at(entry))) {
      return Status::Corruption("dictionary entries " + std::to_string(entry - 1) + " and " +
                                std::to_string(entry) + " are not in increasing order");
    }
  }
  dictionary_.emplace(std::move(entries));
  return Status::Ok();
}

ColumnFileSummary ColumnFileReader::summary() const {
  ColumnFileSummary summary;
  summary.type = header_.type;
  summary.rows = index_.rows;
  summary.file_bytes = size_;
  summary.raw_bytes = index_.raw_bytes;
  summary.granules = static_cast<uint32_t>(index_.granules.size());
  summary.min = index_.min;
  summary.max = index_.max;
  summary.has_nan = index_.has_nan;
  summary.min_truncated = index_.min_truncated;
  summary.max_truncated = index_.max_truncated;
  summary.file_encoding = header_.file_encoding;
  summary.dictionary_entries =
      dictionary_.has_value() ? static_cast<uint32_t>(dictionary_->entries.size()) : 0;
  return summary;
}

Status ColumnFileReader::GranuleError(size_t index, const Status& status) const {
  return Status(status.code(), "column file " + name_ + ": granule " + std::to_string(index) +
                                   ": " + status.message());
}

Result<const uint8_t*> ColumnFileReader::GranulePayload(size_t index) const {
  const GranuleInfo& granule = index_.granules[index];
  const uint8_t* stored = data_ + granule.offset;
  if (crc32c::Value(stored, granule.stored_bytes) != granule.checksum) {
    return Status::Corruption("column file " + name_ + ": granule " + std::to_string(index) +
                              " checksum mismatch");
  }
  if (granule.codec == GranuleCodec::kNone) return stored;
  auto buffer = DecompressionBuffer(granule.decoded_bytes);
  if (!buffer.ok()) return GranuleError(index, buffer.status());
  Status status = ZstdDecompress(stored, granule.stored_bytes, *buffer, granule.decoded_bytes);
  if (!status.ok()) return GranuleError(index, status);
  return static_cast<const uint8_t*>(*buffer);
}

Status ColumnFileReader::ReadGranule(size_t index, ColumnVector* out) const {
  if (index >= index_.granules.size()) {
    return Status::InvalidArgument("column file " + name_ + ": granule " + std::to_string(index) +
                                   " does not exist (the file has " +
                                   std::to_string(index_.granules.size()) + ")");
  }
  if (out->type() != header_.type) {
    return Status::InvalidArgument("column file " + name_ + " holds " +
                                   std::string(ColumnTypeName(header_.type)) +
                                   " values, not " + std::string(ColumnTypeName(out->type())));
  }
  ASSIGN_OR_RETURN(const uint8_t* payload, GranulePayload(index));
  const GranuleInfo& granule = index_.granules[index];
  Status status;
  try {
    status = DecodeGranulePayload(granule.encoding, payload, granule.decoded_bytes, granule.rows,
                                  dictionary_.has_value() ? &*dictionary_ : nullptr, out);
  } catch (const std::bad_alloc&) {
    return OutOfMemory(name_);
  }
  if (!status.ok()) return GranuleError(index, status);
  return Status::Ok();
}

Status ColumnFileReader::ReadAll(ColumnVector* out) const {
  try {
    out->Reserve(out->size() + index_.rows);
  } catch (const std::exception&) {
    return OutOfMemory(name_);
  }
  for (size_t index = 0; index < index_.granules.size(); ++index) {
    RETURN_IF_ERROR(ReadGranule(index, out));
  }
  return Status::Ok();
}

Status ColumnFileReader::ReadGranuleCodes(size_t index, std::vector<uint32_t>* codes) const {
  if (!dictionary_.has_value()) {
    return Status::FailedPrecondition("column file " + name_ + " has no dictionary");
  }
  if (index >= index_.granules.size()) {
    return Status::InvalidArgument("column file " + name_ + ": granule " + std::to_string(index) +
                                   " does not exist");
  }
  ASSIGN_OR_RETURN(const uint8_t* payload, GranulePayload(index));
  const GranuleInfo& granule = index_.granules[index];
  Status status;
  try {
    status = DecodeDictionaryCodes(payload, granule.decoded_bytes, granule.rows,
                                   dictionary_->entries.size(), codes);
  } catch (const std::bad_alloc&) {
    return OutOfMemory(name_);
  }
  if (!status.ok()) return GranuleError(index, status);
  return Status::Ok();
}

}  // namespace backtrace::column
