// Round trips of whole column files for every column type, with random and
// edge values, at and around granule boundaries; zone maps, sums, summaries,
// encoding choices and API errors.
#include <gtest/gtest.h>

#include <fcntl.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/base/file.h"
#include "common/column/column_file_reader.h"
#include "common/column/column_file_writer.h"
#include "common/generate/orders_generator.h"
#include "tests/common/column_testing.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace::column {
namespace {

using testing::DoubleBits;
using testing::MakeFloat64s;
using testing::MakeInt64s;
using testing::MakeStrings;
using testing::MakeUInt64s;
using testing::SameColumn;

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr uint64_t kUInt64Max = std::numeric_limits<uint64_t>::max();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

const std::vector<size_t> kBoundaryRowCounts{1, 8191, 8192, 8193};

bool FloatLess(double a, double b) {
  return a < b || (a == b && std::signbit(a) && !std::signbit(b));
}

// Checks one granule's zone map and sum against the values it covers.
void ExpectZoneMap(const GranuleInfo& granule, const ColumnVector& values) {
  const size_t begin = granule.first_row, end = begin + granule.rows;
  switch (values.type()) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp: {
      const auto& data = values.int64s();
      int64_t minimum = data[begin], maximum = data[begin];
      Int128 sum = 0;
      for (size_t i = begin; i < end; ++i) {
        minimum = std::min(minimum, data[i]);
        maximum = std::max(maximum, data[i]);
        sum += data[i];
      }
      EXPECT_EQ(std::get<int64_t>(granule.min), minimum);
      EXPECT_EQ(std::get<int64_t>(granule.max), maximum);
      EXPECT_TRUE(granule.integer_sum == sum);
      break;
    }
    case ColumnType::kUInt64: {
      const auto& data = values.uint64s();
      uint64_t minimum = data[begin], maximum = data[begin];
      unsigned __int128 sum = 0;
      for (size_t i = begin; i < end; ++i) {
        minimum = std::min(minimum, data[i]);
        maximum = std::max(maximum, data[i]);
        sum += data[i];
      }
      EXPECT_EQ(std::get<uint64_t>(granule.min), minimum);
      EXPECT_EQ(std::get<uint64_t>(granule.max), maximum);
      EXPECT_TRUE(static_cast<unsigned __int128>(granule.integer_sum) == sum);
      break;
    }
    case ColumnType::kFloat64: {
      const auto& data = values.float64s();
      bool has_nan = false, seen = false;
      double minimum = 0, maximum = 0, sum = 0;
      for (size_t i = begin; i < end; ++i) {
        sum += data[i];
        if (std::isnan(data[i])) {
          has_nan = true;
          continue;
        }
        if (!seen || FloatLess(data[i], minimum)) minimum = data[i];
        if (!seen || FloatLess(maximum, data[i])) maximum = data[i];
        seen = true;
      }
      EXPECT_EQ(granule.has_nan, has_nan);
      EXPECT_EQ(granule.all_nan, !seen);
      if (seen) {
        EXPECT_EQ(DoubleBits(std::get<double>(granule.min)), DoubleBits(minimum));
        EXPECT_EQ(DoubleBits(std::get<double>(granule.max)), DoubleBits(maximum));
      } else {
        EXPECT_TRUE(std::isnan(std::get<double>(granule.min)));
        EXPECT_TRUE(std::isnan(std::get<double>(granule.max)));
      }
      if (std::isnan(sum)) {
        EXPECT_TRUE(std::isnan(granule.float_sum));  // NaN payloads are not specified
      } else {
        EXPECT_EQ(DoubleBits(granule.float_sum), DoubleBits(sum));
      }
      break;
    }
    case ColumnType::kString: {
      const auto& data = values.strings();
      std::string_view minimum = data.at(begin), maximum = data.at(begin);
      for (size_t i = begin; i < end; ++i) {
        minimum = std::min(minimum, data.at(i));
        maximum = std::max(maximum, data.at(i));
      }
      EXPECT_EQ(std::get<std::string>(granule.min), minimum.substr(0, kMaxZoneMapStringBytes));
      EXPECT_EQ(std::get<std::string>(granule.max), maximum.substr(0, kMaxZoneMapStringBytes));
      EXPECT_EQ(granule.min_truncated, minimum.size() > kMaxZoneMapStringBytes);
      EXPECT_EQ(granule.max_truncated, maximum.size() > kMaxZoneMapStringBytes);
      break;
    }
  }
}

