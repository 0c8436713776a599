// Encodings of float64 runs. Decimal stores each value v as the integer
// k = v * 10^e when k / 10^e reproduces v bit for bit (prices, sizes and
// other decimal data), as an integer sequence, with the values that do not
// fit (NaN, infinities, -0.0, values with more digits) kept verbatim as
// exceptions. Byte shuffle groups byte k of every value together so that
// zstd finds the repetition in signs, exponents and high mantissa bytes.
// docs/column_file_format.md gives the byte layouts.
//
// Decoding is exact: every value comes back with its original bit pattern.
// Stateless apart from a per-thread scratch buffer; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/base/status.h"

namespace backtrace::column {

// Appends the decimal encoding of values[0, count) to *out and returns true,
// or leaves *out unchanged and returns false when the values are not decimal
// enough for it to beat 8 bytes per value.
bool EncodeDecimal(const double* values, size_t count, std::string* out);

// Decodes exactly `size` bytes of a decimal payload of `count` values into
// out[0, count). Malformed input is kCorruption naming what was wrong.
Status DecodeDecimal(const uint8_t* data, size_t size, size_t count, double* out);

// Appends the 8 * count byte-shuffled bytes of values[0, count) to *out.
void EncodeByteShuffle(const double* values, size_t count, std::string* out);

// Decodes exactly `size` bytes (which must be 8 * count) into out[0, count).
Status DecodeByteShuffle(const uint8_t* data, size_t size, size_t count, double* out);

}  // namespace backtrace::column
