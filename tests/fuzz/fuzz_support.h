// Small helpers shared by the fuzz targets: a cursor that takes parameters
// (sizes, modes) from the front of the fuzz input, and an exact comparison
// of two columns.
//
// Plain values; one thread at a time.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "common/schema/column_vector.h"

namespace backtrace::fuzz {

// Reads parameters from the front of the input; past its end every read
// yields zero, so any input is usable.
class InputCursor {
 public:
  InputCursor(const uint8_t* data, size_t size)
      : bytes_(reinterpret_cast<const char*>(data), size) {}

  uint8_t Byte() {
    if (bytes_.empty()) return 0;
    uint8_t value = static_cast<uint8_t>(bytes_.front());
    bytes_.remove_prefix(1);
    return value;
  }
  uint16_t Word() {
    uint16_t low = Byte();
    return static_cast<uint16_t>(low | (Byte() << 8));
  }
  // The next `count` bytes (fewer at the end of the input).
  std::string_view Take(size_t count) {
    std::string_view taken = bytes_.substr(0, std::min(count, bytes_.size()));
    bytes_.remove_prefix(taken.size());
    return taken;
  }
  std::string_view rest() const { return bytes_; }

 private:
  std::string_view bytes_;
};

// Equal types and values; float64 compared bit for bit (NaN payloads
// included).
inline bool SameColumn(const ColumnVector& left, const ColumnVector& right) {
  if (left.type() != right.type() || left.size() != right.size()) return false;
  switch (left.type()) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp: return left.int64s() == right.int64s();
    case ColumnType::kUInt64: return left.uint64s() == right.uint64s();
    case ColumnType::kFloat64:
      return left.size() == 0 || std::memcmp(left.float64s().data(), right.float64s().data(),
                                             left.size() * sizeof(double)) == 0;
    case ColumnType::kString:
      return left.strings().offsets == right.strings().offsets &&
             left.strings().bytes == right.strings().bytes;
  }
  return false;
}

}  // namespace backtrace::fuzz