// Encodes, reopens and reads back `values`; checks the data, every
// granule's zone map, and that writer and reader agree on the summary.
std::unique_ptr<ColumnFileReader> ExpectRoundTrip(const ColumnVector& values,
                                                  const ColumnFileOptions& options = {}) {
  ColumnFileSummary written;
  Result<std::string> bytes = EncodeColumnFile(values, options, &written);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  if (!bytes.ok()) return nullptr;
  EXPECT_EQ(written.file_bytes, bytes->size());
  auto reader = ColumnFileReader::FromBuffer(*std::move(bytes), "test.col");
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return nullptr;
  ColumnVector decoded(values.type());
  Status status = (*reader)->ReadAll(&decoded);
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(SameColumn(decoded, values));

  EXPECT_EQ((*reader)->type(), values.type());
  EXPECT_EQ((*reader)->rows(), values.size());
  size_t granule_rows = options.granule_rows;
  EXPECT_EQ((*reader)->granule_count(), (values.size() + granule_rows - 1) / granule_rows);
  uint64_t next_row = 0;
  for (size_t i = 0; i < (*reader)->granule_count(); ++i) {
    const GranuleInfo& granule = (*reader)->granule(i);
    EXPECT_EQ(granule.first_row, next_row);
    EXPECT_EQ(granule.rows, std::min<uint64_t>(granule_rows, values.size() - next_row));
    next_row += granule.rows;
    ExpectZoneMap(granule, values);
  }
  ColumnFileSummary read = (*reader)->summary();
  EXPECT_EQ(read.type, written.type);
  EXPECT_EQ(read.rows, values.size());
  EXPECT_EQ(read.file_bytes, written.file_bytes);
  EXPECT_EQ(read.raw_bytes, values.ByteSize());
  EXPECT_EQ(read.granules, written.granules);
  EXPECT_EQ(read.has_nan, written.has_nan);
  EXPECT_EQ(read.min_truncated, written.min_truncated);
  EXPECT_EQ(read.max_truncated, written.max_truncated);
  EXPECT_EQ(read.file_encoding, written.file_encoding);
  EXPECT_EQ(read.dictionary_entries, written.dictionary_entries);
  EXPECT_EQ(read.min.has_value(), written.min.has_value());
  if (read.min.has_value() && written.min.has_value()) {
    EXPECT_EQ(ValueToString(*read.min), ValueToString(*written.min));
    EXPECT_EQ(ValueToString(*read.max), ValueToString(*written.max));
  }
  return *std::move(reader);
}

std::vector<int64_t> RandomInt64s(size_t count, std::mt19937_64* random) {
  std::vector<int64_t> values(count);
  for (int64_t& value : values) value = static_cast<int64_t>((*random)());
  return values;
}

TEST(ColumnFile, Int64EdgeValuesRoundTripAtGranuleBoundaries) {
  std::mt19937_64 random(11);
  const int64_t edges[] = {kInt64Min, kInt64Max, 0, -1, 1, kInt64Min + 1, kInt64Max - 1};
  for (size_t rows : kBoundaryRowCounts) {
    std::vector<int64_t> values(rows);
    for (size_t i = 0; i < rows; ++i) values[i] = edges[random() % 7];
    auto reader = ExpectRoundTrip(MakeInt64s(ColumnType::kInt64, values));
    ASSERT_NE(reader, nullptr);
    values.assign(rows, kInt64Min);
    ExpectRoundTrip(MakeInt64s(ColumnType::kInt64, values));
    values.assign(rows, kInt64Max);
    ExpectRoundTrip(MakeInt64s(ColumnType::kInt64, values));
  }
}

