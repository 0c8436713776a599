// Tests of the building blocks of column files: bit-packing, integer, float
// and string encodings, and the granule payload decoder's handling of
// malformed bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/base/coding.h"
#include "common/column/bit_packing.h"
#include "common/column/column_file_format.h"
#include "common/column/float_encoding.h"
#include "common/column/granule_decoder.h"
#include "common/column/integer_encoding.h"
#include "common/column/string_encoding.h"
#include "common/schema/column_vector.h"

namespace backtrace::column {
namespace {

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr uint64_t kUInt64Max = std::numeric_limits<uint64_t>::max();

uint64_t Bits(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, 8);
  return bits;
}

// Copies bytes into a heap block of exactly their size, so that AddressSanitizer
// reports any read past the end.
std::unique_ptr<uint8_t[]> ExactCopy(const std::string& bytes) {
  auto copy = std::make_unique<uint8_t[]>(bytes.size() + (bytes.empty() ? 1 : 0));
  std::memcpy(copy.get(), bytes.data(), bytes.size());
  return copy;
}

std::vector<uint64_t> RoundTripIntegers(const std::vector<uint64_t>& values, bool is_signed,
                                        IntegerEncoding* chosen = nullptr) {
  std::string encoded;
  EncodeIntegerSequence(values.data(), values.size(), is_signed, &encoded);
  if (chosen != nullptr) *chosen = static_cast<IntegerEncoding>(encoded[0]);
  auto exact = ExactCopy(encoded);
  const uint8_t* cursor = exact.get();
  std::vector<uint64_t> decoded(values.size());
  Status status = DecodeIntegerSequence(&cursor, exact.get() + encoded.size(), values.size(),
                                        decoded.data());
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(cursor, exact.get() + encoded.size());
  return decoded;
}

TEST(BitPacking, RoundTripsEveryWidthAndCount) {
  std::mt19937_64 random(1);
  for (unsigned width = 0; width <= kMaxPackedBitWidth; ++width) {
    for (size_t count : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{63},
                         size_t{64}, size_t{65}, size_t{1000}}) {
      std::vector<uint64_t> values(count);
      uint64_t mask = width == 0 ? 0 : (width == 64 ? kUInt64Max : (uint64_t{1} << width) - 1);
      for (uint64_t& value : values) value = random() & mask;
      if (count > 0) values[0] = mask;  // the widest value
      std::string packed;
      PackBits(values.data(), count, width, &packed);
      ASSERT_EQ(packed.size(), PackedBytes(count, width));
      auto exact = ExactCopy(packed);
      std::vector<uint64_t> unpacked(count, 12345);
      UnpackBits(exact.get(), count, width, 0, 1, unpacked.data());
      ASSERT_EQ(unpacked, values) << "width " << width << " count " << count;
    }
  }
}

TEST(BitPacking, UnpackAppliesBaseAndScaleModulo64Bits) {
  std::vector<uint64_t> values{0, 1, 2, 3};
  std::string packed;
  PackBits(values.data(), values.size(), 2, &packed);
  std::vector<uint64_t> out(4);
  UnpackBits(reinterpret_cast<const uint8_t*>(packed.data()), 4, 2, kUInt64Max - 1, 1000,
             out.data());
  EXPECT_EQ(out, (std::vector<uint64_t>{kUInt64Max - 1, 998, 1998, 2998}));
}

TEST(IntegerEncoding, SignedExtremesRoundTrip) {
  std::vector<uint64_t> values;
  for (int64_t value : {kInt64Min, kInt64Max, int64_t{0}, int64_t{-1}, kInt64Min + 1, kInt64Max,
                        kInt64Min}) {
    values.push_back(static_cast<uint64_t>(value));
  }
  EXPECT_EQ(RoundTripIntegers(values, true), values);
  EXPECT_EQ(RoundTripIntegers(values, false), values);
}

