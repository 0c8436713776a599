// A reference evaluator for the query engine tests: runs a bound plan row
// by row over the whole table held in memory, with no pruning, no batches
// and no statistics, following docs/query_language.md. Slow and simple on
// purpose; the differential test compares the engine with it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "common/query/binder.h"
#include "common/query/parser.h"
#include "common/query/query_engine.h"

namespace backtrace::query::testing {

struct ReferenceResult {
  std::vector<ResultColumn> columns;
  std::vector<std::vector<Value>> rows;
  bool ordered = false;         // rows come in a defined order
  bool limited_subset = false;  // LIMIT without ORDER BY: any `limit` rows
  uint64_t limit = 0;
};

inline double AsDouble(const Value& value) {
  if (auto* v = std::get_if<int64_t>(&value)) return static_cast<double>(*v);
  if (auto* v = std::get_if<uint64_t>(&value)) return static_cast<double>(*v);
  return std::get<double>(value);
}

inline int64_t AsInt64(const Value& value) {
  if (auto* v = std::get_if<int64_t>(&value)) return *v;
  return static_cast<int64_t>(std::get<uint64_t>(value));
}

// Cells compared for ordering: numbers by value with NaN last, strings by bytes.
inline int CompareCell(const Value& a, const Value& b) {
  if (std::holds_alternative<std::string>(a)) {
    int c = std::get<std::string>(a).compare(std::get<std::string>(b));
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (std::holds_alternative<double>(a)) {
    double x = std::get<double>(a), y = std::get<double>(b);
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) == std::isnan(y) ? 0 : (std::isnan(x) ? 1 : -1);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (std::holds_alternative<uint64_t>(a)) {
    uint64_t x = std::get<uint64_t>(a), y = std::get<uint64_t>(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  int64_t x = std::get<int64_t>(a), y = std::get<int64_t>(b);
  return x < y ? -1 : (x > y ? 1 : 0);
}

inline Value EvaluateRow(const BoundExpression& expression, const std::vector<Value>& slots) {
  switch (expression.kind) {
    case BoundExpression::Kind::kSlot:
      return slots[expression.slot];
    case BoundExpression::Kind::kLiteral:
      return expression.literal;
    case BoundExpression::Kind::kNegate: {
      Value operand = EvaluateRow(expression.children[0], slots);
      if (expression.type == ColumnType::kFloat64) return -AsDouble(operand);
      return -AsInt64(operand);
    }
    case BoundExpression::Kind::kArithmetic: {
      Value left = EvaluateRow(expression.children[0], slots);
      Value right = EvaluateRow(expression.children[1], slots);
      auto op = expression.op;
      if (expression.type == ColumnType::kFloat64) {
        double a = AsDouble(left), b = AsDouble(right);
        switch (op) {
          case ast::ArithmeticOperator::kAdd: return a + b;
          case ast::ArithmeticOperator::kSubtract: return a - b;
          case ast::ArithmeticOperator::kMultiply: return a * b;
          case ast::ArithmeticOperator::kDivide: return a / b;
        }
      }
      if (expression.type == ColumnType::kUInt64) {
        uint64_t a = std::get<uint64_t>(left), b = std::get<uint64_t>(right);
        switch (op) {
          case ast::ArithmeticOperator::kAdd: return a + b;
          case ast::ArithmeticOperator::kSubtract: return a - b;
          default: return a * b;
        }
      }
      int64_t a = AsInt64(left), b = AsInt64(right);
      switch (op) {
        case ast::ArithmeticOperator::kAdd: return a + b;
        case ast::ArithmeticOperator::kSubtract: return a - b;
        default: return a * b;
      }
    }
  }
  return Value();
}

template <typename T>
bool CompareWith(ast::ComparisonOperator op, const T& a, const T& b) {
  switch (op) {
    case ast::ComparisonOperator::kEqual: return a == b;
    case ast::ComparisonOperator::kNotEqual: return a != b;
    case ast::ComparisonOperator::kLess: return a < b;
    case ast::ComparisonOperator::kLessEqual: return a <= b;
    case ast::ComparisonOperator::kGreater: return a > b;
    case ast::ComparisonOperator::kGreaterEqual: return a >= b;
  }
  return false;
}

inline bool Compare(ast::ComparisonOperator op, const Value& a, const Value& b) {
  return std::visit(
      [&](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        return CompareWith<T>(op, x, std::get<T>(b));
      },
      a);
}

inline bool Matches(const BoundPredicate& predicate, const Value& value) {
  switch (predicate.kind) {
    case ast::Predicate::Kind::kCompare:
      return Compare(predicate.op, value, predicate.values[0]);
    case ast::Predicate::Kind::kBetween:
      return Compare(ast::ComparisonOperator::kGreaterEqual, value, predicate.values[0]) &&
             Compare(ast::ComparisonOperator::kLessEqual, value, predicate.values[1]);
    case ast::Predicate::Kind::kIn:
      for (const Value& x : predicate.values) {
        if (Compare(ast::ComparisonOperator::kEqual, value, x)) return true;
      }
      return false;
  }
  return false;
}

inline int64_t ReferenceBucket(int64_t time, int64_t width) {
  __int128 quotient = time / width;
  if (time % width != 0 && time < 0) quotient -= 1;
  return static_cast<int64_t>(quotient * width);
}

// Bytes that identify a group key cell (floats: -0 as +0, one NaN).
inline std::string KeyBytes(const Value& value) {
  std::string bytes(1, static_cast<char>(value.index()));
  if (auto* s = std::get_if<std::string>(&value)) return bytes + *s + '\0' + std::to_string(s->size());
  uint64_t bits = 0;
  if (auto* d = std::get_if<double>(&value)) {
    double x = *d == 0.0 ? 0.0 : *d;
    if (std::isnan(x)) x = std::nan("");
    std::memcpy(&bits, &x, 8);
  } else if (auto* i = std::get_if<int64_t>(&value)) {
    bits = static_cast<uint64_t>(*i);
  } else {
    bits = std::get<uint64_t>(value);
  }
  bytes.append(reinterpret_cast<const char*>(&bits), 8);
  return bytes;
}

struct Accumulator {
  int64_t count = 0;
  __int128 integer_sum = 0;
  double float_sum = 0;
  bool has = false;
  Value best;
  int64_t time = 0;
};

inline bool ValueLess(const Value& a, const Value& b) { return CompareCell(a, b) < 0; }

inline void Accumulate(const BoundAggregate& aggregate, const Value& value, int64_t time,
                       Accumulator* accumulator) {
  ++accumulator->count;
  switch (aggregate.kind) {
    case AggregateKind::kCountStar:
    case AggregateKind::kCount:
      return;
    case AggregateKind::kSum:
    case AggregateKind::kAvg:
      if (auto* d = std::get_if<double>(&value)) accumulator->float_sum += *d;
      else if (auto* i = std::get_if<int64_t>(&value)) accumulator->integer_sum += *i;
      else accumulator->integer_sum += std::get<uint64_t>(value);
      return;
    case AggregateKind::kMin:
    case AggregateKind::kMax: {
      if (auto* d = std::get_if<double>(&value); d != nullptr && std::isnan(*d)) return;
      bool better = !accumulator->has ||
                    (aggregate.kind == AggregateKind::kMin ? ValueLess(value, accumulator->best)
                                                           : ValueLess(accumulator->best, value));
      if (better) accumulator->best = value;
      accumulator->has = true;
      return;
    }
    case AggregateKind::kFirst:
    case AggregateKind::kLast: {
      bool first = aggregate.kind == AggregateKind::kFirst;
      bool better = !accumulator->has ||
                    (first ? time < accumulator->time : time > accumulator->time) ||
                    (time == accumulator->time &&
                     (first ? ValueLess(value, accumulator->best) : ValueLess(accumulator->best, value)));
      if (better) {
        accumulator->best = value;
        accumulator->time = time;
        accumulator->has = true;
      }
      return;
    }
  }
}

inline Result<Value> FinishAccumulator(const BoundAggregate& aggregate, const Accumulator& accumulator) {
  switch (aggregate.kind) {
    case AggregateKind::kCountStar:
    case AggregateKind::kCount:
      return Value(accumulator.count);
    case AggregateKind::kSum:
      if (aggregate.result_type == ColumnType::kFloat64) return Value(accumulator.float_sum);
      if (aggregate.result_type == ColumnType::kUInt64) {
        if (accumulator.integer_sum > static_cast<__int128>(UINT64_MAX)) return Status::InvalidArgument("overflow");
        return Value(static_cast<uint64_t>(accumulator.integer_sum));
      }
      if (accumulator.integer_sum > INT64_MAX || accumulator.integer_sum < INT64_MIN) {
        return Status::InvalidArgument("overflow");
      }
      return Value(static_cast<int64_t>(accumulator.integer_sum));
    case AggregateKind::kAvg:
      if (aggregate.argument.type == ColumnType::kFloat64) {
        return Value(accumulator.float_sum / static_cast<double>(accumulator.count));
      }
      return Value(static_cast<double>(accumulator.integer_sum) / static_cast<double>(accumulator.count));
    default:
      if (!accumulator.has) return Value(std::nan(""));  // float64 of only NaN
      return accumulator.best;
  }
}

inline Result<ReferenceResult> ReferenceQuery(std::string_view sql, const TableSchema& schema,
                                              const std::vector<ColumnVector>& table) {
  ASSIGN_OR_RETURN(ast::Statement statement, ParseStatement(sql));
  ASSIGN_OR_RETURN(QueryPlan plan, Bind(std::move(statement), schema, sql));
  ReferenceResult result;
  for (const auto& output : plan.outputs) {
    if (!output.hidden) result.columns.push_back(ResultColumn{output.name, output.expression.type});
  }
  const size_t rows = table.empty() ? 0 : table[0].size();
  std::vector<std::vector<Value>> full;  // every output, hidden included
  std::vector<std::vector<Value>> group_keys;
  std::vector<Value> row(schema.columns.size());
  if (!plan.aggregate) {
    for (size_t r = 0; r < rows; ++r) {
      for (size_t c = 0; c < schema.columns.size(); ++c) row[c] = table[c].ValueAt(r);
      bool keep = true;
      for (const auto& predicate : plan.predicates) {
        keep = keep && Matches(predicate, EvaluateRow(predicate.subject, row));
      }
      if (!keep) continue;
      std::vector<Value> out;
      for (const auto& output : plan.outputs) out.push_back(EvaluateRow(output.expression, row));
      full.push_back(std::move(out));
    }
  } else {
    std::map<std::string, size_t> index;
    std::vector<std::vector<Accumulator>> accumulators;
    for (size_t r = 0; r < rows; ++r) {
      for (size_t c = 0; c < schema.columns.size(); ++c) row[c] = table[c].ValueAt(r);
      bool keep = true;
      for (const auto& predicate : plan.predicates) {
        keep = keep && Matches(predicate, EvaluateRow(predicate.subject, row));
      }
      if (!keep) continue;
      std::vector<Value> key;
      std::string key_bytes;
      for (const auto& group_key : plan.keys) {
        Value cell = row[group_key.column];
        if (group_key.is_bucket) cell = ReferenceBucket(std::get<int64_t>(cell), plan.bucket_nanos);
        if (auto* d = std::get_if<double>(&cell); d != nullptr && *d == 0.0) cell = 0.0;
        key_bytes += KeyBytes(cell);
        key.push_back(cell);
      }
      auto [found, added] = index.emplace(key_bytes, accumulators.size());
      if (added) {
        accumulators.emplace_back(plan.aggregates.size());
        group_keys.push_back(key);
      }
      int64_t time = std::get<int64_t>(row[plan.time_column]);
      for (size_t a = 0; a < plan.aggregates.size(); ++a) {
        Value value = plan.aggregates[a].kind == AggregateKind::kCountStar
                          ? Value(int64_t{0})
                          : EvaluateRow(plan.aggregates[a].argument, row);
        Accumulate(plan.aggregates[a], value, time, &accumulators[found->second][a]);
      }
    }
    if (plan.keys.empty() && accumulators.empty() && plan.single_row_when_empty) {
      accumulators.emplace_back(plan.aggregates.size());
      group_keys.emplace_back();
    }
    for (size_t g = 0; g < accumulators.size(); ++g) {
      std::vector<Value> slots = group_keys[g];
      for (size_t a = 0; a < plan.aggregates.size(); ++a) {
        if (plan.keys.empty() && accumulators[g][a].count == 0 &&
            plan.aggregates[a].result_type == ColumnType::kFloat64) {
          slots.push_back(Value(0.0));
          continue;
        }
        ASSIGN_OR_RETURN(Value value, FinishAccumulator(plan.aggregates[a], accumulators[g][a]));
        slots.push_back(std::move(value));
      }
      std::vector<Value> out;
      for (const auto& output : plan.outputs) out.push_back(EvaluateRow(output.expression, slots));
      full.push_back(std::move(out));
    }
  }
  std::vector<size_t> order(full.size());
  std::iota(order.begin(), order.end(), 0);
  if (!plan.order_by.empty()) {
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      for (const auto& key : plan.order_by) {
        int c = CompareCell(full[a][key.output], full[b][key.output]);
        if (c != 0) return key.descending ? c > 0 : c < 0;
      }
      for (size_t i = 0; i < full[a].size(); ++i) {
        int c = CompareCell(full[a][i], full[b][i]);
        if (c != 0) return c < 0;
      }
      return false;
    });
    result.ordered = true;
  } else if (plan.aggregate && !plan.keys.empty()) {
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      for (size_t k = 0; k < plan.keys.size(); ++k) {
        int c = CompareCell(group_keys[a][k], group_keys[b][k]);
        if (c != 0) return c < 0;
      }
      return false;
    });
    result.ordered = true;
  } else if (plan.aggregate) {
    result.ordered = true;
  } else if (plan.limit) {
    result.limited_subset = true;
    result.limit = *plan.limit;
  }
  size_t keep = order.size();
  if (plan.limit && (result.ordered || plan.aggregate)) keep = std::min<uint64_t>(keep, *plan.limit);
  for (size_t i = 0; i < keep; ++i) {
    std::vector<Value> visible;
    for (size_t c = 0; c < plan.outputs.size(); ++c) {
      if (!plan.outputs[c].hidden) visible.push_back(full[order[i]][c]);
    }
    result.rows.push_back(std::move(visible));
  }
  return result;
}

}  // namespace backtrace::query::testing
