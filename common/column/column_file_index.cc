// The index region of a column file (declared in column_file_layout.h).
#include <cstring>

#include "common/base/coding.h"
#include "common/base/crc32c.h"
#include "common/column/column_file_layout.h"

namespace backtrace::column {
namespace {

// Reads little-endian fields from a byte range; every read checks bounds.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : cursor_(data), limit_(data + size) {}
  size_t remaining() const { return static_cast<size_t>(limit_ - cursor_); }
  bool U8(uint8_t* value) {
    if (remaining() < 1) return false;
    *value = *cursor_++;
    return true;
  }
  bool U16(uint16_t* value) { return Fixed(value, 2); }
  bool U32(uint32_t* value) { return Fixed(value, 4); }
  bool U64(uint64_t* value) { return Fixed(value, 8); }
  bool Bytes(size_t size, const uint8_t** bytes) {
    if (remaining() < size) return false;
    *bytes = cursor_;
    cursor_ += size;
    return true;
  }

 private:
  template <typename T>
  bool Fixed(T* value, size_t size) {
    if (remaining() < size) return false;
    std::memcpy(value, cursor_, size);
    cursor_ += size;
    return true;
  }
  const uint8_t* cursor_;
  const uint8_t* limit_;
};

void PutU8(std::string* out, uint8_t value) { out->push_back(static_cast<char>(value)); }
void PutU16(std::string* out, uint16_t value) {
  uint8_t bytes[2];
  coding::EncodeFixed16(bytes, value);
  out->append(reinterpret_cast<const char*>(bytes), 2);
}

bool IsNumericInteger(ColumnType type) {
  return type == ColumnType::kInt64 || type == ColumnType::kTimestamp ||
         type == ColumnType::kUInt64;
}

void AppendValue(ColumnType type, const Value& value, std::string* out) {
  switch (type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      coding::PutFixed64(out, static_cast<uint64_t>(std::get<int64_t>(value)));
      return;
    case ColumnType::kUInt64: coding::PutFixed64(out, std::get<uint64_t>(value)); return;
    case ColumnType::kFloat64: {
      uint64_t bits;
      double number = std::get<double>(value);
      std::memcpy(&bits, &number, 8);
      coding::PutFixed64(out, bits);
      return;
    }
    case ColumnType::kString: {
      const std::string& text = std::get<std::string>(value);
      PutU16(out, static_cast<uint16_t>(text.size()));
      out->append(text);
      return;
    }
  }
}

Status ReadValue(ColumnType type, ByteReader* reader, Value* value) {
  if (type == ColumnType::kString) {
    uint16_t length;
    const uint8_t* bytes;
    if (!reader->U16(&length)) return Status::Corruption("index truncated");
    if (length > kMaxZoneMapStringBytes) {
      return Status::Corruption("zone-map string of " + std::to_string(length) +
                                " bytes exceeds " + std::to_string(kMaxZoneMapStringBytes));
    }
    if (!reader->Bytes(length, &bytes)) return Status::Corruption("index truncated");
    *value = std::string(reinterpret_cast<const char*>(bytes), length);
    return Status::Ok();
  }
  uint64_t bits;
  if (!reader->U64(&bits)) return Status::Corruption("index truncated");
  switch (type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp: *value = static_cast<int64_t>(bits); break;
    case ColumnType::kUInt64: *value = bits; break;
    case ColumnType::kFloat64: {
      double number;
      std::memcpy(&number, &bits, 8);
      *value = number;
      break;
    }
    case ColumnType::kString: break;
  }
  return Status::Ok();
}

bool IsValidCodec(uint8_t codec) { return codec <= static_cast<uint8_t>(GranuleCodec::kZstd); }

}  // namespace

uint64_t MaxDecodedGranuleBytes(ColumnType type, uint64_t rows) {
  // Numeric payloads never exceed plain + a header; the decimal encoding is
  // kept only when smaller than plain. Strings: lengths + bytes.
  if (type == ColumnType::kString) return rows * (8 + kMaxStringBytes) + 64;
  return rows * 8 + 64;
}

