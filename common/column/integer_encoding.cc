#include "common/column/integer_encoding.h"

#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "common/base/coding.h"
#include "common/column/bit_packing.h"

namespace backtrace::column {
namespace {

constexpr size_t kFrameOfReferenceHeaderBytes = 8 + 8 + 1;  // base, scale, width
constexpr size_t kDeltaHeaderBytes = 8 + 8 + 8 + 1;         // first, base, scale, width

// Exact division by a fixed divisor d = odd << shift with one multiply: for
// x divisible by d, x / d == (x >> shift) * inverse(odd) modulo 2^64, and x
// is divisible by odd exactly when (x * inverse) mod 2^64 <= (2^64-1) / odd.
class ExactDivisor {
 public:
  explicit ExactDivisor(uint64_t divisor) {
    shift_ = static_cast<unsigned>(__builtin_ctzll(divisor));
    uint64_t odd = divisor >> shift_;
    inverse_ = odd;  // correct to 3 bits; each Newton step doubles that
    for (int step = 0; step < 5; ++step) inverse_ *= 2 - odd * inverse_;
    limit_ = std::numeric_limits<uint64_t>::max() / odd;
    low_mask_ = (uint64_t{1} << shift_) - 1;
  }
  bool Divides(uint64_t value) const {
    return (value & low_mask_) == 0 && (value >> shift_) * inverse_ <= limit_;
  }
  uint64_t Quotient(uint64_t value) const { return (value >> shift_) * inverse_; }

