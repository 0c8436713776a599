#include "common/schema/column_type.h"

#include <cstdio>

namespace backtrace {

std::string_view ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kInt64: return "int64";
    case ColumnType::kUInt64: return "uint64";
    case ColumnType::kFloat64: return "float64";
    case ColumnType::kString: return "string";
    case ColumnType::kTimestamp: return "timestamp";
  }
  return "unknown";
}

std::optional<ColumnType> ColumnTypeFromName(std::string_view name) {
  for (ColumnType type : {ColumnType::kInt64, ColumnType::kUInt64, ColumnType::kFloat64,
                          ColumnType::kString, ColumnType::kTimestamp}) {
    if (ColumnTypeName(type) == name) return type;
  }
  return std::nullopt;
}

bool IsValidColumnType(uint8_t raw) { return raw >= 1 && raw <= 5; }

std::string ValueToString(const Value& value) {
  struct Visitor {
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(uint64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const {
      char buffer[64];
      std::snprintf(buffer, sizeof(buffer), "%.17g", v);
      return buffer;
    }
    std::string operator()(const std::string& v) const { return v; }
  };
  return std::visit(Visitor{}, value);
}

}  // namespace backtrace
