#include "common/query/binder.h"

#include <algorithm>
#include <cctype>

#include "common/query/lexer.h"
#include "common/query/literal_typing.h"

namespace backtrace::query {
namespace {

using ast::Expression;

// Aggregate slots are numbered from here while the keys are still being
// found, and renumbered to follow the keys at the end.
constexpr size_t kAggregateSlotBase = size_t{1} << 40;

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<AggregateKind> AggregateFromName(std::string_view name) {
  static constexpr std::pair<std::string_view, AggregateKind> kNames[] = {
      {"count", AggregateKind::kCount}, {"sum", AggregateKind::kSum},
      {"min", AggregateKind::kMin},     {"max", AggregateKind::kMax},
      {"avg", AggregateKind::kAvg},     {"first", AggregateKind::kFirst},
      {"last", AggregateKind::kLast},
  };
  for (const auto& [text, kind] : kNames) {
    if (EqualsIgnoringCase(name, text)) return kind;
  }
  return std::nullopt;
}

bool ContainsFunction(const Expression& expression) {
  if (expression.kind == Expression::Kind::kFunction) return true;
  for (const auto& argument : expression.arguments) {
    if (ContainsFunction(*argument)) return true;
  }
  return false;
}

void RemapAggregateSlots(BoundExpression* expression, size_t key_count) {
  if (expression->kind == BoundExpression::Kind::kSlot && expression->slot >= kAggregateSlotBase) {
    expression->slot = key_count + (expression->slot - kAggregateSlotBase);
  }
  for (auto& child : expression->children) RemapAggregateSlots(&child, key_count);
}

class Binder {
 public:
  Binder(const TableSchema& schema, std::string_view sql) : sql_(sql) {
    plan_.schema = schema;
    plan_.time_column = schema.ColumnIndex(schema.time_column).value_or(0);
  }

  Result<QueryPlan> Bind(ast::Statement statement) {
    ast::Select& select = statement.select;
    plan_.explain = statement.explain;
    plan_.limit = select.limit;

    bool has_function = false;
    for (const auto& item : select.items) has_function |= ContainsFunction(*item.expression);
    for (const auto& item : select.order_by) has_function |= ContainsFunction(*item.expression);
    if (select.sample_by) {
      mode_ = Mode::kSampleBy;
    } else if (!select.group_by.empty()) {
      mode_ = Mode::kGroupBy;
    } else if (has_function) {
      mode_ = Mode::kGlobal;
    }
    plan_.aggregate = mode_ != Mode::kProjection;
    if (select.star && plan_.aggregate) {
      return At(select.star_offset,
                "SELECT * cannot be combined with aggregates, GROUP BY or SAMPLE BY");
    }

    for (auto& predicate : select.where) {
      ASSIGN_OR_RETURN(BoundPredicate bound, BindPredicate(predicate));
      plan_.predicates.push_back(std::move(bound));
    }
    DeriveTimeRange();

    if (mode_ == Mode::kSampleBy) {
      plan_.bucket_nanos = select.sample_by->interval_nanos;
      plan_.keys.push_back(GroupKey{true, plan_.time_column, ColumnType::kTimestamp,
                                    plan_.schema.time_column});
    }
    for (auto& name : select.group_by) {
      ASSIGN_OR_RETURN(size_t column, ResolveName(name.text, name.offset));
      bool seen = false;
      for (const auto& key : plan_.keys) seen |= key.column == column;
      if (!seen) {
        plan_.keys.push_back(GroupKey{false, column, plan_.schema.columns[column].type,
                                      plan_.schema.columns[column].name});
      }
    }

    if (select.star) {
      for (size_t column = 0; column < plan_.schema.columns.size(); ++column) {
        BoundExpression slot;
        slot.kind = BoundExpression::Kind::kSlot;
        slot.slot = column;
        slot.type = plan_.schema.columns[column].type;
        plan_.outputs.push_back(OutputColumn{plan_.schema.columns[column].name, slot, false});
      }
    }
    for (auto& item : select.items) {
      ASSIGN_OR_RETURN(BoundExpression bound, BindOutput(*item.expression, true));
      std::string name = item.alias.empty() ? ast::ExpressionText(*item.expression) : item.alias;
      plan_.outputs.push_back(OutputColumn{std::move(name), std::move(bound), false});
    }
    if (mode_ == Mode::kSampleBy) {
      bool bucket_selected = false;
      for (const auto& output : plan_.outputs) {
        bucket_selected |= output.expression.IsSlot() && output.expression.slot == 0;
      }
      if (!bucket_selected) {
        BoundExpression slot;
        slot.slot = 0;
        slot.type = ColumnType::kTimestamp;
        plan_.outputs.insert(plan_.outputs.begin(),
                             OutputColumn{plan_.schema.time_column, slot, false});
      }
    }
    for (size_t i = 0; i < plan_.outputs.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (EqualsIgnoringCase(plan_.outputs[i].name, plan_.outputs[j].name)) {
          return Status::InvalidArgument("result column name '" + plan_.outputs[i].name +
                                         "' appears twice; name one with AS");
        }
      }
    }
    for (auto& item : select.order_by) RETURN_IF_ERROR(BindOrderItem(item));