TEST(ColumnFile, Int64RandomAndSmallRangeRoundTrip) {
  std::mt19937_64 random(12);
  for (size_t rows : {size_t{1}, size_t{8191}, size_t{8192}, size_t{8193}, size_t{3 * 8192 + 5}}) {
    ExpectRoundTrip(MakeInt64s(ColumnType::kInt64, RandomInt64s(rows, &random)));
    std::vector<int64_t> small(rows);
    for (int64_t& value : small) value = 1 + static_cast<int64_t>(random() % 1000);
    auto reader = ExpectRoundTrip(MakeInt64s(ColumnType::kInt64, small));
    ASSERT_NE(reader, nullptr);
    if (rows > 1000) {
      EXPECT_EQ(reader->granule(0).encoding, GranuleEncoding::kFrameOfReference);
    }
  }
}

TEST(ColumnFile, IntegerSumsAreExactBeyond64Bits) {
  std::vector<int64_t> maxima(8192, kInt64Max);
  auto reader = ExpectRoundTrip(MakeInt64s(ColumnType::kInt64, maxima));
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(reader->granule(0).integer_sum == static_cast<Int128>(kInt64Max) * 8192);
  std::vector<int64_t> minima(8192, kInt64Min);
  reader = ExpectRoundTrip(MakeInt64s(ColumnType::kInt64, minima));
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(reader->granule(0).integer_sum == static_cast<Int128>(kInt64Min) * 8192);
  std::vector<uint64_t> unsigned_maxima(8192, kUInt64Max);
  reader = ExpectRoundTrip(MakeUInt64s(unsigned_maxima));
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(static_cast<unsigned __int128>(reader->granule(0).integer_sum) ==
              static_cast<unsigned __int128>(kUInt64Max) * 8192);
}

TEST(ColumnFile, TimestampsRoundTripWithDeltaEncoding) {
  std::mt19937_64 random(13);
  for (size_t rows : kBoundaryRowCounts) {
    std::vector<int64_t> values{generate::kOrdersStartTimestamp};
    while (values.size() < rows) values.push_back(values.back() + 1000 * (1 + random() % 2000));
    auto reader = ExpectRoundTrip(MakeInt64s(ColumnType::kTimestamp, values));
    ASSERT_NE(reader, nullptr);
    if (rows > 1) {
      EXPECT_EQ(reader->granule(0).encoding, GranuleEncoding::kDelta);
      // 11 bits per row, a little over a byte and a third.
      EXPECT_LT(reader->granule(0).stored_bytes, reader->granule(0).rows * 3 / 2 + 64);
    }
  }
}

TEST(ColumnFile, UInt64EdgeValuesRoundTrip) {
  std::mt19937_64 random(14);
  const uint64_t edges[] = {0, 1, kUInt64Max, kUInt64Max - 1, uint64_t{1} << 63};
  for (size_t rows : kBoundaryRowCounts) {
    std::vector<uint64_t> values(rows);
    for (uint64_t& value : values) value = edges[random() % 5];
    ExpectRoundTrip(MakeUInt64s(values));
    for (uint64_t& value : values) value = random();
    ExpectRoundTrip(MakeUInt64s(values));
    values.assign(rows, kUInt64Max);
    ExpectRoundTrip(MakeUInt64s(values));
  }
}