TEST(IntegerEncoding, UnsignedExtremesRoundTrip) {
  std::vector<uint64_t> values{0, kUInt64Max, 1, kUInt64Max - 1, uint64_t{1} << 63};
  EXPECT_EQ(RoundTripIntegers(values, false), values);
  EXPECT_EQ(RoundTripIntegers(values, true), values);
}

TEST(IntegerEncoding, RisingMicrosecondTimestampsUseDeltaWithCommonDivisor) {
  std::mt19937_64 random(2);
  std::vector<uint64_t> values{1704067200000000000ull};
  for (int i = 1; i < 8192; ++i) values.push_back(values.back() + 1000 * (1 + random() % 2000));
  IntegerPlan plan = PlanIntegers(values.data(), values.size(), true);
  EXPECT_EQ(plan.encoding, IntegerEncoding::kDelta);
  EXPECT_EQ(plan.scale % 1000, 0u);
  EXPECT_LE(plan.width, 11u);
  EXPECT_EQ(RoundTripIntegers(values, true), values);
}

TEST(IntegerEncoding, SmallRangeUsesFrameOfReference) {
  std::mt19937_64 random(3);
  std::vector<uint64_t> values(8192);
  for (uint64_t& value : values) value = static_cast<uint64_t>(-500 + int64_t(random() % 1000));
  IntegerPlan plan = PlanIntegers(values.data(), values.size(), true);
  EXPECT_EQ(plan.encoding, IntegerEncoding::kFrameOfReference);
  EXPECT_EQ(plan.width, 10u);
  EXPECT_EQ(static_cast<int64_t>(plan.base), *std::min_element(
      reinterpret_cast<int64_t*>(values.data()), reinterpret_cast<int64_t*>(values.data()) + 8192));
  EXPECT_EQ(RoundTripIntegers(values, true), values);
}

TEST(IntegerEncoding, AllEqualValuesTakeNoBitsPerValue) {
  std::vector<uint64_t> values(8192, static_cast<uint64_t>(kInt64Min));
  IntegerPlan plan = PlanIntegers(values.data(), values.size(), true);
  EXPECT_EQ(plan.width, 0u);
  EXPECT_LT(plan.body_bytes, 32u);
  EXPECT_EQ(RoundTripIntegers(values, true), values);
}

TEST(IntegerEncoding, FullRangeRandomFallsBackToPlain) {
  std::mt19937_64 random(4);
  std::vector<uint64_t> values(1000);
  for (uint64_t& value : values) value = random();
  values[0] = 0;
  values[1] = kUInt64Max;
  IntegerEncoding chosen;
  EXPECT_EQ(RoundTripIntegers(values, false, &chosen), values);
  EXPECT_EQ(chosen, IntegerEncoding::kPlain);
}

TEST(IntegerEncoding, WrappingDeltasRoundTrip) {
  // Alternating extremes: deltas overflow int64 and must wrap back exactly.
  std::vector<uint64_t> values;
  for (int i = 0; i < 100; ++i) {
    values.push_back(static_cast<uint64_t>(i % 2 == 0 ? kInt64Min : kInt64Max));
  }
  EXPECT_EQ(RoundTripIntegers(values, true), values);
  std::vector<uint64_t> descending;
  for (uint64_t i = 0; i < 5000; ++i) descending.push_back(kUInt64Max - 3 * i);
  IntegerEncoding chosen;
  EXPECT_EQ(RoundTripIntegers(descending, false, &chosen), descending);
  EXPECT_EQ(chosen, IntegerEncoding::kDelta);
}

