// Vectorised evaluation of bound arithmetic expressions over contiguous
// columns (docs/query_language.md, "Expressions"): + - * on integers with
// overflow checks, everything else in float64, / always in float64.
//
// An evaluator owns scratch buffers that results may point into; they stay
// valid until the next Reset(). One evaluator per thread.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "common/base/status.h"
#include "common/query/bound_query.h"
#include "common/query/column_slice.h"

namespace backtrace::query {

class ExpressionEvaluator {
 public:
  // Evaluates `expression` over `rows` rows; inputs[slot] holds the values
  // of each slot the expression reads (rows values each). A bare slot
  // returns its input unchanged. kInvalidArgument on integer overflow (or
  // a uint64 value that does not fit int64 where int64 arithmetic needs it).
  [[nodiscard]] Result<ColumnSlice> Evaluate(const BoundExpression& expression,
                                             std::span<const ColumnSlice> inputs, size_t rows);

  // Makes every buffer reusable; earlier results become invalid.
  void Reset() { used_ = 0; }

 private:
  template <typename T>
  T* Buffer(size_t rows);
  template <typename T>
  Result<const T*> As(const ColumnSlice& slice, size_t rows);

  std::vector<std::unique_ptr<std::vector<uint64_t>>> buffers_;
  size_t used_ = 0;
};

}  // namespace backtrace::query
