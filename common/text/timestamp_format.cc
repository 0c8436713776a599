#include "common/text/timestamp_format.h"

#include <cstdio>
#include <limits>

#include "common/text/civil_date.h"
#include "common/text/number_parse.h"

namespace backtrace {
namespace {

constexpr int64_t kSecondsPerDay = 86'400;

// Why a text is not a timestamp; `value` and `position` detail it.
struct Problem {
  enum Kind {
    kNone,
    kEmpty,
    kExpected,        // at `position` the grammar wanted `expected`
    kMonth,           // month `value` is not 1..12
    kDay,             // day `value` does not exist in that month
    kHour,
    kMinute,
    kSecond,
    kFractionDigits,  // more than 9 fraction digits
    kZoneHour,
    kZoneMinute,
    kOutOfRange,      // a valid time that int64 nanoseconds cannot hold
  };
  Kind kind = kNone;
  size_t position = 0;
  const char* expected = "";
  int64_t value = 0;
  int64_t year = 0;
  uint32_t month = 0;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads `count` digits at text[*position]; false (with the problem set) if
// any of them is not a digit or the text ends.
bool ReadDigits(std::string_view text, size_t* position, size_t count, const char* what,
                int64_t* value, Problem* problem) {
  int64_t result = 0;
  for (size_t i = 0; i < count; ++i) {
    size_t at = *position + i;
    if (at >= text.size() || !IsDigit(text[at])) {
      *problem = {Problem::kExpected, at, what};
      return false;
    }
    result = result * 10 + (text[at] - '0');
  }
  *position += count;
  *value = result;
  return true;
}

bool Expect(std::string_view text, size_t* position, char wanted, const char* what,
            Problem* problem) {
  if (*position >= text.size() || text[*position] != wanted) {
    *problem = {Problem::kExpected, *position, what};
    return false;
  }
  ++*position;
  return true;
}

// Parses the ISO 8601 forms. `text` starts with four digits.
bool ParseIso(std::string_view text, int64_t* nanos, Problem* problem) {
  size_t position = 0;
  int64_t year, month, day;
  if (!ReadDigits(text, &position, 4, "a 4-digit year", &year, problem) ||
      !Expect(text, &position, '-', "'-' after the year", problem) ||
      !ReadDigits(text, &position, 2, "a 2-digit month", &month, problem) ||
      !Expect(text, &position, '-', "'-' after the month", problem) ||
      !ReadDigits(text, &position, 2, "a 2-digit day", &day, problem)) {
    return false;
  }
  if (month < 1 || month > 12) {
    *problem = {Problem::kMonth, 5, "", month};
    return false;
  }
  if (day < 1 || day > civil::DaysInMonth(year, static_cast<uint32_t>(month))) {
    *problem = {Problem::kDay, 8, "", day, year, static_cast<uint32_t>(month)};
    return false;
  }
  int64_t hour = 0, minute = 0, second = 0, fraction = 0, zone_seconds = 0;
  if (position < text.size()) {
    if (text[position] != 'T' && text[position] != ' ') {
      *problem = {Problem::kExpected, position, "'T' or ' ' after the date"};
      return false;
    }
    ++position;
    if (!ReadDigits(text, &position, 2, "a 2-digit hour", &hour, problem) ||
        !Expect(text, &position, ':', "':' after the hour", problem) ||
        !ReadDigits(text, &position, 2, "2-digit minutes", &minute, problem) ||
        !Expect(text, &position, ':', "':' after the minutes", problem) ||
        !ReadDigits(text, &position, 2, "2-digit seconds", &second, problem)) {
      return false;
    }
    if (hour > 23) {
      *problem = {Problem::kHour, 11, "", hour};
      return false;
    }
    if (minute > 59) {
      *problem = {Problem::kMinute, 14, "", minute};
      return false;
    }
    if (second > 59) {
      *problem = {Problem::kSecond, 17, "", second};
      return false;
    }
    if (position < text.size() && text[position] == '.') {
      ++position;
      size_t digits = 0;
      while (position < text.size() && IsDigit(text[position])) {
        if (digits == 9) {
          *problem = {Problem::kFractionDigits, position};
          return false;
        }
        fraction = fraction * 10 + (text[position] - '0');
        ++digits;
        ++position;
      }
      if (digits == 0) {
        *problem = {Problem::kExpected, position, "fraction digits after '.'"};
        return false;
      }
      for (; digits < 9; ++digits) fraction *= 10;
    }
    if (position < text.size()) {
      char zone = text[position];
      if (zone == 'Z') {
        ++position;
      } else if (zone == '+' || zone == '-') {
        ++position;
        int64_t zone_hour, zone_minute;
        size_t zone_start = position;
        if (!ReadDigits(text, &position, 2, "a 2-digit zone offset hour", &zone_hour, problem) ||
            !Expect(text, &position, ':', "':' in the zone offset", problem) ||
            !ReadDigits(text, &position, 2, "2-digit zone offset minutes", &zone_minute,
                        problem)) {
          return false;
        }
        if (zone_hour > 23) {
          *problem = {Problem::kZoneHour, zone_start, "", zone_hour};
          return false;
        }
        if (zone_minute > 59) {
          *problem = {Problem::kZoneMinute, zone_start + 3, "", zone_minute};
          return false;
        }
        zone_seconds = (zone_hour * 3600 + zone_minute * 60) * (zone == '+' ? 1 : -1);
      } else {
        *problem = {Problem::kExpected, position, "'.', 'Z', '+HH:MM', '-HH:MM' or the end"};
        return false;
      }
    }
    if (position != text.size()) {
      *problem = {Problem::kExpected, position, "the end after the zone"};
      return false;
    }
  }
  // Local time minus its offset from UTC is UTC.
  const int64_t seconds =
      civil::DaysFromCivil(year, static_cast<uint32_t>(month), static_cast<uint32_t>(day)) *
          kSecondsPerDay +
      hour * 3600 + minute * 60 + second - zone_seconds;
  const __int128 total = static_cast<__int128>(seconds) * kNanosPerSecond + fraction;
  if (total < std::numeric_limits<int64_t>::min() || total > std::numeric_limits<int64_t>::max()) {
    *problem = {Problem::kOutOfRange};
    return false;
  }
  *nanos = static_cast<int64_t>(total);
  return true;
}

bool Parse(std::string_view text, int64_t* nanos, Problem* problem) {
  if (text.empty()) {
    *problem = {Problem::kEmpty};
    return false;
  }
  // A date: four digits then '-'.
  if (text.size() > 4 && text[4] == '-' && IsDigit(text[0])) return ParseIso(text, nanos, problem);
  // Integer nanoseconds: an optional '-' then digits only.
  if (ParseInt64(text, nanos) == NumberParse::kOk) return true;
  size_t digits_start = text[0] == '-' ? 1 : 0;
  size_t position = digits_start;
  while (position < text.size() && IsDigit(text[position])) ++position;
  if (position == text.size() && position > digits_start) {
    *problem = {Problem::kOutOfRange};
    return false;
  }
  if (digits_start == 0 && position >= 4) {
    *problem = {Problem::kExpected, 4, "'-' after a 4-digit year"};
  } else {
    *problem = {Problem::kExpected, position,
                position == digits_start ? "a digit" : "a 4-digit year or only digits"};
  }
  return false;
}

std::string Describe(std::string_view text, const Problem& problem) {
  std::string message;
  switch (problem.kind) {
    case Problem::kNone:
    case Problem::kEmpty:
      message += "the text is empty";
      break;
    case Problem::kExpected:
      message += "expected ";
      message += problem.expected;
      message += " at offset " + std::to_string(problem.position);
      if (problem.position >= text.size()) {
        message += " (the text ended)";
      } else {
        const unsigned char found = static_cast<unsigned char>(text[problem.position]);
        char quoted[32];
        if (found >= 0x20 && found < 0x7f) {
          std::snprintf(quoted, sizeof(quoted), ", found '%c'", found);
        } else {
          std::snprintf(quoted, sizeof(quoted), ", found byte 0x%02x", found);
        }
        message += quoted;
      }
      break;
    case Problem::kMonth:
      message += "month " + std::to_string(problem.value) + " is not in 01..12";
      break;
    case Problem::kDay: {
      char year_month[16];
      std::snprintf(year_month, sizeof(year_month), "%04d-%02u", static_cast<int>(problem.year),
                    problem.month);
      message += "day " + std::to_string(problem.value) + " does not exist in " + year_month;
      break;
    }
    case Problem::kHour:
      message += "hour " + std::to_string(problem.value) + " is not in 00..23";
      break;
    case Problem::kMinute:
      message += "minute " + std::to_string(problem.value) + " is not in 00..59";
      break;
    case Problem::kSecond:
      message += "second " + std::to_string(problem.value) +
                 " is not in 00..59 (there are no leap seconds)";
      break;
    case Problem::kFractionDigits:
      message += "more than 9 fraction digits (nanoseconds are the finest unit)";
      break;
    case Problem::kZoneHour:
      message += "zone offset hour " + std::to_string(problem.value) + " is not in 00..23";
      break;
    case Problem::kZoneMinute:
      message += "zone offset minutes " + std::to_string(problem.value) + " are not in 00..59";
      break;
    case Problem::kOutOfRange:
      message +=
          "out of range (timestamps span 1677-09-21T00:12:43.145224192Z to "
          "2262-04-11T23:47:16.854775807Z)";
      break;
  }
  return message;
}

// Writes `value` as exactly `width` decimal digits (value must fit).
void WriteDigits(char* out, uint32_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

Result<int64_t> ParseTimestamp(std::string_view text) {
  int64_t nanos = 0;
  Problem problem;
  if (Parse(text, &nanos, &problem)) return nanos;
  std::string message = "\"";
  message.append(text);
  message += "\" is not a timestamp: ";
  message += Describe(text, problem);
  return Status::InvalidArgument(std::move(message));
}

std::string TimestampParseProblem(std::string_view text) {
  int64_t nanos = 0;
  Problem problem;
  if (Parse(text, &nanos, &problem)) return std::string();
  return Describe(text, problem);
}

bool TryParseTimestamp(std::string_view text, int64_t* nanos) {
  Problem problem;
  return Parse(text, nanos, &problem);
}

void FormatTimestampTo(int64_t nanos, char* out) {
  // Floor division, so that times before the epoch get a positive fraction.
  int64_t seconds = nanos / kNanosPerSecond;
  int64_t fraction = nanos % kNanosPerSecond;
  if (fraction < 0) {
    fraction += kNanosPerSecond;
    seconds -= 1;
  }
  int64_t days = seconds / kSecondsPerDay;
  int64_t second_of_day = seconds % kSecondsPerDay;
  if (second_of_day < 0) {
    second_of_day += kSecondsPerDay;
    days -= 1;
  }
  const civil::Date date = civil::CivilFromDays(days);
  WriteDigits(out, static_cast<uint32_t>(date.year), 4);
  out[4] = '-';
  WriteDigits(out + 5, date.month, 2);
  out[7] = '-';
  WriteDigits(out + 8, date.day, 2);
  out[10] = 'T';
  WriteDigits(out + 11, static_cast<uint32_t>(second_of_day / 3600), 2);
  out[13] = ':';
  WriteDigits(out + 14, static_cast<uint32_t>(second_of_day / 60 % 60), 2);
  out[16] = ':';
  WriteDigits(out + 17, static_cast<uint32_t>(second_of_day % 60), 2);
  out[19] = '.';
  WriteDigits(out + 20, static_cast<uint32_t>(fraction), 9);
  out[29] = 'Z';
}

std::string FormatTimestamp(int64_t nanos) {
  std::string text(kTimestampTextBytes, '\0');
  FormatTimestampTo(nanos, text.data());
  return text;
}

void AppendTimestamp(std::string* out, int64_t nanos) {
  char text[kTimestampTextBytes];
  FormatTimestampTo(nanos, text);
  out->append(text, kTimestampTextBytes);
}

}  // namespace backtrace
