// Little-endian fixed-width and varint encoding of integers, used by every
// on-disk and wire format of BacktraceDB. All formats are little-endian
// whatever the host; loads and stores go through memcpy, so unaligned
// pointers are fine.
//
// Stateless; callable from any thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace backtrace::coding {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "BacktraceDB formats are little-endian; a big-endian port needs byte swaps here");

inline void EncodeFixed16(uint8_t* destination, uint16_t value) { std::memcpy(destination, &value, 2); }
inline void EncodeFixed32(uint8_t* destination, uint32_t value) { std::memcpy(destination, &value, 4); }
inline void EncodeFixed64(uint8_t* destination, uint64_t value) { std::memcpy(destination, &value, 8); }

inline uint16_t DecodeFixed16(const uint8_t* source) {
  uint16_t value;
  std::memcpy(&value, source, 2);
  return value;
}
inline uint32_t DecodeFixed32(const uint8_t* source) {
  uint32_t value;
  std::memcpy(&value, source, 4);
  return value;
}
inline uint64_t DecodeFixed64(const uint8_t* source) {
  uint64_t value;
  std::memcpy(&value, source, 8);
  return value;
}

inline void PutFixed32(std::string* destination, uint32_t value) {
  uint8_t bytes[4];
  EncodeFixed32(bytes, value);
  destination->append(reinterpret_cast<const char*>(bytes), 4);
}
inline void PutFixed64(std::string* destination, uint64_t value) {
  uint8_t bytes[8];
  EncodeFixed64(bytes, value);
  destination->append(reinterpret_cast<const char*>(bytes), 8);
}

// Big-endian 64-bit encoding: keys whose byte order must equal numeric order
// (RocksDB compares keys bytewise).
inline void PutBigEndian64(std::string* destination, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    destination->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}
inline uint64_t DecodeBigEndian64(const uint8_t* source) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | source[i];
  return value;
}

// Maps a signed integer to an unsigned one whose order equals the signed
// order (flip the sign bit), for order-preserving keys.
inline uint64_t OrderPreservingFromSigned(int64_t value) {
  return static_cast<uint64_t>(value) ^ (uint64_t{1} << 63);
}
inline int64_t SignedFromOrderPreserving(uint64_t value) {
  return static_cast<int64_t>(value ^ (uint64_t{1} << 63));
}

// Unsigned LEB128 varints.
inline void PutVarint64(std::string* destination, uint64_t value) {
  while (value >= 0x80) {
    destination->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  destination->push_back(static_cast<char>(value));
}

// Decodes a varint from [*cursor, limit); advances *cursor. Returns false on
// truncated or over-long input.
inline bool GetVarint64(const uint8_t** cursor, const uint8_t* limit, uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && *cursor < limit; shift += 7) {
    uint8_t byte = *(*cursor)++;
    if (shift == 63 && byte > 1) return false;
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return true;
    }
  }
  return false;
}

// Zig-zag maps signed integers to unsigned so that small magnitudes encode
// small.
inline uint64_t ZigZagEncode(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}
inline int64_t ZigZagDecode(uint64_t value) {
  return static_cast<int64_t>(value >> 1) ^ -static_cast<int64_t>(value & 1);
}

}  // namespace backtrace::coding
