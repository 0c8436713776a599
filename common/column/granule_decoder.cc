#include "common/column/granule_decoder.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "common/column/float_encoding.h"
#include "common/column/integer_encoding.h"
#include "common/column/string_encoding.h"

namespace backtrace::column {
namespace {

std::vector<uint64_t>& Scratch(size_t count) {
  thread_local std::vector<uint64_t> scratch;
  if (scratch.size() < count) scratch.resize(count);
  return scratch;
}

Status WrongEncoding(GranuleEncoding encoding, ColumnType type) {
  return Status::Corruption("encoding " + std::to_string(static_cast<unsigned>(encoding)) +
                            " is not valid for a " + std::string(ColumnTypeName(type)) +
                            " column");
}

Status TrailingBytes(size_t extra) {
  return Status::Corruption(std::to_string(extra) + " unexpected bytes after the values");
}

// Decodes an integer payload (plain, frame of reference or delta) that must
// fill payload[0, size) exactly.
Status DecodeIntegerPayload(GranuleEncoding encoding, const uint8_t* payload, size_t size,
                            size_t rows, uint64_t* out) {
  const uint8_t* cursor = payload;
  const uint8_t* limit = payload + size;
  RETURN_IF_ERROR(
      DecodeIntegerBody(static_cast<IntegerEncoding>(encoding), &cursor, limit, rows, out));
  if (cursor != limit) return TrailingBytes(static_cast<size_t>(limit - cursor));
  return Status::Ok();
}

// Decodes the codes of a kDictionary payload into scratch[0, rows); the
// caller checks them against the dictionary size.
Status DecodeCodes(const uint8_t* payload, size_t size, size_t rows, uint64_t* scratch) {
  const uint8_t* cursor = payload;
  const uint8_t* limit = payload + size;
  RETURN_IF_ERROR(DecodeIntegerSequence(&cursor, limit, rows, scratch));
  if (cursor != limit) return TrailingBytes(static_cast<size_t>(limit - cursor));
  return Status::Ok();
}

Status CodeBeyondDictionary(const uint64_t* codes, size_t rows, size_t entries) {
  size_t row = 0;
  while (row < rows && codes[row] < entries) ++row;
  return Status::Corruption("dictionary code " + std::to_string(row < rows ? codes[row] : 0) +
                            " at row " + std::to_string(row) + " is beyond the " +
                            std::to_string(entries) + " dictionary entries");
}

Status DecodeDictionaryStrings(const uint8_t* payload, size_t size, size_t rows,
                               const DecodingDictionary* dictionary, StringValues* out) {
  if (dictionary == nullptr) {
    return Status::Corruption("dictionary-encoded granule in a file without a dictionary");
  }
  // A local pointer: the scratch vector is thread_local, and the compiler
  // would otherwise reload it through the thread pointer after every store.
  uint64_t* codes = Scratch(rows).data();
  RETURN_IF_ERROR(DecodeCodes(payload, size, rows, codes));
  const size_t entries = dictionary->entries.size();
  const uint32_t* entry_offsets = dictionary->entries.offsets.data();
  uint64_t total = 0;
  bool beyond = false;
  for (size_t i = 0; i < rows; ++i) {
    bool valid = codes[i] < entries;
    beyond |= !valid;
    uint64_t code = valid ? codes[i] : 0;
    total += entry_offsets[code + 1] - entry_offsets[code];
  }
  if (beyond) return CodeBeyondDictionary(codes, rows, entries);
  if (out->bytes.size() + total > std::numeric_limits<uint32_t>::max()) {
    return Status::ResourceExhausted("more than 4 GiB of string bytes in one column vector");
  }
  const size_t old_rows = out->size();
  size_t position = out->bytes.size();
  const size_t end = position + total;
  out->offsets.resize(old_rows + 1 + rows);
  uint32_t* offsets = out->offsets.data() + old_rows + 1;
  const char* entry_bytes = dictionary->padded_bytes.data();
  if (dictionary->longest <= DecodingDictionary::kPadding) {
    // Short entries: copy a fixed 16 bytes each (the dictionary is padded,
    // and so is the output until the final resize) and advance by the
    // entry's length.
    out->bytes.resize(end + DecodingDictionary::kPadding);
    char* bytes = out->bytes.data();
    for (size_t i = 0; i < rows; ++i) {
      uint32_t begin = entry_offsets[codes[i]];
      std::memcpy(bytes + position, entry_bytes + begin, DecodingDictionary::kPadding);
      position += entry_offsets[codes[i] + 1] - begin;
      offsets[i] = static_cast<uint32_t>(position);
    }
  } else {
    out->bytes.resize(end);
    char* bytes = out->bytes.data();
    for (size_t i = 0; i < rows; ++i) {
      uint32_t begin = entry_offsets[codes[i]];
      uint32_t length = entry_offsets[codes[i] + 1] - begin;
      std::memcpy(bytes + position, entry_bytes + begin, length);
      position += length;
      offsets[i] = static_cast<uint32_t>(position);
    }
  }
  out->bytes.resize(end);
  return Status::Ok();
}

}  // namespace

DecodingDictionary::DecodingDictionary(StringValues values) : entries(std::move(values)) {
  padded_bytes = entries.bytes;
  padded_bytes.append(kPadding, '\0');
  for (size_t i = 0; i < entries.size(); ++i) {
    longest = std::max<size_t>(longest, entries.offsets[i + 1] - entries.offsets[i]);
  }
}

namespace {

template <typename T>
Status DecodeFixedWidth(GranuleEncoding encoding, const uint8_t* payload, size_t size,
                        size_t rows, ColumnType type, std::vector<T>* values) {
  const size_t old_size = values->size();
  values->resize(old_size + rows);
  T* target = values->data() + old_size;
  Status status;
  if (encoding == GranuleEncoding::kPlain) {
    if (size != 8 * rows) {
      status = Status::Corruption("plain payload of " + std::to_string(size) + " bytes for " +
                                  std::to_string(rows) + " rows");
    } else {
      if (size > 0) std::memcpy(target, payload, size);  // target is null for 0 rows
    }
  } else if constexpr (std::is_same_v<T, double>) {
    if (encoding == GranuleEncoding::kByteShuffle) {
      status = DecodeByteShuffle(payload, size, rows, target);
    } else if (encoding == GranuleEncoding::kDecimal) {
      status = DecodeDecimal(payload, size, rows, target);
    } else {
      status = WrongEncoding(encoding, type);
    }
  } else {
    if (encoding == GranuleEncoding::kFrameOfReference || encoding == GranuleEncoding::kDelta) {
      // int64_t and uint64_t may alias each other.
      status = DecodeIntegerPayload(encoding, payload, size, rows,
                                    reinterpret_cast<uint64_t*>(target));
    } else {
      status = WrongEncoding(encoding, type);
    }
  }
  if (!status.ok()) values->resize(old_size);
  return status;
}

}  // namespace

Status DecodeGranulePayload(GranuleEncoding encoding, const uint8_t* payload, size_t size,
                            size_t rows, const DecodingDictionary* dictionary,
                            ColumnVector* out) {
  const ColumnType type = out->type();
  switch (type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      return DecodeFixedWidth(encoding, payload, size, rows, type, &out->int64s());
    case ColumnType::kUInt64:
      return DecodeFixedWidth(encoding, payload, size, rows, type, &out->uint64s());
    case ColumnType::kFloat64:
      return DecodeFixedWidth(encoding, payload, size, rows, type, &out->float64s());
    case ColumnType::kString:
      if (encoding == GranuleEncoding::kPlainStrings) {
        return DecodePlainStrings(payload, size, rows, &out->strings());
      }
      if (encoding == GranuleEncoding::kDictionary) {
        return DecodeDictionaryStrings(payload, size, rows, dictionary, &out->strings());
      }
      return WrongEncoding(encoding, type);
  }
  return WrongEncoding(encoding, type);
}

Status DecodeDictionaryCodes(const uint8_t* payload, size_t size, size_t rows,
                             size_t dictionary_entries, std::vector<uint32_t>* codes) {
  uint64_t* scratch = Scratch(rows).data();
  RETURN_IF_ERROR(DecodeCodes(payload, size, rows, scratch));
  bool beyond = false;
  for (size_t i = 0; i < rows; ++i) beyond |= scratch[i] >= dictionary_entries;
  if (beyond) return CodeBeyondDictionary(scratch, rows, dictionary_entries);
  const size_t old_size = codes->size();
  codes->resize(old_size + rows);
  uint32_t* target = codes->data() + old_size;
  for (size_t i = 0; i < rows; ++i) target[i] = static_cast<uint32_t>(scratch[i]);
  return Status::Ok();
}

}  // namespace backtrace::column
