// Column types of BacktraceDB and the scalar Value that holds one cell of any
// of them (used for min/max metadata, literals and single rows).
//
// The numeric values of ColumnType are stored on disk (column files, catalog)
// and on the wire: never renumber them.
//
// Plain values; callable from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace backtrace {

enum class ColumnType : uint8_t {
  kInt64 = 1,
  kUInt64 = 2,
  kFloat64 = 3,
  kString = 4,
  kTimestamp = 5,  // int64 nanoseconds since the Unix epoch, UTC
};

// "int64", "uint64", "float64", "string", "timestamp".
std::string_view ColumnTypeName(ColumnType type);
// Parses a name written by ColumnTypeName; nullopt for anything else.
std::optional<ColumnType> ColumnTypeFromName(std::string_view name);
// True for the stored values 1..5.
bool IsValidColumnType(uint8_t raw);

// The longest string value a column may hold.
inline constexpr size_t kMaxStringBytes = 64 * 1024;

// One cell. int64 and timestamp cells hold int64_t; uint64 cells uint64_t;
// float64 cells double; string cells std::string.
using Value = std::variant<int64_t, uint64_t, double, std::string>;

// Renders a value for messages and tables (timestamps as integers).
std::string ValueToString(const Value& value);

}  // namespace backtrace