    if (plan_.aggregate) {
      for (auto& output : plan_.outputs) RemapAggregateSlots(&output.expression, plan_.keys.size());
      bool only_counts_and_sums = true;
      for (const auto& aggregate : plan_.aggregates) {
        only_counts_and_sums &= aggregate.kind == AggregateKind::kCountStar ||
                                aggregate.kind == AggregateKind::kCount ||
                                aggregate.kind == AggregateKind::kSum;
      }
      plan_.single_row_when_empty = plan_.keys.empty() && only_counts_and_sums;
    }
    CollectScanColumns();
    return std::move(plan_);
  }

 private:
  enum class Mode { kProjection, kGlobal, kGroupBy, kSampleBy };

  Status At(size_t offset, std::string message, StatusCode code = StatusCode::kInvalidArgument) {
    return Status(code, std::move(message) + " (at " + DescribePosition(sql_, offset) + ")");
  }

  Result<size_t> ResolveName(std::string& name, size_t offset) {
    for (size_t column = 0; column < plan_.schema.columns.size(); ++column) {
      if (EqualsIgnoringCase(plan_.schema.columns[column].name, name)) {
        name = plan_.schema.columns[column].name;
        return column;
      }
    }
    return At(offset,
              "column '" + name + "' does not exist in table " + plan_.schema.name,
              StatusCode::kNotFound);
  }

  BoundExpression ColumnSlot(size_t column) const {
    BoundExpression slot;
    slot.kind = BoundExpression::Kind::kSlot;
    slot.slot = column;
    slot.type = plan_.schema.columns[column].type;
    return slot;
  }

  Result<BoundExpression> BindLiteral(const Expression& expression) {
    if (expression.kind == Expression::Kind::kString) {
      return At(expression.offset, "a string literal may appear only as a comparison operand");
    }
    BoundExpression literal;
    literal.kind = BoundExpression::Kind::kLiteral;
    auto value = NumberLiteral(expression, &literal.type);
    if (!value.ok()) return At(expression.offset, value.status().message());
    literal.literal = std::move(value).value();
    return literal;
  }

  Result<BoundExpression> MakeArithmetic(const Expression& node, BoundExpression left,
                                         BoundExpression right) {
    for (const BoundExpression* operand : {&left, &right}) {
      if (operand->type == ColumnType::kString) {
        return At(node.offset, "operator " + std::string(ast::OperatorText(node.op)) +
                                   " needs numbers, not strings, in " + ast::ExpressionText(node));
      }
    }
    BoundExpression result;
    result.kind = BoundExpression::Kind::kArithmetic;
    result.op = node.op;
    if (node.op == ast::ArithmeticOperator::kDivide || left.type == ColumnType::kFloat64 ||
        right.type == ColumnType::kFloat64) {
      result.type = ColumnType::kFloat64;
    } else if (left.type == ColumnType::kUInt64 && right.type == ColumnType::kUInt64) {
      result.type = ColumnType::kUInt64;
    } else {
      result.type = ColumnType::kInt64;
    }
    result.children.push_back(std::move(left));
    result.children.push_back(std::move(right));
    return result;
  }