TEST(ColumnFile, Float64SpecialValuesRoundTripBitForBit) {
  std::mt19937_64 random(15);
  uint64_t payload_nan_bits = 0x7ff4000000000123ull;
  double payload_nan;
  std::memcpy(&payload_nan, &payload_nan_bits, 8);
  const double edges[] = {std::nan(""), -std::nan(""), payload_nan, kInfinity, -kInfinity, -0.0,
                          0.0, std::numeric_limits<double>::denorm_min(),
                          std::numeric_limits<double>::max(), -std::numeric_limits<double>::max(),
                          1.5, 45000.01};
  for (size_t rows : kBoundaryRowCounts) {
    std::vector<double> values(rows);
    for (double& value : values) value = edges[random() % 12];
    ExpectRoundTrip(MakeFloat64s(values));
    // Mostly decimal, with a few specials: the decimal encoding's exceptions.
    for (size_t i = 0; i < rows; ++i) {
      values[i] = i % 97 == 5 ? edges[random() % 6] : static_cast<double>(random() % 100000) / 100;
    }
    auto reader = ExpectRoundTrip(MakeFloat64s(values));
    ASSERT_NE(reader, nullptr);
    if (rows > 1000) {
      EXPECT_EQ(reader->granule(0).encoding, GranuleEncoding::kDecimal);
    }
  }
}

TEST(ColumnFile, Float64RandomValuesRoundTrip) {
  std::mt19937_64 random(16);
  std::uniform_real_distribution<double> distribution(-1e9, 1e9);
  for (size_t rows : {size_t{1}, size_t{8193}, size_t{20000}}) {
    std::vector<double> values(rows);
    for (double& value : values) value = distribution(random);
    ExpectRoundTrip(MakeFloat64s(values));
    for (double& value : values) {
      uint64_t bits = random();
      std::memcpy(&value, &bits, 8);
    }
    ExpectRoundTrip(MakeFloat64s(values));
  }
}

TEST(ColumnFile, Float64NanOnlyGranuleHasNanBoundsAndTheFileIgnoresIt) {
  std::vector<double> values(8192, std::nan(""));
  values.push_back(-0.0);
  values.push_back(0.0);
  values.push_back(-kInfinity);
  auto reader = ExpectRoundTrip(MakeFloat64s(values));
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(reader->granule(0).all_nan);
  EXPECT_TRUE(reader->granule(0).has_nan);
  EXPECT_FALSE(reader->granule(1).has_nan);
  EXPECT_EQ(std::get<double>(reader->granule(1).min), -kInfinity);
  EXPECT_EQ(DoubleBits(std::get<double>(reader->granule(1).max)), DoubleBits(0.0));
  ColumnFileSummary summary = reader->summary();
  EXPECT_TRUE(summary.has_nan);
  ASSERT_TRUE(summary.min.has_value());
  EXPECT_EQ(std::get<double>(*summary.min), -kInfinity);
  EXPECT_EQ(DoubleBits(std::get<double>(*summary.max)), DoubleBits(0.0));

  std::vector<double> only_nan(10, std::nan(""));
  reader = ExpectRoundTrip(MakeFloat64s(only_nan));
  ASSERT_NE(reader, nullptr);
  EXPECT_FALSE(reader->summary().min.has_value());
  EXPECT_TRUE(reader->summary().has_nan);
}

TEST(ColumnFile, NegativeZeroIsTheMinimumBeforePositiveZero) {
  auto reader = ExpectRoundTrip(MakeFloat64s({0.0, -0.0, 0.0}));
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(DoubleBits(std::get<double>(reader->granule(0).min)), DoubleBits(-0.0));
  EXPECT_EQ(DoubleBits(std::get<double>(reader->granule(0).max)), DoubleBits(0.0));
}

TEST(ColumnFile, StringEdgeValuesRoundTrip) {
  std::mt19937_64 random(17);
  const std::string huge(kMaxStringBytes, 'z');
  std::string binary(300, '\0');
  for (char& c : binary) c = static_cast<char>(random());
  for (size_t rows : kBoundaryRowCounts) {
    std::vector<std::string> values(rows);
    ExpectRoundTrip(MakeStrings(values));  // all empty
    for (size_t i = 0; i < rows; ++i) {
      switch (random() % 5) {
        case 0: values[i] = ""; break;
        case 1: values[i] = "BTC"; break;
        case 2: values[i] = binary.substr(0, random() % binary.size()); break;
        case 3: values[i] = std::to_string(random()); break;
        case 4: values[i] = i % 2000 == 0 ? huge : "ETH"; break;
      }
    }
    ExpectRoundTrip(MakeStrings(values));
  }
  // Strings of exactly the maximum length, one and many.
  ExpectRoundTrip(MakeStrings({huge}));
  std::vector<std::string> many_huge;
  for (int i = 0; i < 40; ++i) many_huge.push_back(std::string(kMaxStringBytes, char('a' + i)));
  ExpectRoundTrip(MakeStrings(many_huge));
}

