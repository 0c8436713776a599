// ResultWriter: the last stage of every query. It receives rows as columns
// (one per plan output, hidden ORDER BY columns included), applies ORDER BY
// and LIMIT, drops hidden columns and writes batches of at most
// QueryLimits::batch_rows rows to the ResultSink.
//
// Without ORDER BY rows stream through (bounded memory) and done() turns
// true once LIMIT rows have been written, so the scan can stop. With ORDER
// BY rows are buffered (with LIMIT n only the best n are kept, compacting
// as the buffer grows) and counted against the memory budget.
//
// Used by one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/base/status.h"
#include "common/query/bound_query.h"
#include "common/query/memory_budget.h"
#include "common/query/query_engine.h"
#include "common/query/row_sorter.h"

namespace backtrace::query {

class ResultWriter {
 public:
  ResultWriter(const QueryPlan& plan, ResultSink& sink, const QueryLimits& limits,
               MemoryBudget& budget);

  // Announces the visible columns to the sink.
  [[nodiscard]] Status Begin();
  // Adds rows: columns[i] holds output i's values, all of equal length.
  // Errors: the sink's, kResourceExhausted when buffered rows pass the
  // memory limit.
  [[nodiscard]] Status Add(std::vector<ColumnVector>& columns);
  // Sorts (if needed) and writes what is buffered.
  [[nodiscard]] Status Finish();

  // No more rows are wanted (LIMIT reached, no ORDER BY).
  bool done() const;
  uint64_t rows_returned() const { return rows_returned_; }

  // Empty columns of the outputs' types.
  std::vector<ColumnVector> MakeColumns() const;

 private:
  Status Flush(bool everything);
  Status Compact();
  Status WriteSorted();

  const QueryPlan& plan_;
  ResultSink& sink_;
  size_t batch_rows_;
  MemoryBudget& budget_;
  uint64_t buffer_account_ = 0;
  std::vector<ColumnVector> buffer_;  // every output, hidden included
  uint64_t rows_returned_ = 0;
  uint64_t accepted_ = 0;  // rows taken into the buffer (streaming mode)
};

}  // namespace backtrace::query