  Result<BoundExpression> MakeNegate(const Expression& node, BoundExpression operand) {
    if (operand.type == ColumnType::kString) {
      return At(node.offset, "cannot negate a string in " + ast::ExpressionText(node));
    }
    BoundExpression result;
    result.kind = BoundExpression::Kind::kNegate;
    result.type = operand.type == ColumnType::kFloat64 ? ColumnType::kFloat64 : ColumnType::kInt64;
    result.children.push_back(std::move(operand));
    return result;
  }

  // An expression over table columns (WHERE, aggregate arguments, the
  // select list of a projection).
  Result<BoundExpression> BindScalar(Expression& expression, std::string_view context) {
    switch (expression.kind) {
      case Expression::Kind::kColumn: {
        ASSIGN_OR_RETURN(size_t column, ResolveName(expression.text, expression.offset));
        return ColumnSlot(column);
      }
      case Expression::Kind::kInteger:
      case Expression::Kind::kFloat:
      case Expression::Kind::kString:
        return BindLiteral(expression);
      case Expression::Kind::kStar:
        return At(expression.offset, "* is allowed only in SELECT * and count(*)");
      case Expression::Kind::kNegate: {
        ASSIGN_OR_RETURN(auto operand, BindScalar(*expression.arguments[0], context));
        return MakeNegate(expression, std::move(operand));
      }
      case Expression::Kind::kArithmetic: {
        ASSIGN_OR_RETURN(auto left, BindScalar(*expression.arguments[0], context));
        ASSIGN_OR_RETURN(auto right, BindScalar(*expression.arguments[1], context));
        return MakeArithmetic(expression, std::move(left), std::move(right));
      }
      case Expression::Kind::kFunction:
        if (!AggregateFromName(expression.text)) return UnknownFunction(expression);
        return At(expression.offset, "aggregate " + ast::ExpressionText(expression) +
                                         " is not allowed " + std::string(context));
    }
    return Status::Internal("unknown expression kind");
  }

  Status UnknownFunction(const Expression& call) {
    return At(call.offset, "unknown function '" + call.text +
                               "' (the functions are count, sum, min, max, avg, first and last)");
  }

  Result<BoundExpression> AddAggregate(Expression& call) {
    std::optional<AggregateKind> kind = AggregateFromName(call.text);
    if (!kind) return UnknownFunction(call);
    std::string name = ast::ExpressionText(call).substr(0, call.text.size());
    if (call.arguments.size() != 1) {
      return At(call.offset, name + " takes one argument, not " +
                                 std::to_string(call.arguments.size()));
    }
    BoundAggregate aggregate;
    aggregate.kind = *kind;
    Expression& argument = *call.arguments[0];
    if (argument.kind == Expression::Kind::kStar) {
      if (*kind != AggregateKind::kCount) return At(argument.offset, "only count takes *");
      aggregate.kind = AggregateKind::kCountStar;
      aggregate.result_type = ColumnType::kInt64;
    } else {
      ASSIGN_OR_RETURN(aggregate.argument, BindScalar(argument, "inside an aggregate"));
      ColumnType type = aggregate.argument.type;
      switch (*kind) {
        case AggregateKind::kCount:
          aggregate.result_type = ColumnType::kInt64;
          break;
        case AggregateKind::kSum:
        case AggregateKind::kAvg:
          if (type == ColumnType::kString) {
            return At(call.offset, name + " needs a number, and " + ast::ExpressionText(argument) +
                                       " is a string");
          }
          if (*kind == AggregateKind::kAvg || type == ColumnType::kFloat64) {
            aggregate.result_type = ColumnType::kFloat64;
          } else {
            aggregate.result_type =
                type == ColumnType::kUInt64 ? ColumnType::kUInt64 : ColumnType::kInt64;
          }
          break;
        default:
          aggregate.result_type = type;
          break;
      }
    }
    aggregate.text = ast::ExpressionText(call);
    size_t index = 0;
    while (index < plan_.aggregates.size() && plan_.aggregates[index].text != aggregate.text) {
      ++index;
    }
    if (index == plan_.aggregates.size()) plan_.aggregates.push_back(aggregate);
    BoundExpression slot;
    slot.kind = BoundExpression::Kind::kSlot;
    slot.slot = kAggregateSlotBase + index;
    slot.type = aggregate.result_type;
    return slot;
  }

