#include "common/column/integer_encoding.h"

#include <cstring>
#include <vector>

#include "common/base/coding.h"
#include "common/column/bit_packing.h"
#include "common/column/exact_divisor.h"

namespace backtrace::column {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;

Status Short(const char* what, size_t needed, size_t available) {
  return Status::Corruption(std::string(what) + " needs " + std::to_string(needed) +
                            " bytes, " + std::to_string(available) + " remain");
}

// Appends the packed values of a frame over values[0, count) and, if any
// value falls outside the frame, the patch list.
void EncodeFrame(const uint64_t* values, size_t count, const IntegerPlan& plan,
                 std::string* out) {
  std::vector<uint64_t> packed(count);
  std::vector<uint16_t> positions;
  ExactDivisor divisor(plan.scale);
  const uint64_t flip = plan.is_signed ? kSignBit : 0;
  for (size_t i = 0; i < count; ++i) {
    uint64_t key = values[i] ^ flip;
    if (key >= plan.lower_key && key <= plan.upper_key) {
      packed[i] = divisor.Quotient(values[i] - plan.base);
    } else {
      packed[i] = 0;
      positions.push_back(static_cast<uint16_t>(i));
    }
  }
  PackBits(packed.data(), count, plan.width, out);
  if (positions.empty()) return;
  coding::PutFixed32(out, static_cast<uint32_t>(positions.size()));
  for (uint16_t position : positions) {
    out->push_back(static_cast<char>(position & 0xff));
    out->push_back(static_cast<char>(position >> 8));
  }
  for (uint16_t position : positions) coding::PutFixed64(out, values[position]);
}

// Reads the width byte: the width and whether a patch list follows.
Status ReadWidth(uint8_t byte, unsigned* width, bool* patched) {
  *patched = (byte & kPatchedWidthFlag) != 0;
  *width = byte & ~kPatchedWidthFlag;
  if (*width > kMaxPackedBitWidth) {
    return Status::Corruption("bit width " + std::to_string(*width) + " exceeds " +
                              std::to_string(kMaxPackedBitWidth));
  }
  return Status::Ok();
}

// Reads a patch list for `count` packed values from [*cursor, limit): at
// least one patch, positions strictly increasing and below count. Sets
// *positions and *values to the list inside the buffer and advances *cursor.
Status ReadPatches(const uint8_t** cursor, const uint8_t* limit, size_t count, uint32_t* patches,
                   const uint8_t** positions, const uint8_t** values) {
  size_t available = static_cast<size_t>(limit - *cursor);
  if (available < kPatchCountBytes) return Short("patch count", kPatchCountBytes, available);
  *patches = coding::DecodeFixed32(*cursor);
  available -= kPatchCountBytes;
  if (*patches == 0 || *patches > count) {
    return Status::Corruption(std::to_string(*patches) + " patches for " +
                              std::to_string(count) + " values");
  }
  if (available / kPatchBytes < *patches) {
    return Short("patches", size_t{*patches} * kPatchBytes, available);
  }
  *positions = *cursor + kPatchCountBytes;
  *values = *positions + 2 * size_t{*patches};
  for (uint32_t i = 0; i < *patches; ++i) {
    size_t position = coding::DecodeFixed16(*positions + 2 * i);
    if (position >= count ||
        (i > 0 && position <= coding::DecodeFixed16(*positions + 2 * (i - 1)))) {
      return Status::Corruption("patch position " + std::to_string(position) +
                                " out of order or beyond " + std::to_string(count) + " values");
    }
  }
  *cursor = *values + 8 * size_t{*patches};
  return Status::Ok();
}

Status DecodeFrameOfReference(const uint8_t** cursor, const uint8_t* limit, size_t count,
                              uint64_t* out) {
  const uint8_t* in = *cursor;
  const size_t available = static_cast<size_t>(limit - in);
  if (available < kFrameOfReferenceHeaderBytes) {
    return Short("frame-of-reference header", kFrameOfReferenceHeaderBytes, available);
  }
  uint64_t base = coding::DecodeFixed64(in);
  uint64_t scale = coding::DecodeFixed64(in + 8);
  unsigned width;
  bool patched;
  RETURN_IF_ERROR(ReadWidth(in[16], &width, &patched));
  if (scale == 0) return Status::Corruption("frame-of-reference scale is 0");
  size_t packed = PackedBytes(count, width);
  if (available - kFrameOfReferenceHeaderBytes < packed) {
    return Short("bit-packed integers", packed, available - kFrameOfReferenceHeaderBytes);
  }
  const uint8_t* after = in + kFrameOfReferenceHeaderBytes + packed;
  uint32_t patches = 0;
  const uint8_t *positions = nullptr, *values = nullptr;
  if (patched) RETURN_IF_ERROR(ReadPatches(&after, limit, count, &patches, &positions, &values));
  UnpackBits(in + kFrameOfReferenceHeaderBytes, count, width, base, scale, out);
  for (uint32_t i = 0; i < patches; ++i) {
    out[coding::DecodeFixed16(positions + 2 * i)] = coding::DecodeFixed64(values + 8 * i);
  }
  *cursor = after;
  return Status::Ok();
}

Status DecodeDelta(const uint8_t** cursor, const uint8_t* limit, size_t count, uint64_t* out) {
  if (count == 0) return Status::Corruption("delta encoding of zero values");
  const uint8_t* in = *cursor;
  const size_t available = static_cast<size_t>(limit - in);
  if (available < kDeltaHeaderBytes) return Short("delta header", kDeltaHeaderBytes, available);
  uint64_t first = coding::DecodeFixed64(in);
  uint64_t base = coding::DecodeFixed64(in + 8);
  uint64_t scale = coding::DecodeFixed64(in + 16);
  unsigned width;
  bool patched;
  RETURN_IF_ERROR(ReadWidth(in[24], &width, &patched));
  if (scale == 0) return Status::Corruption("delta scale is 0");
  const size_t deltas = count - 1;
  size_t packed = PackedBytes(deltas, width);
  if (available - kDeltaHeaderBytes < packed) {
    return Short("bit-packed deltas", packed, available - kDeltaHeaderBytes);
  }
  const uint8_t* after = in + kDeltaHeaderBytes + packed;
  uint32_t patches = 0;
  const uint8_t *positions = nullptr, *values = nullptr;
  if (patched) RETURN_IF_ERROR(ReadPatches(&after, limit, deltas, &patches, &positions, &values));
  out[0] = first;
  UnpackPrefixSums(in + kDeltaHeaderBytes, deltas, width, base, scale, first, out + 1);
  // The running sums used base + p * scale for a patched delta (p is 0 as
  // the writer stores it): every value after patch k is off by the sum of
  // (patch - base - p * scale) over the patches up to k.
  uint64_t correction = 0;
  for (uint32_t k = 0; k < patches; ++k) {
    size_t position = coding::DecodeFixed16(positions + 2 * k);
    uint64_t summed =
        base + ReadPackedValue(in + kDeltaHeaderBytes, deltas, width, position) * scale;
    correction += coding::DecodeFixed64(values + 8 * k) - summed;
    size_t begin = position + 1;
    size_t end = k + 1 < patches ? size_t{coding::DecodeFixed16(positions + 2 * (k + 1))} + 1
                                 : count;
    for (size_t i = begin; i < end; ++i) out[i] += correction;
  }
  *cursor = after;
  return Status::Ok();
}

}  // namespace