TEST(IntegerEncoding, RandomRunsOfEveryShapeRoundTrip) {
  std::mt19937_64 random(5);
  for (int trial = 0; trial < 2000; ++trial) {
    size_t count = 1 + random() % (trial % 2 == 0 ? 300 : 6);
    unsigned bits = 1 + random() % 64;
    uint64_t multiplier = 1 + random() % 7;
    bool sorted = random() % 2 == 0;
    std::vector<uint64_t> values(count);
    for (uint64_t& value : values) {
      value = (bits == 64 ? random() : random() >> (64 - bits)) * multiplier;
    }
    if (sorted) std::sort(values.begin(), values.end());
    for (uint64_t outlier = random() % 12; outlier > 0; --outlier) {
      values[random() % count] = random() >> (random() % 64);
    }
    bool is_signed = random() % 2 == 0;
    ASSERT_EQ(RoundTripIntegers(values, is_signed), values) << "trial " << trial;
  }
}

TEST(IntegerEncoding, AnOutlierBecomesAPatchInsteadOfWideningEveryValue) {
  std::mt19937_64 random(22);
  std::vector<uint64_t> values(8192);
  for (uint64_t& value : values) value = 1 + random() % 1000;
  values[777] = uint64_t{1} << 40;
  values[5000] = 0;  // below the others, and still inside a 10-bit frame
  IntegerPlan plan = PlanIntegers(values.data(), values.size(), false);
  EXPECT_EQ(plan.encoding, IntegerEncoding::kFrameOfReference);
  EXPECT_EQ(plan.width, 10u);
  EXPECT_EQ(plan.patches, 1u);
  EXPECT_EQ(RoundTripIntegers(values, false), values);
}

TEST(IntegerEncoding, JumpsBetweenSortedRunsBecomePatchedDeltas) {
  // Timestamps of three symbols sorted by (symbol, time): each run rises
  // slowly, and every new run jumps back in time.
  std::mt19937_64 random(23);
  std::vector<uint64_t> values;
  for (int run = 0; run < 3; ++run) {
    uint64_t time = 1704067200000000000ull + 1000 * (random() % 1000);
    for (int i = 0; i < 3000; ++i) {
      time += 1000 * (1 + random() % 2000);
      values.push_back(time);
    }
  }
  IntegerPlan plan = PlanIntegers(values.data(), values.size(), true);
  EXPECT_EQ(plan.encoding, IntegerEncoding::kDelta);
  EXPECT_EQ(plan.patches, 2u);
  EXPECT_EQ(plan.scale, 1000u);
  EXPECT_EQ(plan.width, 11u);
  EXPECT_EQ(RoundTripIntegers(values, true), values);
}

TEST(IntegerEncoding, PackedValueUnderAPatchIsIgnored) {
  // Writers store 0 under a patch; whatever is there, the patch wins.
  std::mt19937_64 random(24);
  std::vector<uint64_t> rising;
  uint64_t time = 1000000;
  for (int i = 0; i < 500; ++i) {
    time += 1 + random() % 100;
    if (i == 250) time -= 900000;
    rising.push_back(time);
  }
  std::vector<uint64_t> scattered(500);
  for (uint64_t& value : scattered) value = random() % 100;
  scattered[123] = uint64_t{1} << 60;
  for (bool is_rising : {true, false}) {
    const std::vector<uint64_t>& values = is_rising ? rising : scattered;
    IntegerPlan plan = PlanIntegers(values.data(), values.size(), false);
    ASSERT_EQ(plan.encoding,
              is_rising ? IntegerEncoding::kDelta : IntegerEncoding::kFrameOfReference);
    ASSERT_EQ(plan.patches, 1u);
    ASSERT_GT(plan.width, 0u);
    std::string encoded;
    EncodeIntegerBody(values.data(), values.size(), plan, &encoded);
    const bool delta = plan.encoding == IntegerEncoding::kDelta;
    const size_t header = delta ? kDeltaHeaderBytes : kFrameOfReferenceHeaderBytes;
    const size_t packed_count = delta ? values.size() - 1 : values.size();
    const size_t patch_list = header + PackedBytes(packed_count, plan.width);
    size_t position = coding::DecodeFixed16(
        reinterpret_cast<const uint8_t*>(encoded.data()) + patch_list + kPatchCountBytes);
    size_t bit = position * plan.width;
    encoded[header + bit / 8] = static_cast<char>(encoded[header + bit / 8] ^ (1 << (bit % 8)));
    std::vector<uint64_t> out(values.size());
    const uint8_t* cursor = reinterpret_cast<const uint8_t*>(encoded.data());
    ASSERT_TRUE(DecodeIntegerBody(plan.encoding, &cursor, cursor + encoded.size(), values.size(),
                                  out.data())
                    .ok());
    EXPECT_EQ(out, values) << (delta ? "delta" : "frame of reference");
  }
}

