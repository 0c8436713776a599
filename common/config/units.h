// Durations and byte sizes as people write them in configuration files
// ("60s", "500ms", "16MiB"), parsed exactly: no fractions, no guessing of
// units, overflow is an error.
//
// Stateless; callable from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace backtrace {

// "60s", "500ms", "2m", "1h30m": one or more <integer><unit> with unit ns,
// us, ms, s, m or h; "0" alone is zero. InvalidArgument for anything else,
// negative values and overflow.
[[nodiscard]] Result<std::chrono::nanoseconds> ParseDuration(std::string_view text);

// "16MiB", "1GiB", "512 KiB", "4096", "100MB": an integer with an optional
// unit B, KiB, MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB (powers of
// 1000). InvalidArgument for anything else and overflow.
[[nodiscard]] Result<uint64_t> ParseByteSize(std::string_view text);

// Renders a duration the way ParseDuration reads it, in the largest unit
// that divides it ("60s", "1500ms").
std::string FormatDuration(std::chrono::nanoseconds duration);

// Renders a byte size the way ParseByteSize reads it, in the largest binary
// unit that divides it ("16MiB", "1000B").
std::string FormatByteSize(uint64_t bytes);

}  // namespace backtrace
