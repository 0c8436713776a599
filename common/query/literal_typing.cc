#include "common/query/literal_typing.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "common/text/timestamp_format.h"

namespace backtrace::query {
namespace {

// Digits of an integer literal with an optional leading '-'.
struct IntegerText {
  bool negative = false;
  bool overflow = false;  // more than 64 bits of magnitude
  uint64_t magnitude = 0;
};

IntegerText ParseIntegerText(std::string_view text) {
  IntegerText result;
  size_t i = 0;
  if (!text.empty() && text[0] == '-') {
    result.negative = true;
    i = 1;
  }
  for (; i < text.size(); ++i) {
    uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (result.magnitude > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      result.overflow = true;
      return result;
    }
    result.magnitude = result.magnitude * 10 + digit;
  }
  return result;
}

bool FitsInt64(const IntegerText& integer, int64_t* value) {
  if (integer.overflow) return false;
  if (integer.negative) {
    if (integer.magnitude > uint64_t{1} << 63) return false;
    *value = static_cast<int64_t>(0 - integer.magnitude);
    return true;
  }
  if (integer.magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
  *value = static_cast<int64_t>(integer.magnitude);
  return true;
}

std::string Shown(const ast::Expression& literal) {
  if (literal.kind == ast::Expression::Kind::kString) return "'" + literal.text + "'";
  return literal.text;
}

Status DoesNotFit(const ast::Expression& literal, ColumnType type, std::string_view target,
                  std::string_view why = {}) {
  std::string message = "literal " + Shown(literal) + " does not fit " + std::string(target) +
                        " of type " + std::string(ColumnTypeName(type));
  if (!why.empty()) message += " (" + std::string(why) + ")";
  return Status::InvalidArgument(std::move(message));
}

Result<double> ParseDouble(const ast::Expression& literal) {
  errno = 0;
  char* end = nullptr;
  double value = std::strtod(literal.text.c_str(), &end);
  if (end != literal.text.c_str() + literal.text.size() || !std::isfinite(value)) {
    return Status::InvalidArgument("number " + literal.text + " is out of the float64 range");
  }
  return value;
}

}  // namespace

bool IsLiteral(const ast::Expression& expression) {
  return expression.kind == ast::Expression::Kind::kInteger ||
         expression.kind == ast::Expression::Kind::kFloat ||
         expression.kind == ast::Expression::Kind::kString;
}

Result<Value> NumberLiteral(const ast::Expression& literal, ColumnType* type) {
  if (literal.kind == ast::Expression::Kind::kFloat) {
    *type = ColumnType::kFloat64;
    ASSIGN_OR_RETURN(double value, ParseDouble(literal));
    return Value(value);
  }
  IntegerText integer = ParseIntegerText(literal.text);
  int64_t signed_value = 0;
  if (FitsInt64(integer, &signed_value)) {
    *type = ColumnType::kInt64;
    return Value(signed_value);
  }
  if (!integer.negative && !integer.overflow) {
    *type = ColumnType::kUInt64;
    return Value(integer.magnitude);
  }
  return Status::InvalidArgument("integer " + literal.text + " does not fit in 64 bits");
}

Result<Value> LiteralAs(const ast::Expression& literal, ColumnType type, std::string_view target) {
  using Kind = ast::Expression::Kind;
  switch (type) {
    case ColumnType::kString:
      if (literal.kind != Kind::kString) return DoesNotFit(literal, type, target, "quote strings");
      if (literal.text.size() > kMaxStringBytes) {
        return DoesNotFit(literal, type, target, "longer than 65536 bytes");
      }
      return Value(literal.text);
    case ColumnType::kTimestamp:
      if (literal.kind == Kind::kString) {
        int64_t nanos = 0;
        if (!TryParseTimestamp(literal.text, &nanos)) {
          return DoesNotFit(literal, type, target, TimestampParseProblem(literal.text));
        }
        return Value(nanos);
      }
      [[fallthrough]];
    case ColumnType::kInt64: {
      if (literal.kind == Kind::kString) return DoesNotFit(literal, type, target);
      if (literal.kind == Kind::kFloat) {
        auto value = ParseDouble(literal);
        if (!value.ok()) return DoesNotFit(literal, type, target, "out of range");
        if (*value != std::floor(*value)) return DoesNotFit(literal, type, target, "not a whole number");
        if (!(*value >= -9223372036854775808.0 && *value < 9223372036854775808.0)) {
          return DoesNotFit(literal, type, target, "out of range");
        }
        return Value(static_cast<int64_t>(*value));
      }
      int64_t value = 0;
      if (!FitsInt64(ParseIntegerText(literal.text), &value)) {
        return DoesNotFit(literal, type, target, "out of range");
      }
      return Value(value);
    }
    case ColumnType::kUInt64: {
      if (literal.kind == Kind::kString) return DoesNotFit(literal, type, target);
      if (literal.kind == Kind::kFloat) {
        auto value = ParseDouble(literal);
        if (!value.ok()) return DoesNotFit(literal, type, target, "out of range");
        if (*value != std::floor(*value)) return DoesNotFit(literal, type, target, "not a whole number");
        if (!(*value >= 0.0 && *value < 18446744073709551616.0)) {
          return DoesNotFit(literal, type, target, "out of range");
        }
        return Value(static_cast<uint64_t>(*value));
      }
      IntegerText integer = ParseIntegerText(literal.text);
      if (integer.overflow || (integer.negative && integer.magnitude != 0)) {
        return DoesNotFit(literal, type, target, "out of range");
      }
      return Value(integer.magnitude);
    }
    case ColumnType::kFloat64: {
      if (literal.kind == Kind::kString) return DoesNotFit(literal, type, target);
      auto value = ParseDouble(literal);
      if (!value.ok()) return DoesNotFit(literal, type, target, "out of range");
      return Value(*value);
    }
  }
  return Status::Internal("unknown column type");
}

}  // namespace backtrace::query
