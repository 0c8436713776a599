#include "common/query/ast.h"

namespace backtrace::query::ast {
namespace {

int Precedence(const Expression& expression) {
  switch (expression.kind) {
    case Expression::Kind::kArithmetic:
      return (expression.op == ArithmeticOperator::kAdd ||
              expression.op == ArithmeticOperator::kSubtract)
                 ? 1
                 : 2;
    case Expression::Kind::kNegate:
      return 3;
    default:
      return 4;
  }
}

void AppendText(const Expression& expression, std::string* out);

void AppendOperand(const Expression& operand, bool parenthesize, std::string* out) {
  if (parenthesize) out->push_back('(');
  AppendText(operand, out);
  if (parenthesize) out->push_back(')');
}

void AppendText(const Expression& expression, std::string* out) {
  switch (expression.kind) {
    case Expression::Kind::kColumn:
    case Expression::Kind::kInteger:
    case Expression::Kind::kFloat:
      out->append(expression.text);
      return;
    case Expression::Kind::kString:
      out->push_back('\'');
      for (char c : expression.text) {
        if (c == '\'') out->push_back('\'');
        out->push_back(c);
      }
      out->push_back('\'');
      return;
    case Expression::Kind::kStar:
      out->push_back('*');
      return;
    case Expression::Kind::kNegate:
      out->push_back('-');
      AppendOperand(*expression.arguments[0], Precedence(*expression.arguments[0]) < 3, out);
      return;
    case Expression::Kind::kArithmetic: {
      int precedence = Precedence(expression);
      const Expression& left = *expression.arguments[0];
      const Expression& right = *expression.arguments[1];
      AppendOperand(left, Precedence(left) < precedence, out);
      out->push_back(' ');
      out->append(OperatorText(expression.op));
      out->push_back(' ');
      AppendOperand(right, Precedence(right) <= precedence, out);
      return;
    }
    case Expression::Kind::kFunction: {
      for (char c : expression.text) {
        out->push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
      }
      out->push_back('(');
      for (size_t i = 0; i < expression.arguments.size(); ++i) {
        if (i > 0) out->append(", ");
        AppendText(*expression.arguments[i], out);
      }
      out->push_back(')');
      return;
    }
  }
}

}  // namespace

std::string_view OperatorText(ArithmeticOperator op) {
  switch (op) {
    case ArithmeticOperator::kAdd: return "+";
    case ArithmeticOperator::kSubtract: return "-";
    case ArithmeticOperator::kMultiply: return "*";
    case ArithmeticOperator::kDivide: return "/";
  }
  return "?";
}

std::string_view OperatorText(ComparisonOperator op) {
  switch (op) {
    case ComparisonOperator::kEqual: return "=";
    case ComparisonOperator::kNotEqual: return "!=";
    case ComparisonOperator::kLess: return "<";
    case ComparisonOperator::kLessEqual: return "<=";
    case ComparisonOperator::kGreater: return ">";
    case ComparisonOperator::kGreaterEqual: return ">=";
  }
  return "?";
}

ComparisonOperator Mirror(ComparisonOperator op) {
  switch (op) {
    case ComparisonOperator::kLess: return ComparisonOperator::kGreater;
    case ComparisonOperator::kLessEqual: return ComparisonOperator::kGreaterEqual;
    case ComparisonOperator::kGreater: return ComparisonOperator::kLess;
    case ComparisonOperator::kGreaterEqual: return ComparisonOperator::kLessEqual;
    default: return op;
  }
}

std::string ExpressionText(const Expression& expression) {
  std::string text;
  AppendText(expression, &text);
  return text;
}

}  // namespace backtrace::query::ast