TEST(ColumnFile, LowCardinalityStringsUseTheSortedDictionary) {
  generate::OrdersGenerator generator(1);
  generate::OrdersChunk chunk;
  generator.Next(20000, &chunk);
  auto reader = ExpectRoundTrip(chunk.symbol);
  ASSERT_NE(reader, nullptr);
  ASSERT_NE(reader->dictionary(), nullptr);
  EXPECT_EQ(reader->summary().file_encoding, FileEncoding::kDictionary);
  EXPECT_EQ(reader->dictionary()->size(), 100u);
  for (size_t i = 1; i < reader->dictionary()->size(); ++i) {
    EXPECT_LT(reader->dictionary()->at(i - 1), reader->dictionary()->at(i));
  }
  std::vector<uint32_t> codes;
  ASSERT_TRUE(reader->ReadGranuleCodes(1, &codes).ok());
  ASSERT_EQ(codes.size(), reader->granule(1).rows);
  for (size_t i = 0; i < codes.size(); ++i) {
    EXPECT_EQ(reader->dictionary()->at(codes[i]), chunk.symbol.strings().at(8192 + i));
  }
  // An unsorted, high-cardinality column is stored plain, without codes.
  std::vector<std::string> unique;
  for (int i = 0; i < 9000; ++i) unique.push_back("order-" + std::to_string(i * 7919 % 9000));
  reader = ExpectRoundTrip(MakeStrings(unique));
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->dictionary(), nullptr);
  EXPECT_EQ(reader->granule(0).encoding, GranuleEncoding::kPlainStrings);
  EXPECT_EQ(reader->ReadGranuleCodes(0, &codes).code(), StatusCode::kFailedPrecondition);
}

TEST(ColumnFile, MoreThan65536DistinctStringsArePlain) {
  std::vector<std::string> values;
  for (uint32_t i = 0; i <= kMaxDictionaryEntries; ++i) values.push_back(std::to_string(i % 977));
  for (uint32_t i = 0; i <= kMaxDictionaryEntries; ++i) values.push_back(std::to_string(i));
  for (uint32_t i = 0; i <= kMaxDictionaryEntries; ++i) values.push_back(std::to_string(i));
  auto reader = ExpectRoundTrip(MakeStrings(values));
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->summary().file_encoding, FileEncoding::kPlain);
}

TEST(ColumnFile, LongStringBoundsAreTruncatedPrefixes) {
  std::string long_a(100, 'a'), long_b(100, 'b');
  std::string exact_b(kMaxZoneMapStringBytes, 'b');
  auto reader = ExpectRoundTrip(MakeStrings({long_b, long_a, exact_b}));
  ASSERT_NE(reader, nullptr);
  const GranuleInfo& granule = reader->granule(0);
  EXPECT_EQ(std::get<std::string>(granule.min), long_a.substr(0, kMaxZoneMapStringBytes));
  EXPECT_TRUE(granule.min_truncated);
  EXPECT_EQ(std::get<std::string>(granule.max), exact_b);
  EXPECT_TRUE(granule.max_truncated);  // the max is long_b, cut to exact_b
  ColumnFileSummary summary = reader->summary();
  EXPECT_TRUE(summary.min_truncated);
  EXPECT_TRUE(summary.max_truncated);

  // Across granules: an exact bound beats a truncated one with the same prefix.
  ColumnFileOptions options;
  options.granule_rows = 1;
  reader = ExpectRoundTrip(MakeStrings({long_b, exact_b, "c"}), options);
  ASSERT_NE(reader, nullptr);
  summary = reader->summary();
  EXPECT_EQ(std::get<std::string>(*summary.min), exact_b);
  EXPECT_FALSE(summary.min_truncated);
  EXPECT_EQ(std::get<std::string>(*summary.max), "c");
  EXPECT_FALSE(summary.max_truncated);
}