bool IsValidGranuleEncoding(const ColumnFileHeader& header, GranuleEncoding encoding) {
  switch (header.type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
    case ColumnType::kUInt64:
      return encoding == GranuleEncoding::kPlain ||
             encoding == GranuleEncoding::kFrameOfReference || encoding == GranuleEncoding::kDelta;
    case ColumnType::kFloat64:
      return encoding == GranuleEncoding::kPlain || encoding == GranuleEncoding::kByteShuffle ||
             encoding == GranuleEncoding::kDecimal;
    case ColumnType::kString:
      return header.file_encoding == FileEncoding::kDictionary
                 ? encoding == GranuleEncoding::kDictionary
                 : encoding == GranuleEncoding::kPlainStrings;
  }
  return false;
}

void AppendIndex(const ColumnFileHeader& header, const ColumnFileIndex& index, std::string* out) {
  const ColumnType type = header.type;
  coding::PutFixed64(out, index.rows);
  coding::PutFixed64(out, index.raw_bytes);
  coding::PutFixed32(out, static_cast<uint32_t>(index.granules.size()));
  uint8_t flags = 0;
  if (index.min.has_value()) flags |= kFileHasMinMax;
  if (index.has_nan) flags |= kFileHasNan;
  if (index.min_truncated) flags |= kFileMinTruncated;
  if (index.max_truncated) flags |= kFileMaxTruncated;
  PutU8(out, flags);
  if (index.min.has_value()) {
    AppendValue(type, *index.min, out);
    AppendValue(type, *index.max, out);
  }
  if (header.file_encoding == FileEncoding::kDictionary) {
    const DictionaryLocation& dictionary = *index.dictionary;
    coding::PutFixed64(out, dictionary.offset);
    coding::PutFixed32(out, dictionary.stored_bytes);
    coding::PutFixed32(out, dictionary.decoded_bytes);
    coding::PutFixed32(out, dictionary.entries);
    PutU8(out, static_cast<uint8_t>(dictionary.codec));
    coding::PutFixed32(out, crc32c::Mask(dictionary.checksum));
  }
  for (const GranuleInfo& granule : index.granules) {
    coding::PutFixed64(out, granule.offset);
    coding::PutFixed32(out, granule.rows);
    coding::PutFixed32(out, granule.stored_bytes);
    coding::PutFixed32(out, granule.decoded_bytes);
    coding::PutFixed32(out, crc32c::Mask(granule.checksum));
    PutU8(out, static_cast<uint8_t>(granule.encoding));
    PutU8(out, static_cast<uint8_t>(granule.codec));
    uint8_t granule_flags = 0;
    if (granule.has_nan) granule_flags |= kGranuleHasNan;
    if (granule.all_nan) granule_flags |= kGranuleAllNan;
    if (granule.min_truncated) granule_flags |= kGranuleMinTruncated;
    if (granule.max_truncated) granule_flags |= kGranuleMaxTruncated;
    PutU8(out, granule_flags);
    AppendValue(type, granule.min, out);
    AppendValue(type, granule.max, out);
    if (IsNumericInteger(type)) {
      auto sum = static_cast<unsigned __int128>(granule.integer_sum);
      coding::PutFixed64(out, static_cast<uint64_t>(sum));
      coding::PutFixed64(out, static_cast<uint64_t>(sum >> 64));
    } else if (type == ColumnType::kFloat64) {
      uint64_t bits;
      std::memcpy(&bits, &granule.float_sum, 8);
      coding::PutFixed64(out, bits);
    }
  }
}

