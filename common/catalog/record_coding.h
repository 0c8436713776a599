// Building blocks of the catalog's value encodings: a bounds-checked reader
// over a byte string and the CRC32C trailer that seals block, table and
// state values (docs/catalog_format.md, "Sealed values").
//
// Stateless helpers and a reader over borrowed bytes; one thread per reader.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace backtrace::catalog_record {

// Appends the masked CRC32C of *value (fixed32, little-endian).
void Seal(std::string* value);

// Checks the trailer of a sealed value and returns the bytes before it.
// kCorruption naming `what` when the value is shorter than the trailer or the
// checksum does not match.
[[nodiscard]] Result<std::string_view> Unseal(std::string_view value, std::string_view what);

// Reads fields front to back; every getter returns false instead of reading
// past the end.
class Reader {
 public:
  explicit Reader(std::string_view bytes)
      : cursor_(reinterpret_cast<const uint8_t*>(bytes.data())), limit_(cursor_ + bytes.size()) {}

  bool GetByte(uint8_t* value);
  bool GetFixed32(uint32_t* value);
  bool GetFixed64(uint64_t* value);
  bool GetVarint(uint64_t* value);
  // A varint length followed by that many bytes, at most max_size.
  bool GetLengthPrefixed(size_t max_size, std::string_view* value);

  size_t remaining() const { return static_cast<size_t>(limit_ - cursor_); }

 private:
  const uint8_t* cursor_;
  const uint8_t* limit_;
};

void PutLengthPrefixed(std::string* destination, std::string_view value);

}  // namespace backtrace::catalog_record
