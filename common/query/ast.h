// The syntax tree of one statement, as the parser builds it: names and
// literals exactly as written, with the byte offset of each node for error
// messages. Nothing is resolved against a schema here (binder.h does that).
//
// Plain move-only values; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace backtrace::query::ast {

enum class ArithmeticOperator { kAdd, kSubtract, kMultiply, kDivide };
enum class ComparisonOperator { kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual };

std::string_view OperatorText(ArithmeticOperator op);
std::string_view OperatorText(ComparisonOperator op);
// The operator with its operands swapped: a < b is b > a.
ComparisonOperator Mirror(ComparisonOperator op);

struct Expression {
  enum class Kind {
    kColumn,    // name
    kInteger,   // text: digits, with a leading '-' when negated
    kFloat,     // text as written, with a leading '-' when negated
    kString,    // text: the value
    kArithmetic,  // op, arguments[0] op arguments[1]
    kNegate,    // -arguments[0]
    kFunction,  // name(arguments...); count(*) has one kStar argument
    kStar,
  };
  Kind kind = Kind::kColumn;
  size_t offset = 0;
  std::string text;
  ArithmeticOperator op = ArithmeticOperator::kAdd;
  std::vector<std::unique_ptr<Expression>> arguments;
};

// Normalised text: function names lower-case, one space around binary
// operators, parentheses only where precedence needs them, strings quoted.
// Column names as written.
std::string ExpressionText(const Expression& expression);

struct Predicate {
  enum class Kind { kCompare, kBetween, kIn };
  Kind kind = Kind::kCompare;
  size_t offset = 0;
  ComparisonOperator op = ComparisonOperator::kEqual;  // kCompare
  std::unique_ptr<Expression> left;
  // kCompare: the right side; kBetween: low and high; kIn: the list.
  std::vector<std::unique_ptr<Expression>> operands;
};

struct SelectItem {
  std::unique_ptr<Expression> expression;
  std::string alias;  // empty when there is no AS
  size_t alias_offset = 0;
};

struct OrderItem {
  std::unique_ptr<Expression> expression;
  bool descending = false;
};

struct Name {
  std::string text;
  size_t offset = 0;
};

struct SampleBy {
  int64_t interval_nanos = 0;
  std::string text;  // as written, e.g. "1m"
  size_t offset = 0;
};

struct Select {
  bool star = false;  // SELECT *
  size_t star_offset = 0;
  std::vector<SelectItem> items;
  Name table;
  std::vector<Predicate> where;
  std::optional<SampleBy> sample_by;
  std::vector<Name> group_by;
  std::vector<OrderItem> order_by;
  std::optional<uint64_t> limit;
};

struct Statement {
  bool explain = false;
  Select select;
};

}  // namespace backtrace::query::ast
