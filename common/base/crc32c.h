// CRC32C (Castagnoli polynomial, 0x82F63B78 reflected), the checksum of WAL
// records and column-file granules. Uses the SSE4.2 crc32 instruction when
// the CPU has it and a table-driven software path otherwise; both give the
// same values (the standard CRC-32C check value of "123456789" is 0xE3069283).
//
// Stateless; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace backtrace::crc32c {

// Returns the CRC32C of data[0, size) continuing from `initial` (the CRC of
// the bytes before them; 0 for a fresh checksum).
uint32_t Extend(uint32_t initial, const void* data, size_t size);

inline uint32_t Value(const void* data, size_t size) { return Extend(0, data, size); }

// A stored CRC of data that itself contains CRCs is masked so that it does
// not look like the CRC of the stored bytes (the LevelDB practice).
inline uint32_t Mask(uint32_t crc) {
  constexpr uint32_t kMaskDelta = 0xa282ead8u;
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

inline uint32_t Unmask(uint32_t masked) {
  constexpr uint32_t kMaskDelta = 0xa282ead8u;
  uint32_t rotated = masked - kMaskDelta;
  return (rotated >> 17) | (rotated << 15);
}

}  // namespace backtrace::crc32c
