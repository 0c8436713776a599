// Bit-packing of unsigned integers: value i of a run occupies bits
// [i * width, (i + 1) * width) of a little-endian bit stream (bit k of the
// stream is bit k % 8 of byte k / 8), least significant bit first. Widths are
// 0..kMaxPackedBitWidth; width 0 takes no bytes and decodes to zeros.
//
// Unpacking is the hot loop of every integer decode, so it is specialised per
// width: each group of eight values starts on a byte boundary and all shifts
// inside a group are compile-time constants.
//
// Stateless; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace backtrace::column {

// Bytes that `count` values of `width` bits occupy.
inline size_t PackedBytes(size_t count, unsigned width) {
  return static_cast<size_t>((static_cast<uint64_t>(count) * width + 7) / 8);
}

// Number of bits needed to hold `value` (0 for 0).
inline unsigned BitWidth(uint64_t value) {
  return value == 0 ? 0 : 64 - static_cast<unsigned>(__builtin_clzll(value));
}

// Appends the packed form of values[0, count) to *out. Every value must be
// below 2^width and width at most kMaxPackedBitWidth.
void PackBits(const uint64_t* values, size_t count, unsigned width, std::string* out);

// Reads `count` values of `width` bits (width at most kMaxPackedBitWidth)
// from in[0, PackedBytes(count, width)) and writes base + value * scale
// (modulo 2^64) to out[0, count). Reads no byte outside that range.
void UnpackBits(const uint8_t* in, size_t count, unsigned width, uint64_t base, uint64_t scale,
                uint64_t* out);

// The value at `index` (below count) of `count` values of `width` bits
// packed in in[0, PackedBytes(count, width)).
uint64_t ReadPackedValue(const uint8_t* in, size_t count, unsigned width, size_t index);

// Like UnpackBits, but writes running sums: out[i] = start + the sum over
// j <= i of (base + value_j * scale), modulo 2^64 (the decoding of deltas).
void UnpackPrefixSums(const uint8_t* in, size_t count, unsigned width, uint64_t base,
                      uint64_t scale, uint64_t start, uint64_t* out);

}  // namespace backtrace::column
