// Encodings of string runs: plain (an integer sequence of lengths, then the
// bytes back to back) and a per-file dictionary of distinct values sorted
// byte-wise, so that code order is value order and a granule stores only
// small integer codes. docs/column_file_format.md gives the byte layouts.
//
// Stateless apart from a per-thread scratch buffer; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/schema/column_vector.h"

namespace backtrace::column {

// Appends the plain encoding of values [begin, end) to *out.
void EncodePlainStrings(const StringValues& values, size_t begin, size_t end, std::string* out);

// Decodes exactly `size` bytes holding `count` plain-encoded strings and
// appends them to *out. Malformed input (lengths beyond kMaxStringBytes or
// not matching the bytes present) is kCorruption; more than 4 GiB of string
// bytes in *out is kResourceExhausted. On error *out is unchanged.
Status DecodePlainStrings(const uint8_t* data, size_t size, size_t count, StringValues* out);

struct StringDictionary {
  StringValues entries;  // distinct values, strictly increasing byte-wise
  // Each row's value in order of first appearance, and the code (index in
  // `entries`) of each first appearance.
  std::vector<uint32_t> row_values;
  std::vector<uint32_t> code_of_value;

  // The dictionary code of row `row` of the column.
  uint32_t code(size_t row) const { return code_of_value[row_values[row]]; }
};

// Builds the dictionary of `values` when they hold at most
// kMaxDictionaryEntries distinct strings and the dictionary plus codes are
// estimated smaller than the plain encoding; nullopt otherwise.
std::optional<StringDictionary> BuildStringDictionary(const StringValues& values);

}  // namespace backtrace::column