TEST(IntegerEncoding, DecodeRejectsBadPatchLists) {
  std::vector<uint64_t> values(100, 5);
  values[10] = 1000000;
  values[20] = 2000000;
  IntegerPlan plan = PlanIntegers(values.data(), values.size(), false);
  ASSERT_EQ(plan.encoding, IntegerEncoding::kFrameOfReference);
  ASSERT_EQ(plan.patches, 2u);
  std::string encoded;
  EncodeIntegerBody(values.data(), values.size(), plan, &encoded);
  const size_t patch_list = kFrameOfReferenceHeaderBytes + PackedBytes(100, plan.width);
  auto decode = [](const std::string& bytes) {
    std::vector<uint64_t> out(100);
    const uint8_t* cursor = reinterpret_cast<const uint8_t*>(bytes.data());
    return DecodeIntegerBody(IntegerEncoding::kFrameOfReference, &cursor, cursor + bytes.size(),
                             100, out.data());
  };
  EXPECT_TRUE(decode(encoded).ok());
  std::string no_patches = encoded;
  std::memset(no_patches.data() + patch_list, 0, 4);
  EXPECT_TRUE(decode(no_patches).IsCorruption());
  std::string out_of_order = encoded;
  std::swap(out_of_order[patch_list + 4], out_of_order[patch_list + 6]);
  EXPECT_TRUE(decode(out_of_order).IsCorruption());
  std::string beyond = encoded;
  beyond[patch_list + 6] = 100;
  EXPECT_TRUE(decode(beyond).IsCorruption());
  for (size_t length = patch_list; length < encoded.size(); ++length) {
    EXPECT_TRUE(decode(encoded.substr(0, length)).IsCorruption()) << length;
  }
}

TEST(IntegerEncoding, DecodeRejectsBadWidthScaleAndShortInput) {
  std::vector<uint64_t> values{10, 20, 30, 40};
  std::string encoded;
  IntegerPlan plan = PlanIntegers(values.data(), values.size(), false);
  ASSERT_EQ(plan.encoding, IntegerEncoding::kFrameOfReference);
  EncodeIntegerBody(values.data(), values.size(), plan, &encoded);
  std::vector<uint64_t> out(4);
  // Every shorter prefix is rejected.
  for (size_t length = 0; length < encoded.size(); ++length) {
    auto exact = ExactCopy(encoded.substr(0, length));
    const uint8_t* cursor = exact.get();
    EXPECT_TRUE(DecodeIntegerBody(IntegerEncoding::kFrameOfReference, &cursor,
                                  exact.get() + length, 4, out.data())
                    .IsCorruption())
        << length;
  }
  std::string bad_width = encoded;
  bad_width[16] = static_cast<char>(kMaxPackedBitWidth + 1);
  const uint8_t* cursor = reinterpret_cast<const uint8_t*>(bad_width.data());
  EXPECT_TRUE(DecodeIntegerBody(IntegerEncoding::kFrameOfReference, &cursor,
                                cursor + bad_width.size(), 4, out.data())
                  .IsCorruption());
  std::string zero_scale = encoded;
  std::memset(zero_scale.data() + 8, 0, 8);
  cursor = reinterpret_cast<const uint8_t*>(zero_scale.data());
  EXPECT_TRUE(DecodeIntegerBody(IntegerEncoding::kFrameOfReference, &cursor,
                                cursor + zero_scale.size(), 4, out.data())
                  .IsCorruption());
  std::string unknown_kind(1, '\x09');
  cursor = reinterpret_cast<const uint8_t*>(unknown_kind.data());
  EXPECT_TRUE(DecodeIntegerSequence(&cursor, cursor + 1, 4, out.data()).IsCorruption());
}