TEST(ColumnFile, AllEqualValuesOfEveryTypeRoundTripCompactly) {
  for (size_t rows : kBoundaryRowCounts) {
    std::vector<std::unique_ptr<ColumnFileReader>> readers;
    readers.push_back(ExpectRoundTrip(
        MakeInt64s(ColumnType::kTimestamp, std::vector<int64_t>(rows, 1704067200))));
    readers.push_back(ExpectRoundTrip(MakeUInt64s(std::vector<uint64_t>(rows, 7))));
    readers.push_back(ExpectRoundTrip(MakeFloat64s(std::vector<double>(rows, 45000.5))));
    readers.push_back(ExpectRoundTrip(MakeFloat64s(std::vector<double>(rows, -0.0))));
    readers.push_back(
        ExpectRoundTrip(MakeStrings(std::vector<std::string>(rows, std::string(70, 'B')))));
    for (const auto& reader : readers) {
      ASSERT_NE(reader, nullptr);
      // A fixed cost plus an index entry (two 64-byte string bounds at most)
      // and a few dozen bytes of data per granule, whatever the row count.
      EXPECT_LT(reader->summary().file_bytes, 300 + 250 * reader->granule_count())
          << ColumnTypeName(reader->type()) << " " << rows;
    }
  }
}

TEST(ColumnFile, EmptyColumnsRoundTrip) {
  for (ColumnType type : {ColumnType::kInt64, ColumnType::kUInt64, ColumnType::kFloat64,
                          ColumnType::kString, ColumnType::kTimestamp}) {
    auto reader = ExpectRoundTrip(ColumnVector(type));
    ASSERT_NE(reader, nullptr);
    EXPECT_EQ(reader->granule_count(), 0u);
    EXPECT_FALSE(reader->summary().min.has_value());
  }
}

TEST(ColumnFile, GranuleSizesFromOneRowToTheMaximumRoundTrip) {
  std::mt19937_64 random(18);
  for (uint32_t granule_rows : {1u, 3u, 100u, kMaxGranuleRows}) {
    ColumnFileOptions options;
    options.granule_rows = granule_rows;
    std::vector<double> prices(70000);
    for (double& price : prices) price = static_cast<double>(random() % 1000000) / 100;
    if (granule_rows < 100) prices.resize(500);
    ExpectRoundTrip(MakeFloat64s(prices), options);
    std::vector<std::string> names(prices.size());
    for (std::string& name : names) name = "s" + std::to_string(random() % 50);
    ExpectRoundTrip(MakeStrings(names), options);
  }
}

TEST(ColumnFile, ReadGranuleAppendsExactlyThatGranule) {
  std::mt19937_64 random(19);
  std::vector<int64_t> values = RandomInt64s(3 * 8192 + 10, &random);
  Result<std::string> bytes = EncodeColumnFile(MakeInt64s(ColumnType::kInt64, values), {}, nullptr);
  ASSERT_TRUE(bytes.ok());
  auto reader = ColumnFileReader::FromBuffer(*std::move(bytes), "test.col");
  ASSERT_TRUE(reader.ok());
  ColumnVector out(ColumnType::kInt64);
  out.int64s().push_back(42);
  ASSERT_TRUE((*reader)->ReadGranule(3, &out).ok());
  ASSERT_TRUE((*reader)->ReadGranule(1, &out).ok());
  std::vector<int64_t> expected{42};
  expected.insert(expected.end(), values.begin() + 3 * 8192, values.end());
  expected.insert(expected.end(), values.begin() + 8192, values.begin() + 2 * 8192);
  EXPECT_EQ(out.int64s(), expected);
}

