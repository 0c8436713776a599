#include "common/column/float_encoding.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "common/base/coding.h"
#include "common/column/column_file_format.h"
#include "common/column/integer_encoding.h"

namespace backtrace::column {
namespace {

constexpr double kPowersOfTen[kMaxDecimalExponent + 1] = {
    1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,
    1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};

// Adding 1.5 * 2^52 to a double of magnitude below 2^51 rounds it to the
// nearest integer k and leaves k in the low bits of the result; adding k to
// the bit pattern of 1.5 * 2^52 and subtracting 1.5 * 2^52 converts it back
// exactly. Both directions vectorise, unlike cvtsd2si / cvtsi2sd.
constexpr uint64_t kMagicBits = 0x4338000000000000ull;
constexpr double kMagic = 6755399441055744.0;
constexpr double kDecimalLimit = 2251799813685248.0;  // 2^51
// Marks a value that is not representable; no valid integer is this large.
constexpr uint64_t kNotDecimal = uint64_t{1} << 62;

// A granule whose share of exceptions exceeds 1/kExceptionDivisor is not
// worth the decimal encoding.
constexpr size_t kExceptionDivisor = 8;
constexpr size_t kExponentSamples = 64;

uint64_t Bits(double value) { return std::bit_cast<uint64_t>(value); }
double FromBits(uint64_t bits) { return std::bit_cast<double>(bits); }

inline double DecodeOne(int64_t integer, unsigned exponent) {
  return static_cast<double>(integer) / kPowersOfTen[exponent];
}

// Returns value * 10^exponent as an integer (two's complement) when it lies
// within +-2^51 and decoding it gives value back bit for bit, else
// kNotDecimal. Branch-free, so loops over it vectorise.
inline uint64_t ToDecimal(double value, double power) {
  double scaled = value * power;
  double shifted = scaled + kMagic;
  double back = (shifted - kMagic) / power;
  bool exact = std::fabs(scaled) < kDecimalLimit && Bits(back) == Bits(value);
  return exact ? Bits(shifted) - kMagicBits : kNotDecimal;
}

// The smallest exponent that represents the most of a sample of the values,
// or -1 when even the best represents fewer than half of them.
int ChooseExponent(const double* values, size_t count) {
  size_t samples = count < kExponentSamples ? count : kExponentSamples;
  size_t best_hits = 0;
  int best_exponent = -1;
  for (unsigned exponent = 0; exponent <= kMaxDecimalExponent; ++exponent) {
    size_t hits = 0;
    for (size_t s = 0; s < samples; ++s) {
      hits += ToDecimal(values[s * count / samples], kPowersOfTen[exponent]) != kNotDecimal;
    }
    if (hits > best_hits) {
      best_hits = hits;
      best_exponent = static_cast<int>(exponent);
      if (hits == samples) break;
    }
  }
  return best_hits * 2 >= samples && best_hits > 0 ? best_exponent : -1;
}

// Writes integers[i] / 10^exponent to out[i] for i in [0, count), with the
// magic-number conversion when every integer lies within +-2^51 (always, for
// files this writer made) and exactly by cvtsi2sd otherwise.
void ConvertDecimals(const uint64_t* integers, size_t count, unsigned exponent, double* out) {
  constexpr uint64_t kHalfRange = uint64_t{1} << 51;
  const double power = kPowersOfTen[exponent];
  uint64_t outside = 0;
  for (size_t i = 0; i < count; ++i) {
    outside |= (integers[i] + kHalfRange) >> 52;
    double shifted = std::bit_cast<double>(integers[i] + kMagicBits);
    out[i] = (shifted - kMagic) / power;
  }
  if (outside != 0) {
    for (size_t i = 0; i < count; ++i) {
      out[i] = DecodeOne(static_cast<int64_t>(integers[i]), exponent);
    }
  }
}

std::vector<uint64_t>& Scratch(size_t count) {
  thread_local std::vector<uint64_t> scratch;
  if (scratch.size() < count) scratch.resize(count);
  return scratch;
}

}  // namespace

bool EncodeDecimal(const double* values, size_t count, std::string* out) {
  if (count == 0) return false;
  int chosen = ChooseExponent(values, count);
  if (chosen < 0) return false;
  unsigned exponent = static_cast<unsigned>(chosen);

  const double power = kPowersOfTen[exponent];
  std::vector<uint64_t> integers(count);
  size_t exceptions = 0;
  for (size_t i = 0; i < count; ++i) {
    integers[i] = ToDecimal(values[i], power);
    exceptions += integers[i] == kNotDecimal;
  }
  if (exceptions > count / kExceptionDivisor) return false;
  std::vector<uint16_t> exception_positions;
  if (exceptions > 0) {
    // Exceptions take the integer of the value before them (leading ones
    // the first representable value), which keeps the integers' range, and
    // so their bit width, small.
    uint64_t previous = kNotDecimal;
    for (size_t i = 0; i < count && previous == kNotDecimal; ++i) previous = integers[i];
    if (previous == kNotDecimal) return false;
    exception_positions.reserve(exceptions);
    for (size_t i = 0; i < count; ++i) {
      if (integers[i] == kNotDecimal) {
        exception_positions.push_back(static_cast<uint16_t>(i));
        integers[i] = previous;
      } else {
        previous = integers[i];
      }
    }
  }

  std::string encoded;
  encoded.push_back(static_cast<char>(exponent));
  coding::PutFixed32(&encoded, static_cast<uint32_t>(exception_positions.size()));
  EncodeIntegerSequence(integers.data(), count, /*is_signed=*/true, &encoded);
  for (uint16_t position : exception_positions) {
    encoded.push_back(static_cast<char>(position & 0xff));
    encoded.push_back(static_cast<char>(position >> 8));
  }
  for (uint16_t position : exception_positions) {
    coding::PutFixed64(&encoded, Bits(values[position]));
  }
  if (encoded.size() >= 8 * count) return false;
  out->append(encoded);
  return true;
}

Status DecodeDecimal(const uint8_t* data, size_t size, size_t count, double* out) {
  if (size < 5) return Status::Corruption("decimal header truncated");
  unsigned exponent = data[0];
  if (exponent > kMaxDecimalExponent) {
    return Status::Corruption("decimal exponent " + std::to_string(exponent) + " exceeds " +
                              std::to_string(kMaxDecimalExponent));
  }
  uint32_t exceptions = coding::DecodeFixed32(data + 1);
  if (exceptions > count) {
    return Status::Corruption("decimal exception count " + std::to_string(exceptions) +
                              " exceeds the row count " + std::to_string(count));
  }
  const uint8_t* cursor = data + 5;
  const uint8_t* limit = data + size;
  std::vector<uint64_t>& integers = Scratch(count);
  RETURN_IF_ERROR(DecodeIntegerSequence(&cursor, limit, count, integers.data()));
  size_t remaining = static_cast<size_t>(limit - cursor);
  if (remaining != size_t{10} * exceptions) {
    return Status::Corruption("decimal exceptions need " + std::to_string(10 * exceptions) +
                              " bytes, " + std::to_string(remaining) + " remain");
  }
  ConvertDecimals(integers.data(), count, exponent, out);
  const uint8_t* positions = cursor;
  const uint8_t* bits = cursor + 2 * size_t{exceptions};
  size_t previous_position = 0;
  for (uint32_t e = 0; e < exceptions; ++e) {
    size_t position = coding::DecodeFixed16(positions + 2 * e);
    if (position >= count || (e > 0 && position <= previous_position)) {
      return Status::Corruption("decimal exception position " + std::to_string(position) +
                                " out of order or beyond " + std::to_string(count) + " rows");
    }
    previous_position = position;
    out[position] = FromBits(coding::DecodeFixed64(bits + 8 * size_t{e}));
  }
  return Status::Ok();
}

void EncodeByteShuffle(const double* values, size_t count, std::string* out) {
  size_t start = out->size();
  out->resize(start + 8 * count);
  auto* destination = reinterpret_cast<uint8_t*>(out->data() + start);
  for (size_t i = 0; i < count; ++i) {
    uint64_t bits = Bits(values[i]);
    for (size_t plane = 0; plane < 8; ++plane) {
      destination[plane * count + i] = static_cast<uint8_t>(bits >> (8 * plane));
    }
  }
}

Status DecodeByteShuffle(const uint8_t* data, size_t size, size_t count, double* out) {
  if (size != 8 * count) {
    return Status::Corruption("byte-shuffled payload of " + std::to_string(size) +
                              " bytes for " + std::to_string(count) + " values");
  }
  for (size_t i = 0; i < count; ++i) {
    uint64_t bits = 0;
    for (size_t plane = 0; plane < 8; ++plane) {
      bits |= static_cast<uint64_t>(data[plane * count + i]) << (8 * plane);
    }
    out[i] = FromBits(bits);
  }
  return Status::Ok();
}

}  // namespace backtrace::column
