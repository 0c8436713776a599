// Projection: the executor stage of queries without aggregates. For each
// scanned batch it gathers the selected rows of the columns the select list
// reads, evaluates the output expressions and hands the rows to the
// ResultWriter, asking the scan to stop once LIMIT is reached (without
// ORDER BY).
//
// Used by one thread.
#pragma once

#include <vector>

#include "common/query/expression_evaluator.h"
#include "common/query/result_writer.h"
#include "common/query/table_scan.h"

namespace backtrace::query {

class Projection final : public BatchConsumer {
 public:
  Projection(const QueryPlan& plan, ResultWriter& writer);
  [[nodiscard]] Status Consume(ScanBatch& batch, bool* stop) override;

 private:
  const QueryPlan& plan_;
  ResultWriter& writer_;
  std::vector<size_t> columns_;  // schema columns the outputs read
  std::vector<ColumnSlice> inputs_;
  std::vector<GatherBuffer> buffers_;
  ExpressionEvaluator evaluator_;
};

}  // namespace backtrace::query
