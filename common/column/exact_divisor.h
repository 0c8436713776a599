// Exact division by a fixed divisor with one multiply, and the common
// divisor of a run of differences; used by the integer encodings to store
// (value - base) / scale.
//
// Plain values and functions; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>

namespace backtrace::column {

// For d = odd << shift and x divisible by d, x / d == (x >> shift) *
// inverse(odd) modulo 2^64; x is divisible by d exactly when its low `shift`
// bits are 0 and (x >> shift) * inverse(odd) mod 2^64 <= (2^64-1) / odd.
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
  // value / divisor; value must be divisible.
  uint64_t Quotient(uint64_t value) const { return (value >> shift_) * inverse_; }

 private:
  unsigned shift_;
  uint64_t inverse_;
  uint64_t limit_;
  uint64_t low_mask_;
};

// Greatest common divisor of (values[i] - base) modulo 2^64 over
// i in [0, count), or 1 when every difference is zero. Stops as soon as the
// divisor reaches 1; otherwise costs one multiply per value.
inline uint64_t CommonDivisor(const uint64_t* values, size_t count, uint64_t base) {
  uint64_t divisor = 0;
  ExactDivisor exact(1);
  for (size_t i = 0; i < count; ++i) {
    uint64_t difference = values[i] - base;
    if (difference == 0) continue;
    if (divisor != 0 && exact.Divides(difference)) continue;
    divisor = std::gcd(divisor, difference);
    if (divisor == 1) return 1;
    exact = ExactDivisor(divisor);
  }
  return divisor == 0 ? 1 : divisor;
}

}  // namespace backtrace::column