std::vector<double> RoundTripDecimal(const std::vector<double>& values, bool* used) {
  std::string encoded;
  *used = EncodeDecimal(values.data(), values.size(), &encoded);
  if (!*used) return values;
  auto exact = ExactCopy(encoded);
  std::vector<double> decoded(values.size());
  Status status = DecodeDecimal(exact.get(), encoded.size(), values.size(), decoded.data());
  EXPECT_TRUE(status.ok()) << status.ToString();
  return decoded;
}

void ExpectSameBits(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    ASSERT_EQ(Bits(actual[i]), Bits(expected[i])) << "value " << i << ": " << actual[i]
                                                  << " != " << expected[i];
  }
}

TEST(FloatEncoding, DecimalPricesRoundTripBitForBit) {
  std::mt19937_64 random(6);
  std::vector<double> values;
  int64_t cents = 4500000;
  for (int i = 0; i < 8192; ++i) {
    cents += static_cast<int64_t>(random() % 901) - 450;
    values.push_back(static_cast<double>(cents) / 100.0);
  }
  bool used = false;
  std::vector<double> decoded = RoundTripDecimal(values, &used);
  EXPECT_TRUE(used);
  ExpectSameBits(decoded, values);
  std::string encoded;
  ASSERT_TRUE(EncodeDecimal(values.data(), values.size(), &encoded));
  EXPECT_LT(encoded.size(), values.size() * 3);  // about 10 bits of delta per value
}

TEST(FloatEncoding, DecimalKeepsSpecialValuesAsExceptions) {
  std::vector<double> values;
  for (int i = 0; i < 1000; ++i) values.push_back(1.25 * i);
  uint64_t signalling_nan_bits = 0x7ff0000000000001ull;
  double signalling_nan;
  std::memcpy(&signalling_nan, &signalling_nan_bits, 8);
  values[0] = std::numeric_limits<double>::quiet_NaN();
  values[10] = std::numeric_limits<double>::infinity();
  values[20] = -std::numeric_limits<double>::infinity();
  values[30] = -0.0;
  values[40] = signalling_nan;
  values[50] = std::numeric_limits<double>::denorm_min();
  values[60] = std::numeric_limits<double>::max();
  values[999] = 0.1 + 0.2;  // not a short decimal
  bool used = false;
  std::vector<double> decoded = RoundTripDecimal(values, &used);
  EXPECT_TRUE(used);
  ExpectSameBits(decoded, values);
}

TEST(FloatEncoding, DecimalDeclinesRandomDoubles) {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> distribution(-1e6, 1e6);
  std::vector<double> values(8192);
  for (double& value : values) value = distribution(random);
  std::string encoded;
  EXPECT_FALSE(EncodeDecimal(values.data(), values.size(), &encoded));
  EXPECT_TRUE(encoded.empty());
}

TEST(FloatEncoding, ByteShuffleRoundTripsEveryBitPattern) {
  std::mt19937_64 random(8);
  std::vector<double> values(777);
  for (double& value : values) {
    uint64_t bits = random();
    std::memcpy(&value, &bits, 8);
  }
  std::string encoded;
  EncodeByteShuffle(values.data(), values.size(), &encoded);
  ASSERT_EQ(encoded.size(), 8 * values.size());
  std::vector<double> decoded(values.size());
  auto exact = ExactCopy(encoded);
  ASSERT_TRUE(DecodeByteShuffle(exact.get(), encoded.size(), values.size(), decoded.data()).ok());
  ExpectSameBits(decoded, values);
  EXPECT_TRUE(
      DecodeByteShuffle(exact.get(), encoded.size() - 1, values.size(), decoded.data())
          .IsCorruption());
}

