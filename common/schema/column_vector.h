// ColumnVector: the in-memory values of one column for a run of rows. It is
// the unit that batches, hot blocks, column-file writers and query results
// exchange.
//
// Fixed-width types keep a contiguous std::vector of values (int64 and
// timestamp: int64_t, uint64: uint64_t, float64: double). Strings use the
// Arrow-style layout: `bytes` holds every value back to back and `offsets`
// has row_count + 1 entries, value i being bytes[offsets[i], offsets[i+1]).
//
// A ColumnVector owns its memory. Not synchronised: one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/schema/column_type.h"

namespace backtrace {

struct StringValues {
  std::vector<uint32_t> offsets{0};
  std::string bytes;

  size_t size() const { return offsets.size() - 1; }
  std::string_view at(size_t row) const {
    return std::string_view(bytes).substr(offsets[row], offsets[row + 1] - offsets[row]);
  }
  void push_back(std::string_view value) {
    bytes.append(value);
    offsets.push_back(static_cast<uint32_t>(bytes.size()));
  }
  void clear() {
    offsets.assign(1, 0);
    bytes.clear();
  }
};

class ColumnVector {
 public:
  explicit ColumnVector(ColumnType type);

  ColumnType type() const { return type_; }
  size_t size() const;

  // Typed access; the caller must ask for the type's storage (int64s() for
  // kInt64 and kTimestamp, uint64s() for kUInt64, float64s() for kFloat64,
  // strings() for kString). Asking for another is a bug and aborts.
  std::vector<int64_t>& int64s() { return std::get<std::vector<int64_t>>(values_); }
  const std::vector<int64_t>& int64s() const { return std::get<std::vector<int64_t>>(values_); }
  std::vector<uint64_t>& uint64s() { return std::get<std::vector<uint64_t>>(values_); }
  const std::vector<uint64_t>& uint64s() const { return std::get<std::vector<uint64_t>>(values_); }
  std::vector<double>& float64s() { return std::get<std::vector<double>>(values_); }
  const std::vector<double>& float64s() const { return std::get<std::vector<double>>(values_); }
  StringValues& strings() { return std::get<StringValues>(values_); }
  const StringValues& strings() const { return std::get<StringValues>(values_); }

  // The value of one row as a Value.
  Value ValueAt(size_t row) const;
  // Appends a value of the column's type (int64_t for timestamps). A value of
  // another alternative is a bug and aborts.
  void Append(const Value& value);
  void Clear();
  void Reserve(size_t rows);
  // Bytes of payload held (8 per fixed-width value; string bytes + 4 per row).
  size_t ByteSize() const;

 private:
  ColumnType type_;
  std::variant<std::vector<int64_t>, std::vector<uint64_t>, std::vector<double>, StringValues>
      values_;
};

}  // namespace backtrace