TEST(ColumnFile, ReadGranuleRejectsAnotherTypeAndAMissingGranule) {
  Result<std::string> bytes =
      EncodeColumnFile(MakeInt64s(ColumnType::kTimestamp, {1, 2, 3}), {}, nullptr);
  ASSERT_TRUE(bytes.ok());
  auto reader = ColumnFileReader::FromBuffer(*std::move(bytes), "ts.col");
  ASSERT_TRUE(reader.ok());
  ColumnVector int64s(ColumnType::kInt64);
  Status status = (*reader)->ReadGranule(0, &int64s);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("ts.col"), std::string::npos) << status.message();
  ColumnVector timestamps(ColumnType::kTimestamp);
  EXPECT_EQ((*reader)->ReadGranule(1, &timestamps).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(timestamps.int64s().empty());
}

TEST(ColumnFile, WriterRejectsBadOptionsAndOverlongStrings) {
  ColumnVector values = MakeInt64s(ColumnType::kInt64, {1, 2, 3});
  ColumnFileOptions options;
  options.granule_rows = 0;
  EXPECT_EQ(EncodeColumnFile(values, options, nullptr).status().code(),
            StatusCode::kInvalidArgument);
  options.granule_rows = kMaxGranuleRows + 1;
  EXPECT_EQ(EncodeColumnFile(values, options, nullptr).status().code(),
            StatusCode::kInvalidArgument);
  options = {};
  options.zstd_level = 1000;
  EXPECT_EQ(EncodeColumnFile(values, options, nullptr).status().code(),
            StatusCode::kInvalidArgument);
  Result<std::string> overlong =
      EncodeColumnFile(MakeStrings({"ok", std::string(kMaxStringBytes + 1, 'x')}), {}, nullptr);
  EXPECT_EQ(overlong.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(overlong.status().message().find("row 1"), std::string::npos);
}

TEST(ColumnFile, ZstdIsKeptOnlyWhereItPays) {
  // Repetitive plain strings compress; random 64-bit integers do not.
  std::vector<std::string> sentences;
  for (int i = 0; i < 9000; ++i) {
    sentences.push_back("order " + std::to_string(i) + " filled at the best available price");
  }
  auto reader = ExpectRoundTrip(MakeStrings(sentences));
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->granule(0).codec, GranuleCodec::kZstd);
  EXPECT_LT(reader->granule(0).stored_bytes, reader->granule(0).decoded_bytes / 3);

  std::mt19937_64 random(20);
  std::vector<uint64_t> noise(9000);
  for (uint64_t& value : noise) value = random();
  reader = ExpectRoundTrip(MakeUInt64s(noise));
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->granule(0).codec, GranuleCodec::kNone);
  EXPECT_EQ(reader->granule(0).encoding, GranuleEncoding::kPlain);

  ColumnFileOptions no_zstd;
  no_zstd.zstd_minimum_saving = 1.0;
  reader = ExpectRoundTrip(MakeStrings(sentences), no_zstd);
  ASSERT_NE(reader, nullptr);
  for (const GranuleInfo& granule : reader->granules()) {
    EXPECT_EQ(granule.codec, GranuleCodec::kNone);
  }
}

TEST(ColumnFile, OrdersColumnsPickTheirTypeFitEncodings) {
  generate::OrdersGenerator generator(7);
  generate::OrdersChunk chunk;
  generator.Next(3 * 8192, &chunk);
  auto ts = ExpectRoundTrip(chunk.ts);
  auto symbol = ExpectRoundTrip(chunk.symbol);
  auto price = ExpectRoundTrip(chunk.price);
  auto qty = ExpectRoundTrip(chunk.qty);
  ASSERT_TRUE(ts && symbol && price && qty);
  EXPECT_EQ(ts->granule(0).encoding, GranuleEncoding::kDelta);
  EXPECT_EQ(symbol->granule(0).encoding, GranuleEncoding::kDictionary);
  EXPECT_EQ(price->granule(0).encoding, GranuleEncoding::kDecimal);
  EXPECT_EQ(qty->granule(0).encoding, GranuleEncoding::kFrameOfReference);
  EXPECT_LT(ts->summary().file_bytes * 4, ts->summary().raw_bytes);
  EXPECT_LT(qty->summary().file_bytes * 5, qty->summary().raw_bytes);
}

