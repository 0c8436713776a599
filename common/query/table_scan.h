// TableScan: reads the rows of one table that may satisfy a query's
// predicates, pruning in order: blocks outside the predicates' time range
// (the catalog's range scan), blocks by their per-column min/max, granules
// by the zone maps of the column files, and finally rows, with vectorised
// filter kernels over decoded granules. Only the columns that a predicate or
// the consumer asks for are opened, and a column file is decoded only for
// granules that survive the pruning before it.
//
// Batches are handed to a BatchConsumer: one per surviving granule of a
// persisted block, one per 8192 rows of an in-memory block. A batch that
// every row of which matches (all predicates decided by zone maps) says so,
// so that aggregates may use the granule's statistics instead of decoding.
//
// Used by one thread; the TableSource must outlive the scan.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "common/base/status.h"
#include "common/query/bound_query.h"
#include "common/query/column_slice.h"
#include "common/query/expression_evaluator.h"
#include "common/query/query_engine.h"
#include "common/query/zone_map.h"

namespace backtrace::query {

class BlockReader;

// What the scan did (EXPLAIN prints them all; QueryStatistics takes some).
struct ScanCounters {
  uint64_t blocks_total = 0;            // persisted and in-memory
  uint64_t blocks_outside_range = 0;    // not returned by the time range scan
  uint64_t blocks_pruned_by_stats = 0;  // skipped by their per-column min/max
  uint64_t blocks_scanned = 0;
  uint64_t in_memory_blocks = 0;
  uint64_t in_memory_rows = 0;
  uint64_t granules_total = 0;
  uint64_t granules_skipped = 0;
  uint64_t granules_fully_matching = 0;  // every row matches by zone maps alone
  uint64_t rows_scanned = 0;
};

class ScanBatch {
 public:
  size_t rows() const { return rows_; }
  const Selection& selection() const { return selection_; }
  Selection& mutable_selection() { return selection_; }
  bool fully_matching() const { return fully_matching_; }
  bool in_memory() const { return block_ == nullptr; }

  // The zone map of `column` for this batch; nullptr for in-memory rows.
  // Opens the column file (its index) if needed, decodes nothing.
  [[nodiscard]] Result<const column::GranuleInfo*> Granule(size_t column);
  // Every row of the batch for `column`, decoded on first use.
  [[nodiscard]] Result<ColumnSlice> Column(size_t column);

  // Dictionary codes of a string column for every row of the batch, with
  // the file's dictionary and a number identifying the file within the
  // query. nullopt when the column has no dictionary here.
  struct Codes {
    const uint32_t* codes = nullptr;
    const StringValues* dictionary = nullptr;
    uint64_t file_serial = 0;
  };
  [[nodiscard]] Result<std::optional<Codes>> DictionaryCodes(size_t column);

 private:
  friend class TableScan;
  BlockReader* block_ = nullptr;  // persisted block, or nullptr
  size_t granule_ = 0;
  const hot::HotBlockView* view_ = nullptr;  // in-memory block
  uint64_t first_row_ = 0;
  size_t rows_ = 0;
  bool fully_matching_ = false;
  Selection selection_;
};

class BatchConsumer {
 public:
  virtual ~BatchConsumer() = default;
  // Receives a batch with at least one selected row. Setting *stop ends the
  // scan early (LIMIT reached).
  [[nodiscard]] virtual Status Consume(ScanBatch& batch, bool* stop) = 0;
};

class TableScan {
 public:
  TableScan(const QueryPlan& plan, TableSource& source,
            std::chrono::steady_clock::time_point start,
            std::chrono::steady_clock::time_point deadline);
  ~TableScan();

  // Scans the table, handing batches to `consumer`. With consumer ==
  // nullptr only the pruning runs (for EXPLAIN): zone maps are read, no
  // granule is decoded. Errors: the TableSource's, kCorruption for column
  // files that do not match the schema or each other, kAborted when the
  // deadline passes (checked between granules), and the consumer's.
  [[nodiscard]] Status Run(BatchConsumer* consumer);

  const ScanCounters& counters() const { return counters_; }

 private:
  Status CheckDeadline() const;
  Status ScanBlock(const BlockMeta& block, BatchConsumer* consumer, bool* stop);
  Status ScanInMemory(const hot::HotBlockView& view, BatchConsumer* consumer, bool* stop);
  // Applies predicate `index` to the batch's selection.
  Status ApplyPredicate(size_t index, ScanBatch* batch);

  const QueryPlan& plan_;
  TableSource& source_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point deadline_;
  ScanCounters counters_;
  uint64_t next_file_serial_ = 1;
  // Per predicate: which dictionary entries match, for the file last seen.
  struct DictionaryMatches {
    uint64_t file_serial = 0;
    std::vector<uint8_t> matches;
  };
  std::vector<DictionaryMatches> dictionary_matches_;
  ExpressionEvaluator evaluator_;
  std::vector<GatherBuffer> gather_buffers_;
};

}  // namespace backtrace::query
