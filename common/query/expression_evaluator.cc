#include "common/query/expression_evaluator.h"

#include <limits>
#include <string>

namespace backtrace::query {
namespace {

using ast::ArithmeticOperator;

Status Overflow(ArithmeticOperator op, ColumnType type) {
  return Status::InvalidArgument("integer overflow in " + std::string(ast::OperatorText(op)) +
                                 " on " + std::string(ColumnTypeName(type)) +
                                 " values (use a float operand to compute in float64)");
}

template <typename T>
bool Integers(ArithmeticOperator op, const T* left, const T* right, T* out, size_t rows) {
  bool overflow = false;
  switch (op) {
    case ArithmeticOperator::kAdd:
      for (size_t i = 0; i < rows; ++i) overflow |= __builtin_add_overflow(left[i], right[i], &out[i]);
      break;
    case ArithmeticOperator::kSubtract:
      for (size_t i = 0; i < rows; ++i) overflow |= __builtin_sub_overflow(left[i], right[i], &out[i]);
      break;
    case ArithmeticOperator::kMultiply:
      for (size_t i = 0; i < rows; ++i) overflow |= __builtin_mul_overflow(left[i], right[i], &out[i]);
      break;
    case ArithmeticOperator::kDivide:
      return false;  // division is always float64
  }
  return !overflow;
}

void Floats(ArithmeticOperator op, const double* left, const double* right, double* out, size_t rows) {
  switch (op) {
    case ArithmeticOperator::kAdd:
      for (size_t i = 0; i < rows; ++i) out[i] = left[i] + right[i];
      break;
    case ArithmeticOperator::kSubtract:
      for (size_t i = 0; i < rows; ++i) out[i] = left[i] - right[i];
      break;
    case ArithmeticOperator::kMultiply:
      for (size_t i = 0; i < rows; ++i) out[i] = left[i] * right[i];
      break;
    case ArithmeticOperator::kDivide:
      for (size_t i = 0; i < rows; ++i) out[i] = left[i] / right[i];
      break;
  }
}

}  // namespace

template <typename T>
T* ExpressionEvaluator::Buffer(size_t rows) {
  if (used_ == buffers_.size()) buffers_.push_back(std::make_unique<std::vector<uint64_t>>());
  std::vector<uint64_t>& buffer = *buffers_[used_++];
  if (buffer.size() < rows) buffer.resize(rows);
  return reinterpret_cast<T*>(buffer.data());
}

// The slice's values as T (int64_t, uint64_t or double), converted if needed.
template <typename T>
Result<const T*> ExpressionEvaluator::As(const ColumnSlice& slice, size_t rows) {
  const bool is_int = slice.type == ColumnType::kInt64 || slice.type == ColumnType::kTimestamp;
  if constexpr (std::is_same_v<T, int64_t>) {
    if (is_int) return slice.data<int64_t>();
    T* out = Buffer<T>(rows);
    if (slice.type == ColumnType::kUInt64) {
      const uint64_t* in = slice.data<uint64_t>();
      uint64_t high = 0;
      for (size_t i = 0; i < rows; ++i) {
        high |= in[i];
        out[i] = static_cast<int64_t>(in[i]);
      }
      if (high >> 63) {
        return Status::InvalidArgument(
            "a uint64 value above 9223372036854775807 does not fit int64 arithmetic");
      }
      return out;
    }
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    if (slice.type == ColumnType::kUInt64) return slice.data<uint64_t>();
  } else {
    if (slice.type == ColumnType::kFloat64) return slice.data<double>();
    double* out = Buffer<double>(rows);
    if (is_int) {
      const int64_t* in = slice.data<int64_t>();
      for (size_t i = 0; i < rows; ++i) out[i] = static_cast<double>(in[i]);
      return static_cast<const double*>(out);
    }
    if (slice.type == ColumnType::kUInt64) {
      const uint64_t* in = slice.data<uint64_t>();
      for (size_t i = 0; i < rows; ++i) out[i] = static_cast<double>(in[i]);
      return static_cast<const double*>(out);
    }
  }
  return Status::Internal("expression operand of type " + std::string(ColumnTypeName(slice.type)) +
                          " cannot be converted");
}

Result<ColumnSlice> ExpressionEvaluator::Evaluate(const BoundExpression& expression,
                                                  std::span<const ColumnSlice> inputs, size_t rows) {
  ColumnSlice result;
  result.type = expression.type;
  result.rows = rows;
  switch (expression.kind) {
    case BoundExpression::Kind::kSlot:
      if (expression.slot >= inputs.size()) return Status::Internal("expression slot out of range");
      return inputs[expression.slot];
    case BoundExpression::Kind::kLiteral: {
      if (const int64_t* value = std::get_if<int64_t>(&expression.literal)) {
        int64_t* out = Buffer<int64_t>(rows);
        std::fill(out, out + rows, *value);
        result.values = out;
      } else if (const uint64_t* value = std::get_if<uint64_t>(&expression.literal)) {
        uint64_t* out = Buffer<uint64_t>(rows);
        std::fill(out, out + rows, *value);
        result.values = out;
      } else {
        double* out = Buffer<double>(rows);
        std::fill(out, out + rows, std::get<double>(expression.literal));
        result.values = out;
      }
      return result;
    }
    case BoundExpression::Kind::kNegate: {
      ASSIGN_OR_RETURN(ColumnSlice operand, Evaluate(expression.children[0], inputs, rows));
      if (expression.type == ColumnType::kFloat64) {
        ASSIGN_OR_RETURN(const double* in, As<double>(operand, rows));
        double* out = Buffer<double>(rows);
        for (size_t i = 0; i < rows; ++i) out[i] = -in[i];
        result.values = out;
        return result;
      }
      ASSIGN_OR_RETURN(const int64_t* in, As<int64_t>(operand, rows));
      int64_t* out = Buffer<int64_t>(rows);
      bool overflow = false;
      for (size_t i = 0; i < rows; ++i) overflow |= __builtin_sub_overflow(int64_t{0}, in[i], &out[i]);
      if (overflow) return Overflow(ArithmeticOperator::kSubtract, ColumnType::kInt64);
      result.values = out;
      return result;
    }
    case BoundExpression::Kind::kArithmetic: {
      ASSIGN_OR_RETURN(ColumnSlice left, Evaluate(expression.children[0], inputs, rows));
      ASSIGN_OR_RETURN(ColumnSlice right, Evaluate(expression.children[1], inputs, rows));
      switch (expression.type) {
        case ColumnType::kFloat64: {
          ASSIGN_OR_RETURN(const double* a, As<double>(left, rows));
          ASSIGN_OR_RETURN(const double* b, As<double>(right, rows));
          double* out = Buffer<double>(rows);
          Floats(expression.op, a, b, out, rows);
          result.values = out;
          return result;
        }
        case ColumnType::kUInt64: {
          ASSIGN_OR_RETURN(const uint64_t* a, As<uint64_t>(left, rows));
          ASSIGN_OR_RETURN(const uint64_t* b, As<uint64_t>(right, rows));
          uint64_t* out = Buffer<uint64_t>(rows);
          if (!Integers(expression.op, a, b, out, rows)) return Overflow(expression.op, expression.type);
          result.values = out;
          return result;
        }
        default: {
          ASSIGN_OR_RETURN(const int64_t* a, As<int64_t>(left, rows));
          ASSIGN_OR_RETURN(const int64_t* b, As<int64_t>(right, rows));
          int64_t* out = Buffer<int64_t>(rows);
          if (!Integers(expression.op, a, b, out, rows)) return Overflow(expression.op, expression.type);
          result.values = out;
          return result;
        }
      }
    }
  }
  return Status::Internal("unknown expression kind");
}

}  // namespace backtrace::query