  // A select-list or ORDER BY expression. In aggregate queries columns
  // outside aggregates are group keys.
  Result<BoundExpression> BindOutput(Expression& expression, bool may_add_keys) {
    if (mode_ == Mode::kProjection) return BindScalar(expression, "without GROUP BY");
    switch (expression.kind) {
      case Expression::Kind::kFunction:
        return AddAggregate(expression);
      case Expression::Kind::kColumn: {
        ASSIGN_OR_RETURN(size_t column, ResolveName(expression.text, expression.offset));
        for (size_t key = 0; key < plan_.keys.size(); ++key) {
          if (plan_.keys[key].column == column) {
            BoundExpression slot;
            slot.slot = key;
            slot.type = plan_.keys[key].is_bucket ? ColumnType::kTimestamp : plan_.keys[key].type;
            return slot;
          }
        }
        if (mode_ == Mode::kSampleBy && may_add_keys) {
          plan_.keys.push_back(GroupKey{false, column, plan_.schema.columns[column].type,
                                        plan_.schema.columns[column].name});
          BoundExpression slot;
          slot.slot = plan_.keys.size() - 1;
          slot.type = plan_.keys.back().type;
          return slot;
        }
        if (mode_ == Mode::kGlobal) {
          return At(expression.offset, "column '" + expression.text +
                                           "' must be inside an aggregate (or the query needs "
                                           "GROUP BY)");
        }
        return At(expression.offset, "column '" + expression.text +
                                         "' must be a group key or inside an aggregate");
      }
      case Expression::Kind::kNegate: {
        ASSIGN_OR_RETURN(auto operand, BindOutput(*expression.arguments[0], may_add_keys));
        return MakeNegate(expression, std::move(operand));
      }
      case Expression::Kind::kArithmetic: {
        ASSIGN_OR_RETURN(auto left, BindOutput(*expression.arguments[0], may_add_keys));
        ASSIGN_OR_RETURN(auto right, BindOutput(*expression.arguments[1], may_add_keys));
        return MakeArithmetic(expression, std::move(left), std::move(right));
      }
      default:
        return BindScalar(expression, "");
    }
  }

  Status BindOrderItem(ast::OrderItem& item) {
    Expression& expression = *item.expression;
    auto find_output = [&](std::string_view name) -> std::optional<size_t> {
      for (size_t i = 0; i < plan_.outputs.size(); ++i) {
        if (EqualsIgnoringCase(plan_.outputs[i].name, name)) return i;
      }
      return std::nullopt;
    };
    std::optional<size_t> output;
    if (expression.kind == Expression::Kind::kColumn) output = find_output(expression.text);
    if (!output) {
      ASSIGN_OR_RETURN(BoundExpression bound, BindOutput(expression, false));
      std::string text = ast::ExpressionText(expression);
      output = find_output(text);
      if (!output) {
        plan_.outputs.push_back(OutputColumn{text, std::move(bound), true});
        output = plan_.outputs.size() - 1;
      }
    }
    plan_.order_by.push_back(OrderKey{*output, item.descending});
    return Status::Ok();
  }

  Result<BoundPredicate> BindPredicate(ast::Predicate& predicate) {
    if (predicate.kind == ast::Predicate::Kind::kCompare && IsLiteral(*predicate.left) &&
        !IsLiteral(*predicate.operands[0])) {
      std::swap(predicate.left, predicate.operands[0]);
      predicate.op = ast::Mirror(predicate.op);
    }
    if (IsLiteral(*predicate.left)) {
      return At(predicate.left->offset, "a comparison needs a column or expression on one side");
    }
    BoundPredicate bound;
    bound.kind = predicate.kind;
    bound.op = predicate.op;
    ASSIGN_OR_RETURN(bound.subject, BindScalar(*predicate.left, "in WHERE"));
    std::string subject_text = ast::ExpressionText(*predicate.left);
    std::string target = bound.subject.IsSlot() ? "column " + subject_text : subject_text;
    for (auto& operand : predicate.operands) {
      if (!IsLiteral(*operand)) {
        return At(operand->offset, "expected a literal to compare " + subject_text + " with, found " +
                                       ast::ExpressionText(*operand));
      }
      auto value = LiteralAs(*operand, bound.subject.type, target);
      if (!value.ok()) return At(operand->offset, value.status().message());
      bound.values.push_back(std::move(value).value());
    }
    bound.text = subject_text;
    switch (predicate.kind) {
      case ast::Predicate::Kind::kCompare:
        bound.text += " " + std::string(ast::OperatorText(predicate.op)) + " " +
                      ast::ExpressionText(*predicate.operands[0]);
        break;
      case ast::Predicate::Kind::kBetween:
        bound.text += " BETWEEN " + ast::ExpressionText(*predicate.operands[0]) + " AND " +
                      ast::ExpressionText(*predicate.operands[1]);
        break;
      case ast::Predicate::Kind::kIn: {
        bound.text += " IN (";
        for (size_t i = 0; i < predicate.operands.size(); ++i) {
          if (i > 0) bound.text += ", ";
          bound.text += ast::ExpressionText(*predicate.operands[i]);
        }
        bound.text += ")";
        std::sort(bound.values.begin(), bound.values.end(), [](const Value& a, const Value& b) {
          return a < b;
        });
        bound.values.erase(std::unique(bound.values.begin(), bound.values.end()),
                           bound.values.end());
        break;
      }
    }
    return bound;
  }

