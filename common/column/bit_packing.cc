#include "common/column/bit_packing.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "common/column/column_file_format.h"

namespace backtrace::column {
namespace {

inline uint64_t Load64(const uint8_t* source) {
  uint64_t value;
  std::memcpy(&value, source, 8);
  return value;
}

// Reads the `width`-bit value that starts at stream bit `bit`, touching only
// bytes below `size`.
inline uint64_t ReadBitsSafely(const uint8_t* in, size_t size, uint64_t bit, unsigned width) {
  size_t byte = static_cast<size_t>(bit / 8);
  unsigned shift = static_cast<unsigned>(bit % 8);
  uint64_t word = 0;
  size_t available = size - byte < 8 ? size - byte : 8;
  std::memcpy(&word, in + byte, available);
  return (word >> shift) & ((uint64_t{1} << width) - 1);
}

// Writes out[i] = base + value_i * scale, or with kPrefixSum the running
// total start + sum over j <= i of (base + value_j * scale).
template <unsigned kWidth, bool kPrefixSum>
void UnpackWidth(const uint8_t* in, size_t count, uint64_t base, uint64_t scale, uint64_t start,
                 uint64_t* out) {
  constexpr uint64_t kMask = (uint64_t{1} << kWidth) - 1;
  const size_t size = PackedBytes(count, kWidth);
  const size_t groups = count / 8;
  uint64_t running = start;
  auto emit = [&](uint64_t* destination, uint64_t packed) {
    uint64_t value = base + packed * scale;
    if constexpr (kPrefixSum) {
      running += value;
      *destination = running;
    } else {
      *destination = value;
    }
  };
  size_t group = 0;
  if constexpr (kWidth > 0) {
    // Group g starts at byte g * kWidth; its last load begins at byte
    // g * kWidth + (7 * kWidth) / 8 and reads 8 bytes.
    constexpr size_t kGroupReach = (7 * kWidth) / 8 + 8;
    const size_t fast_groups =
        size >= kGroupReach ? std::min(groups, (size - kGroupReach) / kWidth + 1) : 0;
    for (; group < fast_groups; ++group) {
      const uint8_t* source = in + group * kWidth;
      uint64_t* destination = out + group * 8;
      [&]<size_t... kIndex>(std::index_sequence<kIndex...>) {
        (emit(destination + kIndex,
              (Load64(source + (kIndex * kWidth) / 8) >> ((kIndex * kWidth) % 8)) & kMask),
         ...);
      }(std::make_index_sequence<8>());
    }
    for (size_t i = group * 8; i < count; ++i) {
      emit(out + i, ReadBitsSafely(in, size, static_cast<uint64_t>(i) * kWidth, kWidth));
    }
  } else {
    for (size_t i = 0; i < count; ++i) emit(out + i, 0);
  }
}

using Unpacker = void (*)(const uint8_t*, size_t, uint64_t, uint64_t, uint64_t, uint64_t*);

template <bool kPrefixSum, size_t... kWidths>
constexpr std::array<Unpacker, sizeof...(kWidths)> MakeUnpackers(std::index_sequence<kWidths...>) {
  return {&UnpackWidth<kWidths, kPrefixSum>...};
}

constexpr auto kUnpackers =
    MakeUnpackers<false>(std::make_index_sequence<kMaxPackedBitWidth + 1>());
constexpr auto kPrefixSumUnpackers =
    MakeUnpackers<true>(std::make_index_sequence<kMaxPackedBitWidth + 1>());

}  // namespace

void PackBits(const uint64_t* values, size_t count, unsigned width, std::string* out) {
  if (width == 0 || count == 0) return;
  const size_t bytes = PackedBytes(count, width);
  const size_t start = out->size();
  out->resize(start + bytes);
  auto* destination = reinterpret_cast<uint8_t*>(out->data() + start);
  // Values are gathered in a 64-bit accumulator that is stored whole when
  // full; the bits of a value that do not fit start the next word.
  uint64_t accumulator = 0;
  unsigned filled = 0;
  size_t written = 0;
  for (size_t i = 0; i < count; ++i) {
    uint64_t value = values[i];
    accumulator |= value << filled;
    filled += width;
    if (filled >= 64) {
      std::memcpy(destination + written, &accumulator, 8);
      written += 8;
      filled -= 64;
      accumulator = filled == 0 ? 0 : value >> (width - filled);
    }
  }
  for (; written < bytes; ++written, accumulator >>= 8) {
    destination[written] = static_cast<uint8_t>(accumulator);
  }
}

void UnpackBits(const uint8_t* in, size_t count, unsigned width, uint64_t base, uint64_t scale,
                uint64_t* out) {
  kUnpackers[width](in, count, base, scale, 0, out);
}

uint64_t ReadPackedValue(const uint8_t* in, size_t count, unsigned width, size_t index) {
  if (width == 0) return 0;
  return ReadBitsSafely(in, PackedBytes(count, width), static_cast<uint64_t>(index) * width,
                        width);
}

void UnpackPrefixSums(const uint8_t* in, size_t count, unsigned width, uint64_t base,
                      uint64_t scale, uint64_t start, uint64_t* out) {
  kPrefixSumUnpackers[width](in, count, base, scale, start, out);
}

}  // namespace backtrace::column