 private:
  unsigned shift_;
  uint64_t inverse_;
  uint64_t limit_;
  uint64_t low_mask_;
};

// Greatest common divisor of (next(i) - base) over i in [0, count), or 1
// when every difference is zero. Stops as soon as the divisor reaches 1.
template <typename Next>
uint64_t CommonDivisor(size_t count, uint64_t base, Next next) {
  uint64_t divisor = 0;
  ExactDivisor exact(1);
  for (size_t i = 0; i < count; ++i) {
    uint64_t difference = next(i) - base;
    if (difference == 0) continue;
    if (divisor != 0 && exact.Divides(difference)) continue;
    divisor = std::gcd(divisor, difference);
    if (divisor == 1) return 1;
    exact = ExactDivisor(divisor);
  }
  return divisor == 0 ? 1 : divisor;
}

uint64_t ReadFixed64(const uint8_t* source) { return coding::DecodeFixed64(source); }

Status Short(const char* what, size_t needed, size_t available) {
  return Status::Corruption(std::string(what) + " needs " + std::to_string(needed) +
                            " bytes, " + std::to_string(available) + " remain");
}

}  // namespace

IntegerPlan PlanIntegers(const uint64_t* values, size_t count, bool is_signed) {
  IntegerPlan plain;
  plain.encoding = IntegerEncoding::kPlain;
  plain.body_bytes = 8 * count;
  if (count == 0) return plain;

  uint64_t minimum = values[0], maximum = values[0];
  int64_t minimum_delta = std::numeric_limits<int64_t>::max();
  int64_t maximum_delta = std::numeric_limits<int64_t>::min();
  if (is_signed) {
    int64_t signed_minimum = static_cast<int64_t>(values[0]), signed_maximum = signed_minimum;
    for (size_t i = 1; i < count; ++i) {
      int64_t value = static_cast<int64_t>(values[i]);
      signed_minimum = value < signed_minimum ? value : signed_minimum;
      signed_maximum = value > signed_maximum ? value : signed_maximum;
      int64_t delta = static_cast<int64_t>(values[i] - values[i - 1]);
      minimum_delta = delta < minimum_delta ? delta : minimum_delta;
      maximum_delta = delta > maximum_delta ? delta : maximum_delta;
    }
    minimum = static_cast<uint64_t>(signed_minimum);
    maximum = static_cast<uint64_t>(signed_maximum);
  } else {
    for (size_t i = 1; i < count; ++i) {
      minimum = values[i] < minimum ? values[i] : minimum;
      maximum = values[i] > maximum ? values[i] : maximum;
      int64_t delta = static_cast<int64_t>(values[i] - values[i - 1]);
      minimum_delta = delta < minimum_delta ? delta : minimum_delta;
      maximum_delta = delta > maximum_delta ? delta : maximum_delta;
    }
  }

  IntegerPlan best = plain;
  {
    IntegerPlan frame;
    frame.encoding = IntegerEncoding::kFrameOfReference;
    frame.base = minimum;
    uint64_t range = maximum - minimum;
    frame.scale = CommonDivisor(count, minimum, [values](size_t i) { return values[i]; });
    frame.width = BitWidth(range / frame.scale);
    frame.body_bytes = kFrameOfReferenceHeaderBytes + PackedBytes(count, frame.width);
    if (frame.width <= kMaxPackedBitWidth && frame.body_bytes < best.body_bytes) best = frame;
  }
  if (count >= 2) {
    IntegerPlan delta;
    delta.encoding = IntegerEncoding::kDelta;
    delta.base = static_cast<uint64_t>(minimum_delta);
    uint64_t range = static_cast<uint64_t>(maximum_delta) - static_cast<uint64_t>(minimum_delta);
    // Delta d_i = v_{i+1} - v_i for i in [0, count - 1).
    delta.scale = CommonDivisor(count - 1, delta.base,
                                [values](size_t i) { return values[i + 1] - values[i]; });
    delta.width = BitWidth(range / delta.scale);
    delta.body_bytes = kDeltaHeaderBytes + PackedBytes(count - 1, delta.width);
    if (delta.width <= kMaxPackedBitWidth && delta.body_bytes < best.body_bytes) best = delta;
  }
  return best;
}

void EncodeIntegerBody(const uint64_t* values, size_t count, const IntegerPlan& plan,
                       std::string* out) {
  switch (plan.encoding) {
    case IntegerEncoding::kPlain:
      out->append(reinterpret_cast<const char*>(values), 8 * count);
      return;
    case IntegerEncoding::kFrameOfReference: {
      coding::PutFixed64(out, plan.base);
      coding::PutFixed64(out, plan.scale);
      out->push_back(static_cast<char>(plan.width));
      std::vector<uint64_t> packed(count);
      ExactDivisor divisor(plan.scale);
      for (size_t i = 0; i < count; ++i) packed[i] = divisor.Quotient(values[i] - plan.base);
      PackBits(packed.data(), count, plan.width, out);
      return;
    }
    case IntegerEncoding::kDelta: {
      coding::PutFixed64(out, values[0]);
      coding::PutFixed64(out, plan.base);
      coding::PutFixed64(out, plan.scale);
      out->push_back(static_cast<char>(plan.width));
      std::vector<uint64_t> packed(count - 1);
      ExactDivisor divisor(plan.scale);
      for (size_t i = 0; i + 1 < count; ++i) {
        packed[i] = divisor.Quotient(values[i + 1] - values[i] - plan.base);
      }
      PackBits(packed.data(), count - 1, plan.width, out);
      return;
    }
  }
}

Status DecodeIntegerBody(IntegerEncoding encoding, const uint8_t** cursor, const uint8_t* limit,
                         size_t count, uint64_t* out) {
  const size_t available = static_cast<size_t>(limit - *cursor);
  const uint8_t* in = *cursor;
  switch (encoding) {
    case IntegerEncoding::kPlain: {
      if (available / 8 < count) return Short("plain integers", 8 * count, available);
      if (count > 0) std::memcpy(out, in, 8 * count);
      *cursor = in + 8 * count;
      return Status::Ok();
    }
    case IntegerEncoding::kFrameOfReference: {
      if (available < kFrameOfReferenceHeaderBytes) {
        return Short("frame-of-reference header", kFrameOfReferenceHeaderBytes, available);
      }
      uint64_t base = ReadFixed64(in);
      uint64_t scale = ReadFixed64(in + 8);
      unsigned width = in[16];
      if (scale == 0) return Status::Corruption("frame-of-reference scale is 0");
      if (width > kMaxPackedBitWidth) {
        return Status::Corruption("bit width " + std::to_string(width) + " exceeds " +
                                  std::to_string(kMaxPackedBitWidth));
      }
      size_t packed = PackedBytes(count, width);
      if (available - kFrameOfReferenceHeaderBytes < packed) {
        return Short("bit-packed integers", packed, available - kFrameOfReferenceHeaderBytes);
      }
      UnpackBits(in + kFrameOfReferenceHeaderBytes, count, width, base, scale, out);
      *cursor = in + kFrameOfReferenceHeaderBytes + packed;
      return Status::Ok();
    }
    case IntegerEncoding::kDelta: {
      if (count == 0) return Status::Corruption("delta encoding of zero values");
      if (available < kDeltaHeaderBytes) {
        return Short("delta header", kDeltaHeaderBytes, available);
      }
      uint64_t first = ReadFixed64(in);
      uint64_t base = ReadFixed64(in + 8);
      uint64_t scale = ReadFixed64(in + 16);
      unsigned width = in[24];
      if (scale == 0) return Status::Corruption("delta scale is 0");
      if (width > kMaxPackedBitWidth) {
        return Status::Corruption("bit width " + std::to_string(width) + " exceeds " +
                                  std::to_string(kMaxPackedBitWidth));
      }
      size_t packed = PackedBytes(count - 1, width);
      if (available - kDeltaHeaderBytes < packed) {
        return Short("bit-packed deltas", packed, available - kDeltaHeaderBytes);
      }
      out[0] = first;
      UnpackPrefixSums(in + kDeltaHeaderBytes, count - 1, width, base, scale, first, out + 1);
      *cursor = in + kDeltaHeaderBytes + packed;
      return Status::Ok();
    }
  }
  return Status::Corruption("unknown integer encoding " +
                            std::to_string(static_cast<unsigned>(encoding)));
}

void EncodeIntegerSequence(const uint64_t* values, size_t count, bool is_signed,
                           std::string* out) {
  IntegerPlan plan = PlanIntegers(values, count, is_signed);
  out->push_back(static_cast<char>(plan.encoding));
  EncodeIntegerBody(values, count, plan, out);
}

Status DecodeIntegerSequence(const uint8_t** cursor, const uint8_t* limit, size_t count,
                             uint64_t* out) {
  if (*cursor >= limit) return Status::Corruption("integer sequence kind byte missing");
  uint8_t kind = *(*cursor)++;
  if (kind < 1 || kind > 3) {
    return Status::Corruption("unknown integer sequence kind " + std::to_string(kind));
  }
  return DecodeIntegerBody(static_cast<IntegerEncoding>(kind), cursor, limit, count, out);
}

}  // namespace backtrace::column
