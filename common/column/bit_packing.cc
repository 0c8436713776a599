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

template <unsigned kWidth>
void UnpackWidth(const uint8_t* in, size_t count, uint64_t base, uint64_t scale, uint64_t* out) {
  constexpr uint64_t kMask = (uint64_t{1} << kWidth) - 1;
  const size_t size = PackedBytes(count, kWidth);
  const size_t groups = count / 8;
  size_t group = 0;
  // Group g starts at byte g * kWidth; its last load begins at byte
  // g * kWidth + (7 * kWidth) / 8 and reads 8 bytes.
  constexpr size_t kGroupReach = (7 * kWidth) / 8 + 8;
  const size_t fast_groups =
      size >= kGroupReach ? std::min(groups, (size - kGroupReach) / (kWidth == 0 ? 1 : kWidth) + 1)
                          : 0;
  for (; group < fast_groups; ++group) {
    const uint8_t* source = in + group * kWidth;
    uint64_t* destination = out + group * 8;
    [&]<size_t... kIndex>(std::index_sequence<kIndex...>) {
      ((destination[kIndex] =
            base + ((Load64(source + (kIndex * kWidth) / 8) >> ((kIndex * kWidth) % 8)) & kMask) *
                       scale),
       ...);
    }(std::make_index_sequence<8>());
  }
  for (size_t i = group * 8; i < count; ++i) {
    out[i] = base + ReadBitsSafely(in, size, static_cast<uint64_t>(i) * kWidth, kWidth) * scale;
  }
}

template <>
void UnpackWidth<0>(const uint8_t*, size_t count, uint64_t base, uint64_t, uint64_t* out) {
  for (size_t i = 0; i < count; ++i) out[i] = base;
}

using Unpacker = void (*)(const uint8_t*, size_t, uint64_t, uint64_t, uint64_t*);

template <size_t... kWidths>
constexpr std::array<Unpacker, sizeof...(kWidths)> MakeUnpackers(std::index_sequence<kWidths...>) {
  return {&UnpackWidth<kWidths>...};
}

constexpr auto kUnpackers = MakeUnpackers(std::make_index_sequence<kMaxPackedBitWidth + 1>());

}  // namespace

void PackBits(const uint64_t* values, size_t count, unsigned width, std::string* out) {
  if (width == 0 || count == 0) return;
  const size_t bytes = PackedBytes(count, width);
  const size_t start = out->size();
  // Eight bytes of slack let every value be merged with one 8-byte
  // read-modify-write; the slack stays zero and is cut off again.
  out->resize(start + bytes + 8, '\0');
  auto* destination = reinterpret_cast<uint8_t*>(out->data() + start);
  uint64_t bit = 0;
  for (size_t i = 0; i < count; ++i, bit += width) {
    uint8_t* word_address = destination + bit / 8;
    uint64_t word = Load64(word_address) | (values[i] << (bit % 8));
    std::memcpy(word_address, &word, 8);
  }
  out->resize(start + bytes);
}

void UnpackBits(const uint8_t* in, size_t count, unsigned width, uint64_t base, uint64_t scale,
                uint64_t* out) {
  kUnpackers[width](in, count, base, scale, out);
}

}  // namespace backtrace::column