TEST(ColumnFile, WrittenFileOpensByMappingAndReadsBack) {
  backtrace::testing::TemporaryDirectory directory;
  std::mt19937_64 random(21);
  ColumnVector values = MakeInt64s(ColumnType::kInt64, RandomInt64s(10000, &random));
  std::string path = directory.Join("price.col");
  Result<ColumnFileSummary> summary = WriteColumnFile(path, values);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  Result<std::string> on_disk = io::ReadWholeFile(path);
  ASSERT_TRUE(on_disk.ok());
  EXPECT_EQ(on_disk->size(), summary->file_bytes);
  EXPECT_EQ(*on_disk, *EncodeColumnFile(values, {}, nullptr));

  auto reader = ColumnFileReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->name(), path);
  ColumnVector decoded(ColumnType::kInt64);
  ASSERT_TRUE((*reader)->ReadAll(&decoded).ok());
  EXPECT_TRUE(SameColumn(decoded, values));

  // Rewriting truncates the old contents.
  ASSERT_TRUE(WriteColumnFile(path, MakeInt64s(ColumnType::kInt64, {5})).ok());
  reader = ColumnFileReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->rows(), 1u);
}

TEST(ColumnFile, OpenReportsMissingFilesAsNotFound) {
  backtrace::testing::TemporaryDirectory directory;
  auto reader = ColumnFileReader::Open(directory.Join("missing.col"));
  EXPECT_EQ(reader.status().code(), StatusCode::kNotFound);
  EXPECT_NE(reader.status().message().find("missing.col"), std::string::npos);
  Result<ColumnFileSummary> written =
      WriteColumnFile(directory.Join("no/such/dir/x.col"), MakeInt64s(ColumnType::kInt64, {1}));
  EXPECT_EQ(written.status().code(), StatusCode::kNotFound);
}

TEST(ColumnFile, ConcurrentReadersSeeTheSameValues) {
  generate::OrdersGenerator generator(3);
  generate::OrdersChunk chunk;
  generator.Next(5 * 8192, &chunk);
  std::vector<std::unique_ptr<ColumnFileReader>> readers;
  for (const ColumnVector* column : {&chunk.ts, &chunk.symbol, &chunk.price, &chunk.qty}) {
    Result<std::string> bytes = EncodeColumnFile(*column, {}, nullptr);
    ASSERT_TRUE(bytes.ok());
    auto reader = ColumnFileReader::FromBuffer(*std::move(bytes), "orders.col");
    ASSERT_TRUE(reader.ok());
    readers.push_back(*std::move(reader));
  }
  const ColumnVector* expected[] = {&chunk.ts, &chunk.symbol, &chunk.price, &chunk.qty};
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int thread = 0; thread < 4; ++thread) {
    threads.emplace_back([&, thread] {
      for (int round = 0; round < 3; ++round) {
        for (size_t column = 0; column < readers.size(); ++column) {
          ColumnVector out(expected[column]->type());
          // Threads walk the granules in different orders.
          for (size_t g = 0; g < readers[column]->granule_count(); ++g) {
            size_t index = (g + static_cast<size_t>(thread)) % readers[column]->granule_count();
            ColumnVector granule(expected[column]->type());
            if (!readers[column]->ReadGranule(index, &granule).ok()) ++failures[thread];
          }
          if (!readers[column]->ReadAll(&out).ok() || !SameColumn(out, *expected[column])) {
            ++failures[thread];
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace backtrace::column