void EncodeIntegerBody(const uint64_t* values, size_t count, const IntegerPlan& plan,
                       std::string* out) {
  const char width = static_cast<char>(plan.width | (plan.patches > 0 ? kPatchedWidthFlag : 0));
  switch (plan.encoding) {
    case IntegerEncoding::kPlain:
      out->append(reinterpret_cast<const char*>(values), 8 * count);
      return;
    case IntegerEncoding::kFrameOfReference:
      coding::PutFixed64(out, plan.base);
      coding::PutFixed64(out, plan.scale);
      out->push_back(width);
      EncodeFrame(values, count, plan, out);
      return;
    case IntegerEncoding::kDelta: {
      coding::PutFixed64(out, values[0]);
      coding::PutFixed64(out, plan.base);
      coding::PutFixed64(out, plan.scale);
      out->push_back(width);
      std::vector<uint64_t> deltas(count - 1);
      for (size_t i = 0; i + 1 < count; ++i) deltas[i] = values[i + 1] - values[i];
      EncodeFrame(deltas.data(), count - 1, plan, out);
      return;
    }
  }
}

Status DecodeIntegerBody(IntegerEncoding encoding, const uint8_t** cursor, const uint8_t* limit,
                         size_t count, uint64_t* out) {
  switch (encoding) {
    case IntegerEncoding::kPlain: {
      const size_t available = static_cast<size_t>(limit - *cursor);
      if (available / 8 < count) return Short("plain integers", 8 * count, available);
      if (count > 0) std::memcpy(out, *cursor, 8 * count);
      *cursor += 8 * count;
      return Status::Ok();
    }
    case IntegerEncoding::kFrameOfReference:
      return DecodeFrameOfReference(cursor, limit, count, out);
    case IntegerEncoding::kDelta:
      return DecodeDelta(cursor, limit, count, out);
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
