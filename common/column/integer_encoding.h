// Encodings of a run of 64-bit integers: plain, frame of reference and
// delta, both of the latter with a common divisor ("scale"), bit-packing and
// a few patches (outliers stored whole). They serve integer and timestamp
// granules directly and, as "integer sequences" with a leading kind byte,
// the integers nested in other payloads (decimal floats, dictionary codes,
// string lengths). docs/column_file_format.md gives the byte layouts.
//
// Values are handled as uint64_t; signed columns pass their two's-complement
// bits and say so, which only changes how the frame of reference picks its
// base. Decoding is exact for every input bit pattern.
//
// Stateless; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/base/status.h"
#include "common/column/column_file_format.h"

namespace backtrace::column {

// The writer patches at most this many values of a run: values left out of
// the frame of reference and stored whole after the packed ones.
inline constexpr size_t kMaxIntegerPatches = 8;

// The chosen encoding of a run and the size of its body in bytes.
struct IntegerPlan {
  IntegerEncoding encoding = IntegerEncoding::kPlain;
  // Frame of reference (over the values, or over the deltas for kDelta):
  // values whose order key (the value, with the sign bit flipped when
  // is_signed) lies in [lower_key, upper_key] are packed as
  // (value - base) / scale in `width` bits; the `patches` others are stored
  // whole.
  bool is_signed = false;
  uint64_t base = 0;
  uint64_t scale = 1;
  unsigned width = 0;
  uint64_t lower_key = 0;
  uint64_t upper_key = ~uint64_t{0};
  size_t patches = 0;
  size_t body_bytes = 0;
};

// Measures values[0, count) and picks the encoding with the smallest body:
// frame of reference or delta, each with up to kMaxIntegerPatches patches,
// or plain (frame of reference on ties with delta, plain when neither
// packs).
IntegerPlan PlanIntegers(const uint64_t* values, size_t count, bool is_signed);

// Appends the body of `plan` for values[0, count) (the plan must come from
// PlanIntegers on the same values).
void EncodeIntegerBody(const uint64_t* values, size_t count, const IntegerPlan& plan,
                       std::string* out);

// Decodes a body of `encoding` holding `count` values from [*cursor, limit)
// into out[0, count) and advances *cursor past it. Malformed input (short
// buffer, bad width, scale or patch list) is kCorruption with a message
// saying what was wrong; *cursor and out are then unspecified.
Status DecodeIntegerBody(IntegerEncoding encoding, const uint8_t** cursor, const uint8_t* limit,
                         size_t count, uint64_t* out);

// An integer sequence: one kind byte (IntegerEncoding) and the body.
void EncodeIntegerSequence(const uint64_t* values, size_t count, bool is_signed,
                           std::string* out);
Status DecodeIntegerSequence(const uint8_t** cursor, const uint8_t* limit, size_t count,
                             uint64_t* out);

}  // namespace backtrace::column
