#include "common/text/number_parse.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace backtrace {
namespace {

TEST(ParseInt64, AcceptsTheWholeRangeAndNothingElse) {
  int64_t value = 0;
  EXPECT_EQ(ParseInt64("0", &value), NumberParse::kOk);
  EXPECT_EQ(value, 0);
  EXPECT_EQ(ParseInt64("-9223372036854775808", &value), NumberParse::kOk);
  EXPECT_EQ(value, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(ParseInt64("9223372036854775807", &value), NumberParse::kOk);
  EXPECT_EQ(value, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ParseInt64("9223372036854775808", &value), NumberParse::kOutOfRange);
  EXPECT_EQ(ParseInt64("-9223372036854775809", &value), NumberParse::kOutOfRange);
  for (const char* text : {"", "-", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "1,000", "abc"}) {
    EXPECT_EQ(ParseInt64(text, &value), NumberParse::kInvalid) << text;
  }
}

TEST(ParseUInt64, RejectsSigns) {
  uint64_t value = 0;
  EXPECT_EQ(ParseUInt64("18446744073709551615", &value), NumberParse::kOk);
  EXPECT_EQ(value, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(ParseUInt64("18446744073709551616", &value), NumberParse::kOutOfRange);
  EXPECT_EQ(ParseUInt64("-1", &value), NumberParse::kInvalid);
  EXPECT_EQ(ParseUInt64("+1", &value), NumberParse::kInvalid);
}

TEST(ParseFloat64, AcceptsDecimalExponentAndSpecialForms) {
  double value = 0;
  EXPECT_EQ(ParseFloat64("123.45", &value), NumberParse::kOk);
  EXPECT_EQ(value, 123.45);
  EXPECT_EQ(ParseFloat64("-1.5e-3", &value), NumberParse::kOk);
  EXPECT_EQ(value, -1.5e-3);
  EXPECT_EQ(ParseFloat64("1E+5", &value), NumberParse::kOk);
  EXPECT_EQ(value, 1e5);
  EXPECT_EQ(ParseFloat64(".5", &value), NumberParse::kOk);
  EXPECT_EQ(value, 0.5);
  EXPECT_EQ(ParseFloat64("7.", &value), NumberParse::kOk);
  EXPECT_EQ(value, 7.0);
  EXPECT_EQ(ParseFloat64("0.1", &value), NumberParse::kOk);
  EXPECT_EQ(value, 0.1);  // correctly rounded
  EXPECT_EQ(ParseFloat64("-inf", &value), NumberParse::kOk);
  EXPECT_EQ(value, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(ParseFloat64("Infinity", &value), NumberParse::kOk);
  EXPECT_EQ(value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(ParseFloat64("NaN", &value), NumberParse::kOk);
  EXPECT_TRUE(std::isnan(value));
}

TEST(ParseFloat64, RejectsOtherTextAndValuesOutOfRange) {
  double value = 0;
  for (const char* text : {"", "+1", " 1", "1 ", "1e", "1.2.3", "0x1p3", "1,5", "--1", "nan1"}) {
    EXPECT_EQ(ParseFloat64(text, &value), NumberParse::kInvalid) << text;
  }
  EXPECT_EQ(ParseFloat64("1e309", &value), NumberParse::kOutOfRange);
  EXPECT_EQ(ParseFloat64("1e-400", &value), NumberParse::kOutOfRange);
}

TEST(ParseInt64, FastPathAgreesWithFromCharsOnEveryLengthAndBadByte) {
  std::mt19937_64 random(3);
  for (int i = 0; i < 20'000; ++i) {
    std::string text = i % 2 ? "-" : "";
    const size_t length = 1 + random() % 22;
    for (size_t d = 0; d < length; ++d) text += static_cast<char>('0' + random() % 10);
    if (i % 5 == 0) text[random() % text.size()] = "x/:. 9"[random() % 6];
    int64_t fast = 0, reference = 0;
    const NumberParse outcome = ParseInt64(text, &fast);
    const char* end = text.data() + text.size();
    auto [pointer, error] = std::from_chars(text.data(), end, reference);
    if (error == std::errc() && pointer == end) {
      ASSERT_EQ(outcome, NumberParse::kOk) << text;
      ASSERT_EQ(fast, reference) << text;
    } else if (error == std::errc::result_out_of_range && pointer == end) {
      ASSERT_EQ(outcome, NumberParse::kOutOfRange) << text;
    } else {
      ASSERT_EQ(outcome, NumberParse::kInvalid) << text;
    }
  }
}

TEST(ParseFloat64, FastPathAgreesWithFromChars) {
  std::mt19937_64 random(4);
  for (int i = 0; i < 100'000; ++i) {
    std::string text = i % 3 == 0 ? "-" : "";
    const size_t integer_digits = random() % 12;
    const size_t fraction_digits = random() % 10;
    for (size_t d = 0; d < integer_digits; ++d) text += static_cast<char>('0' + random() % 10);
    if (i % 7 != 0) text += '.';
    for (size_t d = 0; d < fraction_digits; ++d) text += static_cast<char>('0' + random() % 10);
    double fast = 0, reference = 0;
    const NumberParse outcome = ParseFloat64(text, &fast);
    const char* end = text.data() + text.size();
    auto [pointer, error] = std::from_chars(text.data(), end, reference);
    if (error == std::errc() && pointer == end) {
      ASSERT_EQ(outcome, NumberParse::kOk) << text;
      ASSERT_EQ(std::memcmp(&fast, &reference, sizeof(double)), 0) << text;
    } else {
      ASSERT_NE(outcome, NumberParse::kOk) << text;
    }
  }
}

}  // namespace
}  // namespace backtrace