TEST(FloatEncoding, DecimalDecodeIsExactBeyondTheFastConversionRange) {
  // The writer keeps decimal integers within +-2^51; a reader must still
  // decode larger ones exactly.
  std::vector<uint64_t> integers{uint64_t{1} << 52, static_cast<uint64_t>(-(int64_t{1} << 53)),
                                 12345};
  std::string payload;
  payload.push_back(1);                  // exponent
  payload.append(4, '\0');               // no exceptions
  EncodeIntegerSequence(integers.data(), integers.size(), true, &payload);
  std::vector<double> out(3);
  ASSERT_TRUE(DecodeDecimal(reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), 3,
                            out.data())
                  .ok());
  EXPECT_EQ(out[0], 450359962737049.6);
  EXPECT_EQ(out[1], -900719925474099.2);
  EXPECT_EQ(out[2], 1234.5);
}

TEST(FloatEncoding, DecimalDecodeRejectsBadExceptions) {
  std::vector<double> values(100, 2.5);
  values[5] = std::nan("");
  values[7] = std::nan("");
  std::string encoded;
  ASSERT_TRUE(EncodeDecimal(values.data(), values.size(), &encoded));
  std::vector<double> out(100);
  // Swap the two exception positions: out of order.
  std::string swapped = encoded;
  size_t positions = encoded.size() - 2 * 10;
  std::swap(swapped[positions], swapped[positions + 2]);
  EXPECT_TRUE(DecodeDecimal(reinterpret_cast<const uint8_t*>(swapped.data()), swapped.size(), 100,
                            out.data())
                  .IsCorruption());
  std::string beyond = encoded;
  beyond[positions + 2] = 100;  // position 100 of 100 rows
  EXPECT_TRUE(DecodeDecimal(reinterpret_cast<const uint8_t*>(beyond.data()), beyond.size(), 100,
                            out.data())
                  .IsCorruption());
  std::string bad_exponent = encoded;
  bad_exponent[0] = static_cast<char>(kMaxDecimalExponent + 1);
  EXPECT_TRUE(DecodeDecimal(reinterpret_cast<const uint8_t*>(bad_exponent.data()),
                            bad_exponent.size(), 100, out.data())
                  .IsCorruption());
}

TEST(StringEncoding, DictionaryIsSortedAndCodesFollowIt) {
  StringValues values;
  for (const char* text : {"SOL", "BTC", "ETH", "BTC", "", "BTC", "SOL"}) values.push_back(text);
  std::optional<StringDictionary> dictionary = BuildStringDictionary(values);
  ASSERT_TRUE(dictionary.has_value());
  ASSERT_EQ(dictionary->entries.size(), 4u);
  EXPECT_EQ(dictionary->entries.at(0), "");
  EXPECT_EQ(dictionary->entries.at(1), "BTC");
  EXPECT_EQ(dictionary->entries.at(2), "ETH");
  EXPECT_EQ(dictionary->entries.at(3), "SOL");
  std::vector<uint32_t> codes;
  for (size_t row = 0; row < values.size(); ++row) codes.push_back(dictionary->code(row));
  EXPECT_EQ(codes, (std::vector<uint32_t>{3, 1, 2, 1, 0, 1, 3}));
}

TEST(StringEncoding, DictionaryOrderIsByteWise) {
  StringValues values;
  for (int round = 0; round < 10; ++round) {
    for (const char* text : {"\xff", "a", "\x01", "ab", "a", "\xff", "ab", "\x01"}) {
      values.push_back(text);
    }
  }
  std::optional<StringDictionary> dictionary = BuildStringDictionary(values);
  ASSERT_TRUE(dictionary.has_value());
  EXPECT_EQ(dictionary->entries.at(0), "\x01");
  EXPECT_EQ(dictionary->entries.at(3), "\xff");
}

