#include "common/config/units.h"

#include <cctype>
#include <cstdint>

namespace backtrace {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// Reads the decimal digits at the front of *text. False if there are none
// or the number does not fit in 64 bits.
bool ConsumeInteger(std::string_view* text, uint64_t* value) {
  size_t length = 0;
  uint64_t result = 0;
  while (length < text->size() && std::isdigit(static_cast<unsigned char>((*text)[length]))) {
    uint64_t digit = static_cast<uint64_t>((*text)[length] - '0');
    if (__builtin_mul_overflow(result, uint64_t{10}, &result) ||
        __builtin_add_overflow(result, digit, &result)) {
      return false;
    }
    ++length;
  }
  if (length == 0) return false;
  text->remove_prefix(length);
  *value = result;
  return true;
}

struct Unit {
  std::string_view name;
  uint64_t factor;
};

constexpr Unit kDurationUnits[] = {
    {"ns", 1},
    {"us", 1'000},
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
};

constexpr Unit kByteUnits[] = {
    {"B", 1},
    {"KiB", uint64_t{1} << 10},
    {"MiB", uint64_t{1} << 20},
    {"GiB", uint64_t{1} << 30},
    {"TiB", uint64_t{1} << 40},
    {"KB", 1'000},
    {"MB", 1'000'000},
    {"GB", 1'000'000'000},
    {"TB", 1'000'000'000'000},
};

template <size_t N>
const Unit* FindUnit(const Unit (&units)[N], std::string_view name) {
  for (const Unit& unit : units) {
    if (unit.name == name) return &unit;
  }
  return nullptr;
}

Status DurationError(std::string_view text, std::string_view reason) {
  return Status::InvalidArgument("bad duration \"" + std::string(text) + "\": " +
                                 std::string(reason) +
                                 " (write <integer><unit>..., unit one of ns, us, ms, s, m, h; "
                                 "e.g. \"60s\", \"500ms\", \"1h30m\")");
}

}  // namespace

Result<std::chrono::nanoseconds> ParseDuration(std::string_view original) {
  std::string_view text = Trim(original);
  if (text.empty()) return DurationError(original, "it is empty");
  if (text == "0") return std::chrono::nanoseconds(0);
  if (text.front() == '-') return DurationError(original, "it is negative");
  uint64_t total = 0;
  while (!text.empty()) {
    uint64_t count;
    if (!ConsumeInteger(&text, &count)) {
      return DurationError(original, std::isdigit(static_cast<unsigned char>(text.front()))
                                         ? "the number is too large"
                                         : "a number is missing");
    }
    size_t unit_length = 0;
    while (unit_length < text.size() &&
           std::isalpha(static_cast<unsigned char>(text[unit_length]))) {
      ++unit_length;
    }
    std::string_view unit_name = text.substr(0, unit_length);
    if (unit_name.empty()) return DurationError(original, "a unit is missing");
    const Unit* unit = FindUnit(kDurationUnits, unit_name);
    if (unit == nullptr) {
      return DurationError(original, "unknown unit \"" + std::string(unit_name) + "\"");
    }
    text.remove_prefix(unit_length);
    uint64_t nanos;
    if (__builtin_mul_overflow(count, unit->factor, &nanos) ||
        __builtin_add_overflow(total, nanos, &total) || total > uint64_t{INT64_MAX}) {
      return DurationError(original, "it is too long");
    }
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(total));
}

Result<uint64_t> ParseByteSize(std::string_view original) {
  auto error = [original](std::string_view reason) {
    return Status::InvalidArgument(
        "bad byte size \"" + std::string(original) + "\": " + std::string(reason) +
        " (write an integer with an optional unit B, KiB, MiB, GiB, TiB, KB, MB, GB, TB; "
        "e.g. \"16MiB\")");
  };
  std::string_view text = Trim(original);
  if (text.empty()) return error("it is empty");
  if (text.front() == '-') return error("it is negative");
  uint64_t count;
  if (!ConsumeInteger(&text, &count)) {
    return error(!text.empty() && std::isdigit(static_cast<unsigned char>(text.front()))
                     ? "the number is too large"
                     : "a number is missing");
  }
  text = Trim(text);
  if (text.empty()) return count;
  const Unit* unit = FindUnit(kByteUnits, text);
  if (unit == nullptr) return error("unknown unit \"" + std::string(text) + "\"");
  uint64_t bytes;
  if (__builtin_mul_overflow(count, unit->factor, &bytes)) return error("it is too large");
  return bytes;
}

std::string FormatDuration(std::chrono::nanoseconds duration) {
  int64_t nanos = duration.count();
  if (nanos == 0) return "0s";
  for (auto it = std::rbegin(kDurationUnits); it != std::rend(kDurationUnits); ++it) {
    int64_t factor = static_cast<int64_t>(it->factor);
    if (nanos % factor == 0) return std::to_string(nanos / factor) + std::string(it->name);
  }
  return std::to_string(nanos) + "ns";
}

std::string FormatByteSize(uint64_t bytes) {
  if (bytes == 0) return "0B";
  static constexpr Unit kBinary[] = {{"TiB", uint64_t{1} << 40}, {"GiB", uint64_t{1} << 30},
                                     {"MiB", uint64_t{1} << 20}, {"KiB", uint64_t{1} << 10}};
  for (const Unit& unit : kBinary) {
    if (bytes % unit.factor == 0) return std::to_string(bytes / unit.factor) + std::string(unit.name);
  }
  return std::to_string(bytes) + "B";
}

}  // namespace backtrace
