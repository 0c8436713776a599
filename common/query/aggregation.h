// Aggregation: the executor stage of aggregate queries (aggregates, GROUP
// BY, SAMPLE BY). For each scanned batch it finds every row's group (hash
// table over key words; string keys via dictionary codes where the column
// file has a dictionary) and updates the aggregate states. A granule whose
// rows all match, whose group keys are constant and whose aggregates can be
// read from its zone map and sums is counted without decoding anything.
//
// Finish turns the states into the result: group keys and aggregates, the
// output expressions over them, ordered by the group keys unless the query
// has its own ORDER BY.
//
// Used by one thread.
#pragma once

#include <memory>
#include <vector>

#include "common/query/aggregates.h"
#include "common/query/expression_evaluator.h"
#include "common/query/group_table.h"
#include "common/query/memory_budget.h"
#include "common/query/table_scan.h"

namespace backtrace::query {

class Aggregation final : public BatchConsumer {
 public:
  Aggregation(const QueryPlan& plan, MemoryBudget& budget);
  [[nodiscard]] Status Consume(ScanBatch& batch, bool* stop) override;

  // One column per plan output (hidden ones included). Errors: an integer
  // sum that overflows, an arithmetic error in an output expression.
  [[nodiscard]] Result<std::vector<ColumnVector>> Finish();

  // Granules answered from their statistics (for tests and EXPLAIN).
  uint64_t granules_from_statistics() const { return granules_from_statistics_; }

 private:
  // Tries to answer a fully matching granule from its statistics.
  Result<bool> ConsumeStatistics(ScanBatch& batch);
  Status ComputeGroups(ScanBatch& batch, size_t rows);
  Status ResizeStates();
  size_t GroupCount() const { return plan_.keys.empty() ? 1 : table_.size(); }

  const QueryPlan& plan_;
  MemoryBudget& budget_;
  uint64_t account_ = 0;
  GroupTable table_;
  StringPool strings_;
  std::vector<std::unique_ptr<AggregateState>> states_;
  size_t state_groups_ = 0;
  bool statistics_possible_ = true;
  bool any_rows_ = false;
  uint64_t granules_from_statistics_ = 0;

  std::vector<size_t> value_columns_;  // gathered per batch
  std::vector<ColumnSlice> inputs_;
  std::vector<GatherBuffer> buffers_;
  ExpressionEvaluator evaluator_;
  std::vector<uint32_t> group_ids_;
  std::vector<size_t> runs_;  // first row of each run of one group
  std::vector<uint64_t> key_words_;
  struct KeyCache {
    uint64_t file_serial = 0;
    std::vector<int64_t> ids;  // dictionary code → string id, -1 unknown
  };
  std::vector<KeyCache> key_caches_;
};

}  // namespace backtrace::query