  void DeriveTimeRange() {
    int64_t low = INT64_MIN;
    int64_t high = INT64_MAX;
    bool empty = false;
    for (const auto& predicate : plan_.predicates) {
      if (predicate.column() != plan_.time_column) continue;
      auto value = [&](size_t i) { return std::get<int64_t>(predicate.values[i]); };
      switch (predicate.kind) {
        case ast::Predicate::Kind::kCompare:
          switch (predicate.op) {
            case ast::ComparisonOperator::kEqual:
              low = std::max(low, value(0));
              high = std::min(high, value(0));
              break;
            case ast::ComparisonOperator::kLess:
              if (value(0) == INT64_MIN) empty = true; else high = std::min(high, value(0) - 1);
              break;
            case ast::ComparisonOperator::kLessEqual:
              high = std::min(high, value(0));
              break;
            case ast::ComparisonOperator::kGreater:
              if (value(0) == INT64_MAX) empty = true; else low = std::max(low, value(0) + 1);
              break;
            case ast::ComparisonOperator::kGreaterEqual:
              low = std::max(low, value(0));
              break;
            case ast::ComparisonOperator::kNotEqual:
              break;
          }
          break;
        case ast::Predicate::Kind::kBetween:
          low = std::max(low, value(0));
          high = std::min(high, value(1));
          break;
        case ast::Predicate::Kind::kIn:
          low = std::max(low, value(0));
          high = std::min(high, value(predicate.values.size() - 1));
          break;
      }
    }
    plan_.min_time = low;
    plan_.max_time = high;
    plan_.empty_time_range = empty || low > high;
  }

  void CollectScanColumns() {
    std::vector<size_t> columns;
    for (const auto& predicate : plan_.predicates) predicate.subject.CollectSlots(&columns);
    for (const auto& aggregate : plan_.aggregates) {
      if (aggregate.kind != AggregateKind::kCountStar) aggregate.argument.CollectSlots(&columns);
      if (aggregate.kind == AggregateKind::kFirst || aggregate.kind == AggregateKind::kLast) {
        columns.push_back(plan_.time_column);
      }
    }
    for (const auto& key : plan_.keys) columns.push_back(key.column);
    if (!plan_.aggregate) {
      for (const auto& output : plan_.outputs) output.expression.CollectSlots(&columns);
    }
    std::sort(columns.begin(), columns.end());
    columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
    plan_.scan_columns = std::move(columns);
  }

  std::string_view sql_;
  QueryPlan plan_;
  Mode mode_ = Mode::kProjection;
};

}  // namespace

void BoundExpression::CollectSlots(std::vector<size_t>* slots) const {
  if (kind == Kind::kSlot) {
    if (std::find(slots->begin(), slots->end(), slot) == slots->end()) slots->push_back(slot);
    return;
  }
  for (const auto& child : children) child.CollectSlots(slots);
}

Result<QueryPlan> Bind(ast::Statement statement, const TableSchema& schema, std::string_view sql) {
  Binder binder(schema, sql);
  return binder.Bind(std::move(statement));
}

}  // namespace backtrace::query
