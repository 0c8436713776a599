// PlanIntegers (declared in integer_encoding.h): measures a run of integers
// and picks the encoding, frame and patches with the smallest body.
#include <algorithm>
#include <functional>
#include <vector>

#include "common/column/bit_packing.h"
#include "common/column/exact_divisor.h"
#include "common/column/integer_encoding.h"

namespace backtrace::column {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;

// A key whose unsigned order is the values' order.
inline uint64_t OrderKey(uint64_t value, bool is_signed) {
  return is_signed ? value ^ kSignBit : value;
}

// The frame part of a plan: how values[0, count) are bit-packed, and what
// that costs (packed bytes plus the patch list).
struct Frame {
  uint64_t base = 0;
  uint64_t scale = 1;
  unsigned width = 0;
  uint64_t lower_key = 0;
  uint64_t upper_key = ~uint64_t{0};
  size_t patches = 0;
  size_t bytes = 0;
  bool valid = false;
};

// The frame with the fewest bytes over values[0, count), count >= 1: values
// with keys in [lower_key, upper_key] are packed as (value - base) / scale,
// base being the value of lower_key; the up to kMaxIntegerPatches others are
// patches. Lower and upper are chosen among the few smallest and largest
// values, so one jump in a sorted run or one outlier does not widen every
// value.
Frame PlanFrame(const uint64_t* values, size_t count, bool is_signed) {
  constexpr size_t kKept = kMaxIntegerPatches + 1;
  // The kKept smallest keys ascending and largest descending.
  uint64_t smallest[kKept], largest[kKept];
  size_t kept = 0;
  for (size_t i = 0; i < count; ++i) {
    uint64_t key = OrderKey(values[i], is_signed);
    if (kept < kKept) {
      size_t j = kept;
      for (; j > 0 && smallest[j - 1] > key; --j) smallest[j] = smallest[j - 1];
      smallest[j] = key;
      j = kept;
      for (; j > 0 && largest[j - 1] < key; --j) largest[j] = largest[j - 1];
      largest[j] = key;
      ++kept;
      continue;
    }
    if (key < smallest[kKept - 1]) {
      size_t j = kKept - 1;
      for (; j > 0 && smallest[j - 1] > key; --j) smallest[j] = smallest[j - 1];
      smallest[j] = key;
    }
    if (key > largest[kKept - 1]) {
      size_t j = kKept - 1;
      for (; j > 0 && largest[j - 1] < key; --j) largest[j] = largest[j - 1];
      largest[j] = key;
    }
  }
  // The common divisor of the differences from the minimum (true, non-
  // negative differences) also divides the differences between any two
  // values, so it serves every choice of base. Patched values take part in
  // it too; that only ever makes the scale smaller.
  const uint64_t minimum = is_signed ? smallest[0] ^ kSignBit : smallest[0];
  const uint64_t scale = CommonDivisor(values, count, minimum);

  Frame best;
  for (size_t low = 0; low < kept; ++low) {
    for (size_t high = 0; low + high <= kMaxIntegerPatches && high < kept; ++high) {
      uint64_t lower = smallest[low], upper = largest[high];
      if (lower > upper) continue;
      // Values below `lower` are exactly the entries before its first
      // occurrence among the smallest; likewise above `upper`.
      size_t below = static_cast<size_t>(std::lower_bound(smallest, smallest + low, lower) -
                                         smallest);
      size_t above = static_cast<size_t>(
          std::lower_bound(largest, largest + high, upper, std::greater<uint64_t>()) - largest);
      unsigned width = BitWidth((upper - lower) / scale);
      if (width > kMaxPackedBitWidth) continue;
      size_t patches = below + above;
      size_t bytes = PackedBytes(count, width) +
                     (patches == 0 ? 0 : kPatchCountBytes + patches * kPatchBytes);
      if (!best.valid || bytes < best.bytes) {
        best.base = is_signed ? lower ^ kSignBit : lower;
        best.scale = scale;
        best.width = width;
        best.lower_key = lower;
        best.upper_key = upper;
        best.patches = patches;
        best.bytes = bytes;
        best.valid = true;
      }
    }
  }
  return best;
}

}  // namespace

IntegerPlan PlanIntegers(const uint64_t* values, size_t count, bool is_signed) {
  IntegerPlan best;
  best.encoding = IntegerEncoding::kPlain;
  best.body_bytes = 8 * count;
  if (count == 0) return best;

  auto consider = [&best](IntegerEncoding encoding, bool frame_is_signed, const Frame& frame,
                          size_t header_bytes) {
    if (!frame.valid || header_bytes + frame.bytes >= best.body_bytes) return;
    best.encoding = encoding;
    best.is_signed = frame_is_signed;
    best.base = frame.base;
    best.scale = frame.scale;
    best.width = frame.width;
    best.lower_key = frame.lower_key;
    best.upper_key = frame.upper_key;
    best.patches = frame.patches;
    best.body_bytes = header_bytes + frame.bytes;
  };
  consider(IntegerEncoding::kFrameOfReference, is_signed, PlanFrame(values, count, is_signed),
           kFrameOfReferenceHeaderBytes);
  if (count >= 2) {
    // Deltas are ordered as signed numbers whatever the column's type, so
    // that a falling run has small negative deltas rather than huge ones.
    std::vector<uint64_t> deltas(count - 1);
    for (size_t i = 0; i + 1 < count; ++i) deltas[i] = values[i + 1] - values[i];
    consider(IntegerEncoding::kDelta, true, PlanFrame(deltas.data(), count - 1, true),
             kDeltaHeaderBytes);
  }
  return best;
}

}  // namespace backtrace::column
