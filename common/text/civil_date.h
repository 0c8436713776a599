// Conversion between proleptic Gregorian calendar dates and days since the
// Unix epoch (1970-01-01 is day 0), for any date in years -32767..32767. The
// calendar is counted in 400-year eras of 146,097 days each, with each year
// taken to start on 1 March so that the leap day falls at its end; that keeps
// the arithmetic free of tables, time zones and the C library.
//
// Pure functions; callable from any thread.
#pragma once

#include <cstdint>

namespace backtrace::civil {

struct Date {
  int32_t year = 1970;
  uint32_t month = 1;  // 1..12
  uint32_t day = 1;    // 1..DaysInMonth(year, month)
};

constexpr bool IsLeapYear(int64_t year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

// 28..31 for month 1..12; 0 for any other month.
constexpr uint32_t DaysInMonth(int64_t year, uint32_t month) {
  constexpr uint8_t kDays[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  return month == 2 && IsLeapYear(year) ? 29u : kDays[month];
}

// Days from 1970-01-01 to the given date (negative before it). The date must
// be valid (month 1..12, day within the month).
constexpr int64_t DaysFromCivil(int64_t year, uint32_t month, uint32_t day) {
  // Years start on 1 March: January and February belong to the year before.
  const int64_t march_year = month <= 2 ? year - 1 : year;
  const int64_t era = (march_year >= 0 ? march_year : march_year - 399) / 400;
  const int64_t year_of_era = march_year - era * 400;                  // 0..399
  const int64_t march_month = month > 2 ? month - 3 : month + 9;        // Mar=0..Feb=11
  const int64_t day_of_year = (153 * march_month + 2) / 5 + day - 1;   // 0..365
  const int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;  // 0..146096
  // 719468 is the day of the era count on which 1970-01-01 falls, counted
  // from 0000-03-01.
  return era * 146097 + day_of_era - 719468;
}

// The date `days` after 1970-01-01 (before it when negative).
constexpr Date CivilFromDays(int64_t days) {
  const int64_t shifted = days + 719468;  // days since 0000-03-01
  const int64_t era = (shifted >= 0 ? shifted : shifted - 146096) / 146097;
  const int64_t day_of_era = shifted - era * 146097;  // 0..146096
  // Remove the leap days before day_of_era (one per 4 years, except per 100,
  // except per 400) so that a plain division by 365 gives the year.
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);  // 0..365
  const int64_t march_month = (5 * day_of_year + 2) / 153;                      // 0..11
  Date date;
  date.day = static_cast<uint32_t>(day_of_year - (153 * march_month + 2) / 5 + 1);
  date.month = static_cast<uint32_t>(march_month < 10 ? march_month + 3 : march_month - 9);
  date.year = static_cast<int32_t>(year_of_era + era * 400 + (date.month <= 2 ? 1 : 0));
  return date;
}

}  // namespace backtrace::civil