TEST(StringEncoding, NoDictionaryForUniqueOrTooManyDistinctValues) {
  StringValues unique;
  for (int i = 0; i < 1000; ++i) unique.push_back("value-" + std::to_string(i));
  EXPECT_FALSE(BuildStringDictionary(unique).has_value());

  StringValues too_many;
  for (uint32_t round = 0; round < 2; ++round) {
    for (uint32_t i = 0; i <= kMaxDictionaryEntries; ++i) too_many.push_back(std::to_string(i));
  }
  EXPECT_FALSE(BuildStringDictionary(too_many).has_value());

  StringValues just_enough;
  for (uint32_t round = 0; round < 4; ++round) {
    for (uint32_t i = 0; i < kMaxDictionaryEntries; ++i) just_enough.push_back(std::to_string(i));
  }
  std::optional<StringDictionary> dictionary = BuildStringDictionary(just_enough);
  ASSERT_TRUE(dictionary.has_value());
  EXPECT_EQ(dictionary->entries.size(), kMaxDictionaryEntries);
}

TEST(StringEncoding, PlainRoundTripsAndRejectsBadLengths) {
  StringValues values;
  values.push_back("");
  values.push_back(std::string(kMaxStringBytes, 'x'));
  values.push_back("tail");
  std::string encoded;
  EncodePlainStrings(values, 0, values.size(), &encoded);
  auto exact = ExactCopy(encoded);
  StringValues decoded;
  decoded.push_back("existing");
  ASSERT_TRUE(DecodePlainStrings(exact.get(), encoded.size(), 3, &decoded).ok());
  ASSERT_EQ(decoded.size(), 4u);
  EXPECT_EQ(decoded.at(0), "existing");
  EXPECT_EQ(decoded.at(1), "");
  EXPECT_EQ(decoded.at(2), values.at(1));
  EXPECT_EQ(decoded.at(3), "tail");
  // One byte short or long: the lengths no longer add up.
  EXPECT_TRUE(DecodePlainStrings(exact.get(), encoded.size() - 1, 3, &decoded).IsCorruption());
  std::string longer = encoded + "!";
  EXPECT_TRUE(DecodePlainStrings(reinterpret_cast<const uint8_t*>(longer.data()), longer.size(),
                                 3, &decoded)
                  .IsCorruption());
  EXPECT_EQ(decoded.size(), 4u);  // unchanged by the failures
}

