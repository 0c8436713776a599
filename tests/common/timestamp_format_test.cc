#include "common/text/timestamp_format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "common/text/civil_date.h"

namespace backtrace {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kSecond = kNanosPerSecond;

int64_t ParseOk(std::string_view text) {
  Result<int64_t> result = ParseTimestamp(text);
  EXPECT_TRUE(result.ok()) << text << ": " << result.status().ToString();
  int64_t fast = 0;
  EXPECT_TRUE(TryParseTimestamp(text, &fast)) << text;
  return result.ok() ? *result : 0;
}

// Expects `text` to be rejected with a message that names it and holds
// `reason`.
void ExpectError(std::string_view text, std::string_view reason) {
  Result<int64_t> result = ParseTimestamp(text);
  ASSERT_FALSE(result.ok()) << text << " parsed as " << *result;
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  const std::string& message = result.status().message();
  EXPECT_NE(message.find("\"" + std::string(text) + "\" is not a timestamp"), std::string::npos)
      << message;
  EXPECT_NE(message.find(reason), std::string::npos) << message;
  EXPECT_EQ(TimestampParseProblem(text), message.substr(message.find(": ") + 2));
  int64_t fast = 0;
  EXPECT_FALSE(TryParseTimestamp(text, &fast)) << text;
}

TEST(CivilDate, EveryDayInTheTimestampRangeFollowsTheDayBefore) {
  // From before 1677-09-21 to after 2262-04-11, each day is the calendar
  // successor of the day before, and converts back to its day number.
  civil::Date previous = civil::CivilFromDays(-106'752);
  EXPECT_EQ(previous.year, 1677);
  for (int64_t day = -106'751; day <= 106'752; ++day) {
    const civil::Date date = civil::CivilFromDays(day);
    ASSERT_EQ(civil::DaysFromCivil(date.year, date.month, date.day), day);
    if (previous.day < civil::DaysInMonth(previous.year, previous.month)) {
      ASSERT_EQ(date.year, previous.year);
      ASSERT_EQ(date.month, previous.month);
      ASSERT_EQ(date.day, previous.day + 1);
    } else if (previous.month < 12) {
      ASSERT_EQ(date.year, previous.year);
      ASSERT_EQ(date.month, previous.month + 1);
      ASSERT_EQ(date.day, 1u);
    } else {
      ASSERT_EQ(date.year, previous.year + 1);
      ASSERT_EQ(date.month, 1u);
      ASSERT_EQ(date.day, 1u);
    }
    previous = date;
  }
  EXPECT_EQ(previous.year, 2262);
}

TEST(CivilDate, KnownDays) {
  EXPECT_EQ(civil::DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(civil::DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(civil::DaysFromCivil(2000, 3, 1), 11'017);
  EXPECT_EQ(civil::DaysFromCivil(2024, 1, 2), 19'724);
  EXPECT_EQ(civil::DaysFromCivil(1600, 1, 1), -135'140);
  EXPECT_TRUE(civil::IsLeapYear(2000));
  EXPECT_FALSE(civil::IsLeapYear(1900));
  EXPECT_FALSE(civil::IsLeapYear(2100));
  EXPECT_TRUE(civil::IsLeapYear(2024));
  EXPECT_EQ(civil::DaysInMonth(2023, 2), 28u);
  EXPECT_EQ(civil::DaysInMonth(2024, 2), 29u);
  EXPECT_EQ(civil::DaysInMonth(2024, 13), 0u);
}

TEST(ParseTimestamp, IntegerNanoseconds) {
  EXPECT_EQ(ParseOk("0"), 0);
  EXPECT_EQ(ParseOk("-0"), 0);
  EXPECT_EQ(ParseOk("1704153600123456789"), 1'704'153'600'123'456'789);
  EXPECT_EQ(ParseOk("-1"), -1);
  EXPECT_EQ(ParseOk("2024"), 2024);  // all digits: nanoseconds, not a year
  EXPECT_EQ(ParseOk("9223372036854775807"), kMax);
  EXPECT_EQ(ParseOk("-9223372036854775808"), kMin);
}

TEST(ParseTimestamp, IsoForms) {
  const int64_t day = 1'704'153'600 * kSecond;  // 2024-01-02T00:00:00Z
  EXPECT_EQ(ParseOk("2024-01-02"), day);
  EXPECT_EQ(ParseOk("2024-01-02T00:00:00"), day);
  EXPECT_EQ(ParseOk("2024-01-02T00:00:00Z"), day);
  EXPECT_EQ(ParseOk("2024-01-02 00:00:00"), day);
  EXPECT_EQ(ParseOk("2024-01-02 00:00:00.123"), day + 123'000'000);
  EXPECT_EQ(ParseOk("2024-01-02T13:45:07.5Z"), day + (13 * 3600 + 45 * 60 + 7) * kSecond + 500'000'000);
  EXPECT_EQ(ParseOk("2024-01-02T00:00:00.000000001Z"), day + 1);
  EXPECT_EQ(ParseOk("2024-01-02T00:00:00.123456789"), day + 123'456'789);
  EXPECT_EQ(ParseOk("2024-01-02T01:30:00+01:30"), day);
  EXPECT_EQ(ParseOk("2024-01-01T19:00:00-05:00"), day);
  EXPECT_EQ(ParseOk("2024-01-02T00:00:00.25-00:00"), day + 250'000'000);
}

TEST(ParseTimestamp, EdgeDates) {
  EXPECT_EQ(ParseOk("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseOk("1969-12-31T23:59:59.999999999Z"), -1);
  EXPECT_EQ(ParseOk("1969-12-31T23:59:59Z"), -kSecond);
  EXPECT_EQ(ParseOk("1969-12-31T23:59:59.5Z"), -kSecond / 2);
  EXPECT_EQ(ParseOk("1900-01-01"), -2'208'988'800 * kSecond);
  EXPECT_EQ(ParseOk("2000-02-29"), 951'782'400 * kSecond);
  EXPECT_EQ(ParseOk("2024-02-29T12:00:00Z"), 1'709'208'000 * kSecond);
  EXPECT_EQ(ParseOk("2000-03-01") - ParseOk("2000-02-28"), 2 * 86'400 * kSecond);
  EXPECT_EQ(ParseOk("1900-03-01") - ParseOk("1900-02-28"), 86'400 * kSecond);
  EXPECT_EQ(ParseOk("1677-09-21T00:12:43.145224192Z"), kMin);
  EXPECT_EQ(ParseOk("2262-04-11T23:47:16.854775807Z"), kMax);
  EXPECT_EQ(ParseOk("2262-04-12T00:47:16.854775807+01:00"), kMax);
  EXPECT_EQ(ParseOk("1677-09-20T23:12:43.145224192-01:00"), kMin);
}

TEST(FormatTimestamp, KnownValues) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatTimestamp(1'704'153'600 * kSecond + 123'000'000),
            "2024-01-02T00:00:00.123000000Z");
  EXPECT_EQ(FormatTimestamp(951'782'400 * kSecond), "2000-02-29T00:00:00.000000000Z");
  EXPECT_EQ(FormatTimestamp(kMin), "1677-09-21T00:12:43.145224192Z");
  EXPECT_EQ(FormatTimestamp(kMax), "2262-04-11T23:47:16.854775807Z");
}

TEST(FormatTimestamp, AppendAddsToTheEnd) {
  std::string text = "at ";
  AppendTimestamp(&text, 1);
  EXPECT_EQ(text, "at 1970-01-01T00:00:00.000000001Z");
  char raw[kTimestampTextBytes + 1];
  raw[kTimestampTextBytes] = '#';
  FormatTimestampTo(-kSecond, raw);
  EXPECT_EQ(std::string(raw, kTimestampTextBytes + 1), "1969-12-31T23:59:59.000000000Z#");
}

TEST(FormatTimestamp, RoundTripsRandomValuesOverTheWholeRange) {
  std::mt19937_64 random(20240102);
  std::uniform_int_distribution<int64_t> any(kMin, kMax);
  std::uniform_int_distribution<int64_t> near_epoch(-10 * kSecond, 10 * kSecond);
  for (int i = 0; i < 200'000; ++i) {
    const int64_t value = i % 4 == 0 ? near_epoch(random) : any(random);
    const std::string text = FormatTimestamp(value);
    ASSERT_EQ(text.size(), kTimestampTextBytes);
    Result<int64_t> parsed = ParseTimestamp(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    ASSERT_EQ(*parsed, value) << text;
    // The same instant written with a space and without the zone.
    std::string variant = text.substr(0, text.size() - 1);
    variant[10] = ' ';
    ASSERT_EQ(ParseOk(variant), value) << variant;
  }
}

TEST(FormatTimestamp, OrderOfTextIsOrderOfTime) {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int64_t> any(kMin, kMax);
  for (int i = 0; i < 10'000; ++i) {
    int64_t a = any(random), b = any(random);
    ASSERT_EQ(a < b, FormatTimestamp(a) < FormatTimestamp(b));
  }
}

TEST(ParseTimestamp, RejectsMalformedText) {
  ExpectError("", "the text is empty");
  ExpectError("abc", "expected a digit at offset 0, found 'a'");
  ExpectError("-", "expected a digit at offset 1 (the text ended)");
  ExpectError("+5", "expected a digit at offset 0, found '+'");
  ExpectError(" 5", "found ' '");
  ExpectError("5 ", "found ' '");
  ExpectError("12:00", "expected a 4-digit year or only digits at offset 2");
  ExpectError("2024-1-02", "expected a 2-digit month at offset 6, found '-'");
  ExpectError("2024-01-2", "expected a 2-digit day at offset 9 (the text ended)");
  ExpectError("2024/01/02", "expected '-' after a 4-digit year at offset 4, found '/'");
  ExpectError("2024-01-02t00:00:00", "expected 'T' or ' ' after the date at offset 10");
  ExpectError("2024-01-02T", "expected a 2-digit hour at offset 11 (the text ended)");
  ExpectError("2024-01-02T00:00", "expected ':' after the minutes at offset 16");
  ExpectError("2024-01-02T00:00:00.", "expected fraction digits after '.' at offset 20");
  ExpectError("2024-01-02T00:00:00.1234567891", "more than 9 fraction digits");
  ExpectError("2024-01-02T00:00:00 ", "expected '.', 'Z', '+HH:MM', '-HH:MM' or the end");
  ExpectError("2024-01-02T00:00:00Z ", "expected the end after the zone at offset 20");
  ExpectError("2024-01-02T00:00:00+0100", "expected ':' in the zone offset at offset 22");
  ExpectError("2024-01-02T00:00:00+1", "expected a 2-digit zone offset hour at offset 21 (the text ended)");
  ExpectError("2024-01-02Z", "expected 'T' or ' ' after the date at offset 10, found 'Z'");
  ExpectError("2024-01-02T00:00:00\x01", "found byte 0x01");
}

TEST(ParseTimestamp, AllDigitsThatLookLikeADateAreNanoseconds) {
  EXPECT_EQ(ParseOk("20240102"), 20'240'102);
}

TEST(ParseTimestamp, RejectsFieldsOutOfRange) {
  ExpectError("2024-13-01", "month 13 is not in 01..12");
  ExpectError("2024-00-10", "month 0 is not in 01..12");
  ExpectError("2024-01-00", "day 0 does not exist in 2024-01");
  ExpectError("2023-02-29", "day 29 does not exist in 2023-02");
  ExpectError("1900-02-29", "day 29 does not exist in 1900-02");
  ExpectError("2024-02-30", "day 30 does not exist in 2024-02");
  ExpectError("2024-04-31", "day 31 does not exist in 2024-04");
  ExpectError("2024-01-02T24:00:00", "hour 24 is not in 00..23");
  ExpectError("2024-01-02T23:60:00", "minute 60 is not in 00..59");
  ExpectError("2016-12-31T23:59:60Z", "second 60 is not in 00..59 (there are no leap seconds)");
  ExpectError("2024-01-02T00:00:00+24:00", "zone offset hour 24 is not in 00..23");
  ExpectError("2024-01-02T00:00:00-01:60", "zone offset minutes 60 are not in 00..59");
}

TEST(ParseTimestamp, RejectsTimesOutsideInt64Nanoseconds) {
  const char* reason = "out of range (timestamps span 1677-09-21T00:12:43.145224192Z to "
                       "2262-04-11T23:47:16.854775807Z)";
  ExpectError("9223372036854775808", reason);
  ExpectError("-9223372036854775809", reason);
  ExpectError("99999999999999999999999", reason);
  ExpectError("2262-04-11T23:47:16.854775808Z", reason);
  ExpectError("2262-04-12", reason);
  ExpectError("9999-12-31T23:59:59.999999999Z", reason);
  ExpectError("1677-09-21T00:12:43.145224191Z", reason);
  ExpectError("1677-09-21", reason);
  ExpectError("0000-01-01", reason);
  ExpectError("2262-04-11T23:47:16.854775807-00:01", reason);
}

}  // namespace
}  // namespace backtrace
