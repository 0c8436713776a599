// Timestamp text: parsing the forms users write (integer nanoseconds or ISO
// 8601) and formatting a timestamp as ISO 8601 UTC with nanoseconds. A
// timestamp is int64 nanoseconds since 1970-01-01T00:00:00Z, so it spans
// 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z.
//
// Accepted text (nothing else; no surrounding spaces):
//   -?[0-9]+                      integer nanoseconds since the epoch
//   YYYY-MM-DD                    midnight UTC of that date
//   YYYY-MM-DDTHH:MM:SS[.F][Z]    F is 1..9 fraction digits; no zone means UTC
//   YYYY-MM-DDTHH:MM:SS[.F]+HH:MM (or -HH:MM) an offset from UTC
// and the same with a space instead of 'T'. The calendar is proleptic
// Gregorian; there are no leap seconds (second 60 is an error).
//
// Pure functions; callable from any thread. Civil dates are computed by
// common/text/civil_date.h, never by the C library or a locale.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace backtrace {

inline constexpr int64_t kNanosPerSecond = 1'000'000'000;

// Length of every formatted timestamp: "2024-01-02T00:00:00.123456789Z".
inline constexpr size_t kTimestampTextBytes = 30;

// Parses `text` in one of the forms above. On error returns InvalidArgument
// with a message naming the text and the problem, e.g.
// `"2023-02-29" is not a timestamp: day 29 does not exist in 2023-02`.
[[nodiscard]] Result<int64_t> ParseTimestamp(std::string_view text);

// The same grammar without building an error message: returns true and sets
// *nanos on success, returns false (leaving *nanos unspecified) otherwise.
// Plain integers take a fast path. Used where bad values are counted.
[[nodiscard]] bool TryParseTimestamp(std::string_view text, int64_t* nanos);

// Why `text` is not a timestamp, e.g. "month 13 is not in 01..12" (the part
// of ParseTimestamp's message after the colon); empty if it is one.
std::string TimestampParseProblem(std::string_view text);

// Writes exactly kTimestampTextBytes characters (no terminating NUL) to out:
// "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ", always 9 fraction digits, UTC.
void FormatTimestampTo(int64_t nanos, char* out);

// FormatTimestampTo into a new string.
std::string FormatTimestamp(int64_t nanos);

// Appends the formatted timestamp to *out; allocates only when *out has to
// grow its capacity.
void AppendTimestamp(std::string* out, int64_t nanos);

}  // namespace backtrace
