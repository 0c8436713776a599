// The bound form of a statement: every name resolved against the table's
// schema, every literal converted to the type it is compared with, every
// expression typed. The binder (binder.h) builds it; the planner, EXPLAIN
// and the executor read it.
//
// Expressions refer to their inputs by slot. Before aggregation (filters,
// aggregate arguments, the select list of a query without aggregates) slot i
// is schema column i. After aggregation (the select list and ORDER BY of an
// aggregate query) slots number the group keys first, then the aggregates.
//
// Plain values; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/query/ast.h"
#include "common/schema/column_type.h"
#include "common/schema/table_schema.h"

namespace backtrace::query {

struct BoundExpression {
  enum class Kind { kSlot, kLiteral, kArithmetic, kNegate };
  Kind kind = Kind::kSlot;
  // kSlot: the slot's type (any column type). Otherwise int64, uint64 or
  // float64 (literals and arithmetic).
  ColumnType type = ColumnType::kInt64;
  size_t slot = 0;
  Value literal;
  ast::ArithmeticOperator op = ast::ArithmeticOperator::kAdd;
  std::vector<BoundExpression> children;

  bool IsSlot() const { return kind == Kind::kSlot; }
  // Adds the slots the expression reads to *slots (no duplicates).
  void CollectSlots(std::vector<size_t>* slots) const;
};

// One conjunct of the WHERE clause: `subject op value`, `subject BETWEEN
// values[0] AND values[1]` or `subject IN (values...)`. The values have the
// Value alternative of subject.type (int64_t for int64 and timestamp).
struct BoundPredicate {
  ast::Predicate::Kind kind = ast::Predicate::Kind::kCompare;
  ast::ComparisonOperator op = ast::ComparisonOperator::kEqual;
  BoundExpression subject;
  std::vector<Value> values;  // kIn: sorted and without duplicates
  std::string text;           // normalised, for EXPLAIN

  // The schema column compared, when the subject is a bare column.
  std::optional<size_t> column() const {
    if (subject.IsSlot()) return subject.slot;
    return std::nullopt;
  }
};

enum class AggregateKind { kCountStar, kCount, kSum, kMin, kMax, kAvg, kFirst, kLast };

struct BoundAggregate {
  AggregateKind kind = AggregateKind::kCountStar;
  BoundExpression argument;  // unused for count(*)
  ColumnType result_type = ColumnType::kInt64;
  std::string text;  // normalised, e.g. "sum(price * qty)"
};

// One group key: the SAMPLE BY bucket of the time column, or a column.
struct GroupKey {
  bool is_bucket = false;
  size_t column = 0;  // schema column (the time column for the bucket)
  ColumnType type = ColumnType::kInt64;
  std::string name;
};

struct OutputColumn {
  std::string name;
  BoundExpression expression;
  bool hidden = false;  // computed for ORDER BY only, not sent
};

struct OrderKey {
  size_t output = 0;  // index into QueryPlan::outputs
  bool descending = false;
};

struct QueryPlan {
  bool explain = false;
  TableSchema schema;
  size_t time_column = 0;

  std::vector<BoundPredicate> predicates;
  // The time range the predicates allow (inclusive); empty_time_range when
  // no time can match.
  int64_t min_time = INT64_MIN;
  int64_t max_time = INT64_MAX;
  bool empty_time_range = false;

  // Aggregate queries: any aggregate, GROUP BY or SAMPLE BY.
  bool aggregate = false;
  int64_t bucket_nanos = 0;  // SAMPLE BY interval, 0 without
  std::vector<GroupKey> keys;
  std::vector<BoundAggregate> aggregates;
  // Without GROUP BY or SAMPLE BY, whether an empty input still gives one
  // row (every aggregate is count or sum).
  bool single_row_when_empty = false;

  std::vector<OutputColumn> outputs;
  std::vector<OrderKey> order_by;
  std::optional<uint64_t> limit;

  // Schema columns read by the scan, ascending.
  std::vector<size_t> scan_columns;
};

}  // namespace backtrace::query