TEST(GranuleDecoder, MutatedPayloadsNeverCrashAndLeaveOutputUnchangedOnError) {
  // Decoders see payloads only after the checksum passed; still, no byte
  // pattern may crash them. Mutate valid payloads of every encoding.
  std::mt19937_64 random(9);
  struct Case {
    ColumnType type;
    GranuleEncoding encoding;
    std::string payload;
    size_t rows;
  };
  std::vector<Case> cases;
  for (bool rising : {false, true}) {
    std::vector<uint64_t> values(300);
    for (size_t i = 0; i < values.size(); ++i) {
      values[i] = rising ? 1000 + 7 * i + random() % 5 : random() % 5000;
    }
    values[100] = uint64_t{1} << 50;  // a patch
    values[200] = 3;
    IntegerPlan plan = PlanIntegers(values.data(), values.size(), true);
    ASSERT_EQ(plan.encoding,
              rising ? IntegerEncoding::kDelta : IntegerEncoding::kFrameOfReference);
    ASSERT_GT(plan.patches, 0u);
    std::string payload;
    EncodeIntegerBody(values.data(), values.size(), plan, &payload);
    cases.push_back({ColumnType::kInt64, static_cast<GranuleEncoding>(plan.encoding), payload,
                     values.size()});
  }
  {
    std::vector<double> values(300);
    for (size_t i = 0; i < values.size(); ++i) values[i] = (100000 + random() % 1000) / 100.0;
    values[3] = std::nan("");
    std::string payload;
    ASSERT_TRUE(EncodeDecimal(values.data(), values.size(), &payload));
    cases.push_back({ColumnType::kFloat64, GranuleEncoding::kDecimal, payload, values.size()});
  }
  {
    StringValues values;
    for (int i = 0; i < 200; ++i) values.push_back(std::string(random() % 20, 'a' + i % 26));
    std::string payload;
    EncodePlainStrings(values, 0, values.size(), &payload);
    cases.push_back({ColumnType::kString, GranuleEncoding::kPlainStrings, payload, values.size()});
  }
  StringValues entries;
  for (const char* text : {"BTC", "ETH", "SOL"}) entries.push_back(text);
  DecodingDictionary dictionary(entries);
  {
    std::vector<uint64_t> codes(300);
    for (uint64_t& code : codes) code = random() % 3;
    std::string payload;
    EncodeIntegerSequence(codes.data(), codes.size(), false, &payload);
    cases.push_back({ColumnType::kString, GranuleEncoding::kDictionary, payload, codes.size()});
  }
  for (const Case& test : cases) {
    for (int trial = 0; trial < 400; ++trial) {
      std::string mutated = test.payload;
      int flips = 1 + static_cast<int>(random() % 3);
      for (int f = 0; f < flips; ++f) {
        mutated[random() % mutated.size()] ^= static_cast<char>(1 + random() % 255);
      }
      if (trial % 5 == 0) mutated.resize(random() % mutated.size());
      auto exact = ExactCopy(mutated);
      ColumnVector out(test.type);
      out.Append(test.type == ColumnType::kString ? Value(std::string("keep"))
                 : test.type == ColumnType::kFloat64 ? Value(1.5)
                                                     : Value(int64_t{7}));
      Status status = DecodeGranulePayload(test.encoding, exact.get(), mutated.size(), test.rows,
                                           &dictionary, &out);
      if (status.ok()) {
        EXPECT_EQ(out.size(), 1 + test.rows);
      } else {
        EXPECT_TRUE(status.IsCorruption()) << status.ToString();
        EXPECT_EQ(out.size(), 1u);
        if (test.type == ColumnType::kString) {
          EXPECT_EQ(out.strings().bytes, "keep");
        }
      }
    }
  }
}

TEST(GranuleDecoder, RejectsEncodingsOfAnotherType) {
  std::string payload(80, '\0');
  ColumnVector strings(ColumnType::kString);
  EXPECT_TRUE(DecodeGranulePayload(GranuleEncoding::kDecimal,
                                   reinterpret_cast<const uint8_t*>(payload.data()),
                                   payload.size(), 10, nullptr, &strings)
                  .IsCorruption());
  ColumnVector integers(ColumnType::kInt64);
  EXPECT_TRUE(DecodeGranulePayload(GranuleEncoding::kByteShuffle,
                                   reinterpret_cast<const uint8_t*>(payload.data()),
                                   payload.size(), 10, nullptr, &integers)
                  .IsCorruption());
  EXPECT_TRUE(integers.int64s().empty());
  ColumnVector dictionary_without_dictionary(ColumnType::kString);
  EXPECT_TRUE(DecodeGranulePayload(GranuleEncoding::kDictionary,
                                   reinterpret_cast<const uint8_t*>(payload.data()),
                                   payload.size(), 10, nullptr, &dictionary_without_dictionary)
                  .IsCorruption());
}

// Found by the column_file fuzz target: a plain granule of zero rows passed
// the empty output vector's null data pointer to memcpy.
TEST(GranuleDecoder, PlainGranuleOfZeroRowsAppendsNothing) {
  for (ColumnType type : {ColumnType::kInt64, ColumnType::kUInt64, ColumnType::kFloat64}) {
    ColumnVector values(type);
    const uint8_t payload[1] = {0};
    Status status = DecodeGranulePayload(GranuleEncoding::kPlain, payload, 0, 0, nullptr, &values);
    EXPECT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(values.size(), 0u);
  }
}

}  // namespace
}  // namespace backtrace::column
