// Number text: strict, locale-free parsing of the numbers that CSV files and
// query literals hold, built on std::from_chars (no allocation, no errno, no
// locale).
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
}  // namespace number_parse_internal

// On kOk sets *value; otherwise *value is unspecified.
inline NumberParse ParseInt64(std::string_view text, int64_t* value) {
  return number_parse_internal::FromChars(text, value);
}
inline NumberParse ParseUInt64(std::string_view text, uint64_t* value) {
  return number_parse_internal::FromChars(text, value);
}
inline NumberParse ParseFloat64(std::string_view text, double* value) {
  return number_parse_internal::FromChars(text, value);
}

}  // namespace backtrace
