// Number text: strict, locale-free parsing of the numbers that CSV files and
// query literals hold. Common short forms take fast paths (eight digits at a
// time for integers; one exact division for plain decimals, which is
// correctly rounded because both operands are exact doubles); everything else
// goes to std::from_chars. No allocation, no errno, no locale.
//
// Accepted text (the whole text must match; no spaces, no leading '+'):
//   int64    -?[0-9]+                      within int64
//   uint64   [0-9]+                        within uint64
//   float64  what std::from_chars accepts in general format: -?digits with an
//            optional '.', fraction and e/E exponent (".5" and "1." too), and
//            "inf", "infinity", "nan" in any case, optionally negative.
//            A finite text whose value overflows to infinity or underflows to
//            zero is out of range.
//
// Pure functions; callable from any thread.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <system_error>

namespace backtrace {

enum class NumberParse : uint8_t {
  kOk,
  kInvalid,     // not a number of the type (or text after it)
  kOutOfRange,  // a number, but the type cannot hold it
};

namespace number_parse_internal {

template <typename T>
inline NumberParse FromChars(std::string_view text, T* value) {
  const char* end = text.data() + text.size();
  auto [pointer, error] = std::from_chars(text.data(), end, *value);
  if (error == std::errc::result_out_of_range && pointer == end) return NumberParse::kOutOfRange;
  if (error != std::errc() || pointer != end) return NumberParse::kInvalid;
  return NumberParse::kOk;
}

// The value of the 8 decimal digits at `text`, or false if any byte is not
// a digit. Little-endian: the first digit is the lowest byte.
inline bool EightDigits(const char* text, uint64_t* value) {
  uint64_t chunk;
  std::memcpy(&chunk, text, 8);
  // Every byte is 0x30..0x39: its high nibble is 3, and adding 6 keeps it 3.
  if ((chunk & 0xF0F0F0F0F0F0F0F0ull) != 0x3030303030303030ull ||
      ((chunk + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) != 0x3030303030303030ull) {
    return false;
  }
  chunk -= 0x3030303030303030ull;
  // Combine neighbouring digits into 2-digit, then 4-digit, then 8-digit values.
  chunk = (chunk * 10 + (chunk >> 8)) & 0x00FF00FF00FF00FFull;
  chunk = (chunk * 100 + (chunk >> 16)) & 0x0000FFFF0000FFFFull;
  chunk = (chunk * 10000 + (chunk >> 32)) & 0x00000000FFFFFFFFull;
  *value = chunk;
  return true;
}

// Parses 1..19 digits into *value; false if any is not a digit.
inline bool Digits(const char* text, size_t count, uint64_t* value) {
  uint64_t result = 0;
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    uint64_t eight;
    if (!EightDigits(text + i, &eight)) return false;
    result = result * 100'000'000 + eight;
  }
  for (; i < count; ++i) {
    const unsigned digit = static_cast<unsigned char>(text[i]) - unsigned{'0'};
    if (digit > 9) return false;
    result = result * 10 + digit;
  }
  *value = result;
  return true;
}

}  // namespace number_parse_internal

// On kOk sets *value; otherwise *value is unspecified.
inline NumberParse ParseInt64(std::string_view text, int64_t* value) {
  const bool negative = !text.empty() && text[0] == '-';
  const size_t digits = text.size() - (negative ? 1 : 0);
  uint64_t magnitude;
  // 19 digits always fit in uint64; longer texts (leading zeros, or out of
  // range) take the general path.
  if (digits == 0 || digits > 19 ||
      !number_parse_internal::Digits(text.data() + (negative ? 1 : 0), digits, &magnitude)) {
    return number_parse_internal::FromChars(text, value);
  }
  constexpr uint64_t kMaxPositive = uint64_t{INT64_MAX};
  if (magnitude > kMaxPositive + (negative ? 1 : 0)) return NumberParse::kOutOfRange;
  *value = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  return NumberParse::kOk;
}

inline NumberParse ParseUInt64(std::string_view text, uint64_t* value) {
  if (!text.empty() && text.size() <= 19 &&
      number_parse_internal::Digits(text.data(), text.size(), value)) {
    return NumberParse::kOk;
  }
  return number_parse_internal::FromChars(text, value);
}

inline NumberParse ParseFloat64(std::string_view text, double* value) {
  // Fast path: -?digits[.digits] with at most 15 digits in all, so that the
  // digits are an exact double and so is the power of ten dividing them.
  constexpr double kPowersOfTen[16] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const char* p = text.data();
  const char* const end = p + text.size();
  const bool negative = p < end && *p == '-';
  if (negative) ++p;
  uint64_t mantissa = 0;
  const char* integer_start = p;
  while (p < end && static_cast<unsigned>(*p - '0') <= 9) mantissa = mantissa * 10 + (*p++ - '0');
  size_t integer_digits = static_cast<size_t>(p - integer_start);
  size_t fraction_digits = 0;
  bool plain = integer_digits > 0;
  if (p < end && *p == '.') {
    const char* fraction_start = ++p;
    while (p < end && static_cast<unsigned>(*p - '0') <= 9) mantissa = mantissa * 10 + (*p++ - '0');
    fraction_digits = static_cast<size_t>(p - fraction_start);
    plain = plain && fraction_digits > 0;  // "1." goes to the general path
  }
  if (plain && p == end && integer_digits + fraction_digits <= 15) {
    const double magnitude = static_cast<double>(mantissa) / kPowersOfTen[fraction_digits];
    *value = negative ? -magnitude : magnitude;
    return NumberParse::kOk;
  }
  return number_parse_internal::FromChars(text, value);
}

}  // namespace backtrace