namespace {

Status ParseDictionaryLocation(ByteReader* reader, uint64_t index_offset,
                               DictionaryLocation* dictionary) {
  uint8_t codec;
  uint32_t masked_checksum;
  if (!reader->U64(&dictionary->offset) || !reader->U32(&dictionary->stored_bytes) ||
      !reader->U32(&dictionary->decoded_bytes) || !reader->U32(&dictionary->entries) ||
      !reader->U8(&codec) || !reader->U32(&masked_checksum)) {
    return Status::Corruption("index truncated");
  }
  dictionary->checksum = crc32c::Unmask(masked_checksum);
  if (!IsValidCodec(codec)) {
    return Status::Corruption("codec " + std::to_string(codec) + " is unknown");
  }
  dictionary->codec = static_cast<GranuleCodec>(codec);
  if (dictionary->offset != kHeaderBytes ||
      dictionary->stored_bytes > index_offset - kHeaderBytes) {
    return Status::Corruption("location is outside the data region");
  }
  if (dictionary->entries == 0 || dictionary->entries > kMaxDictionaryEntries) {
    return Status::Corruption(std::to_string(dictionary->entries) + " entries is outside 1.." +
                              std::to_string(kMaxDictionaryEntries));
  }
  if ((dictionary->codec == GranuleCodec::kNone &&
       dictionary->decoded_bytes != dictionary->stored_bytes) ||
      dictionary->decoded_bytes >
          MaxDecodedGranuleBytes(ColumnType::kString, dictionary->entries)) {
    return Status::Corruption("decoded size " + std::to_string(dictionary->decoded_bytes) +
                              " is not valid");
  }
  return Status::Ok();
}

// Parses one granule entry that must start at `expected_offset` and end by
// `index_offset`.
Status ParseGranuleEntry(const ColumnFileHeader& header, ByteReader* reader,
                         uint64_t expected_offset, uint64_t index_offset, GranuleInfo* granule) {
  const ColumnType type = header.type;
  const Status truncated = Status::Corruption("index truncated");
  uint32_t masked_checksum;
  uint8_t encoding, codec, flags;
  if (!reader->U64(&granule->offset) || !reader->U32(&granule->rows) ||
      !reader->U32(&granule->stored_bytes) || !reader->U32(&granule->decoded_bytes) ||
      !reader->U32(&masked_checksum) || !reader->U8(&encoding) || !reader->U8(&codec) ||
      !reader->U8(&flags)) {
    return truncated;
  }
  granule->checksum = crc32c::Unmask(masked_checksum);
  if (granule->offset != expected_offset ||
      granule->stored_bytes > index_offset - expected_offset) {
    return Status::Corruption("stored at [" + std::to_string(granule->offset) + ", +" +
                              std::to_string(granule->stored_bytes) + "), expected to start at " +
                              std::to_string(expected_offset) + " and end by " +
                              std::to_string(index_offset));
  }
  if (granule->rows == 0 || granule->rows > header.granule_rows) {
    return Status::Corruption(std::to_string(granule->rows) + " rows is outside 1.." +
                              std::to_string(header.granule_rows));
  }
  if (!IsValidGranuleEncoding(header, static_cast<GranuleEncoding>(encoding))) {
    return Status::Corruption("encoding " + std::to_string(encoding) + " is not valid for a " +
                              std::string(ColumnTypeName(type)) + " column");
  }
  if (!IsValidCodec(codec)) {
    return Status::Corruption("codec " + std::to_string(codec) + " is unknown");
  }
  granule->encoding = static_cast<GranuleEncoding>(encoding);
  granule->codec = static_cast<GranuleCodec>(codec);
  if ((granule->codec == GranuleCodec::kNone && granule->decoded_bytes != granule->stored_bytes) ||
      granule->decoded_bytes > MaxDecodedGranuleBytes(type, granule->rows)) {
    return Status::Corruption("decoded size " + std::to_string(granule->decoded_bytes) +
                              " is not valid");
  }
  granule->has_nan = (flags & kGranuleHasNan) != 0;
  granule->all_nan = (flags & kGranuleAllNan) != 0;
  granule->min_truncated = (flags & kGranuleMinTruncated) != 0;
  granule->max_truncated = (flags & kGranuleMaxTruncated) != 0;
  if ((flags & ~kGranuleFlagsMask) != 0 ||
      ((granule->has_nan || granule->all_nan) && type != ColumnType::kFloat64) ||
      (granule->all_nan && !granule->has_nan) ||
      ((granule->min_truncated || granule->max_truncated) && type != ColumnType::kString)) {
    return Status::Corruption("flags " + std::to_string(flags) + " are not valid");
  }
  RETURN_IF_ERROR(ReadValue(type, reader, &granule->min));
  RETURN_IF_ERROR(ReadValue(type, reader, &granule->max));
  if (IsNumericInteger(type)) {
    uint64_t low, high;
    if (!reader->U64(&low) || !reader->U64(&high)) return truncated;
    granule->integer_sum = static_cast<Int128>((static_cast<unsigned __int128>(high) << 64) | low);
  } else if (type == ColumnType::kFloat64) {
    uint64_t bits;
    if (!reader->U64(&bits)) return truncated;
    std::memcpy(&granule->float_sum, &bits, 8);
  }
  return Status::Ok();
}

}  // namespace

