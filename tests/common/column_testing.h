// Helpers shared by the column file tests: bit-exact comparison of column
// vectors and makers of columns from plain C++ values.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/schema/column_vector.h"

namespace backtrace::column::testing {

inline uint64_t DoubleBits(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, 8);
  return bits;
}

// Compares two columns value by value; float64 values must match bit for
// bit (NaN payloads and the sign of zero included).
inline ::testing::AssertionResult SameColumn(const ColumnVector& actual,
                                             const ColumnVector& expected) {
  if (actual.type() != expected.type()) return ::testing::AssertionFailure() << "types differ";
  if (actual.size() != expected.size()) {
    return ::testing::AssertionFailure()
           << "sizes differ: " << actual.size() << " vs " << expected.size();
  }
  switch (expected.type()) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      for (size_t i = 0; i < expected.size(); ++i) {
        if (actual.int64s()[i] != expected.int64s()[i]) {
          return ::testing::AssertionFailure() << "row " << i << ": " << actual.int64s()[i]
                                               << " vs " << expected.int64s()[i];
        }
      }
      break;
    case ColumnType::kUInt64:
      for (size_t i = 0; i < expected.size(); ++i) {
        if (actual.uint64s()[i] != expected.uint64s()[i]) {
          return ::testing::AssertionFailure() << "row " << i << ": " << actual.uint64s()[i]
                                               << " vs " << expected.uint64s()[i];
        }
      }
      break;
    case ColumnType::kFloat64:
      for (size_t i = 0; i < expected.size(); ++i) {
        if (DoubleBits(actual.float64s()[i]) != DoubleBits(expected.float64s()[i])) {
          return ::testing::AssertionFailure() << "row " << i << ": " << actual.float64s()[i]
                                               << " vs " << expected.float64s()[i];
        }
      }
      break;
    case ColumnType::kString:
      if (actual.strings().offsets != expected.strings().offsets) {
        return ::testing::AssertionFailure() << "string offsets differ";
      }
      if (actual.strings().bytes != expected.strings().bytes) {
        return ::testing::AssertionFailure() << "string bytes differ";
      }
      break;
  }
  return ::testing::AssertionSuccess();
}

inline ColumnVector MakeInt64s(ColumnType type, const std::vector<int64_t>& values) {
  ColumnVector column(type);
  column.int64s() = values;
  return column;
}

inline ColumnVector MakeUInt64s(const std::vector<uint64_t>& values) {
  ColumnVector column(ColumnType::kUInt64);
  column.uint64s() = values;
  return column;
}

inline ColumnVector MakeFloat64s(const std::vector<double>& values) {
  ColumnVector column(ColumnType::kFloat64);
  column.float64s() = values;
  return column;
}

inline ColumnVector MakeStrings(const std::vector<std::string>& values) {
  ColumnVector column(ColumnType::kString);
  for (const std::string& value : values) column.strings().push_back(value);
  return column;
}

}  // namespace backtrace::column::testing