Status ParseIndex(const ColumnFileHeader& header, const uint8_t* data, size_t size,
                  uint64_t index_offset, ColumnFileIndex* index) {
  const ColumnType type = header.type;
  ByteReader reader(data, size);
  uint32_t granule_count;
  uint8_t flags;
  if (!reader.U64(&index->rows) || !reader.U64(&index->raw_bytes) || !reader.U32(&granule_count) ||
      !reader.U8(&flags)) {
    return Status::Corruption("index truncated");
  }
  index->has_nan = (flags & kFileHasNan) != 0;
  index->min_truncated = (flags & kFileMinTruncated) != 0;
  index->max_truncated = (flags & kFileMaxTruncated) != 0;
  if ((flags & ~kFileFlagsMask) != 0 || (index->has_nan && type != ColumnType::kFloat64) ||
      ((index->min_truncated || index->max_truncated) &&
       (type != ColumnType::kString || (flags & kFileHasMinMax) == 0))) {
    return Status::Corruption("index file flags " + std::to_string(flags) + " are not valid");
  }
  if ((flags & kFileHasMinMax) != 0) {
    Value minimum, maximum;
    RETURN_IF_ERROR(ReadValue(type, &reader, &minimum));
    RETURN_IF_ERROR(ReadValue(type, &reader, &maximum));
    index->min = std::move(minimum);
    index->max = std::move(maximum);
  }

  uint64_t expected_offset = kHeaderBytes;
  if (header.file_encoding == FileEncoding::kDictionary) {
    DictionaryLocation dictionary;
    RETURN_IF_ERROR(
        ParseDictionaryLocation(&reader, index_offset, &dictionary).WithContext("dictionary"));
    expected_offset += dictionary.stored_bytes;
    index->dictionary = dictionary;
  }

  // Every entry takes at least 27 fixed bytes: refuse counts the index
  // cannot hold before allocating for them.
  constexpr size_t kMinimumEntryBytes = 8 + 4 * 4 + 3;
  if (granule_count > reader.remaining() / kMinimumEntryBytes) {
    return Status::Corruption("index claims " + std::to_string(granule_count) +
                              " granules in " + std::to_string(size) + " bytes");
  }
  index->granules.clear();
  index->granules.reserve(granule_count);
  uint64_t first_row = 0;
  for (uint32_t number = 0; number < granule_count; ++number) {
    GranuleInfo granule;
    Status status = ParseGranuleEntry(header, &reader, expected_offset, index_offset, &granule);
    if (!status.ok()) return status.WithContext("granule " + std::to_string(number));
    granule.first_row = first_row;
    expected_offset += granule.stored_bytes;
    first_row += granule.rows;
    index->granules.push_back(std::move(granule));
  }
  if (reader.remaining() != 0) {
    return Status::Corruption(std::to_string(reader.remaining()) +
                              " unexpected bytes after the last index entry");
  }
  if (expected_offset != index_offset) {
    return Status::Corruption("granules end at " + std::to_string(expected_offset) +
                              " but the index starts at " + std::to_string(index_offset));
  }
  if (first_row != index->rows) {
    return Status::Corruption("granules hold " + std::to_string(first_row) +
                              " rows but the index says " + std::to_string(index->rows));
  }
  return Status::Ok();
}

}  // namespace backtrace::column
