// The in-process query engine: parses, binds, plans and runs one SQL
// statement (docs/query_language.md) against a table provided by the caller,
// and streams the result to a ResultSink in columnar batches.
//
// The caller (a query worker, or a test) implements Catalogue and
// TableSource over its storage: the catalog's block listing, the column
// files of a data directory and read-only views of in-memory blocks. The
// engine reads only the columns a query names, prunes blocks by their
// per-column min/max, granules by the zone maps of the column files and rows
// with vectorised filter kernels.
//
// Ownership: ExecuteQuery borrows the catalogue and the sink for the length
// of the call; the TableSource it opens lives for the call only. Nothing is
// kept between calls.
//
// Threads: ExecuteQuery runs on the calling thread; concurrent calls are
// independent as long as their Catalogue, TableSource and ResultSink objects
// are distinct (or thread-safe).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/catalog/block_meta.h"
#include "common/column/column_file_reader.h"
#include "common/hot/hot_block_view.h"
#include "common/schema/column_type.h"
#include "common/schema/column_vector.h"
#include "common/schema/table_schema.h"

namespace backtrace::query {

struct QueryLimits {
  // Group-by state, sort buffers and other per-query state count against
  // this; exceeding it fails the query with kResourceExhausted.
  uint64_t memory_bytes = 1ull << 30;
  // Checked between granules; passing it fails the query with kAborted.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Most rows per ResultSink::Write batch (at least 1).
  size_t batch_rows = 8192;
};

// The figures reported by the End message (see common/wire/query.fbs).
struct QueryStatistics {
  uint64_t rows_returned = 0;
  // Rows of the granules the query processed (decoded, or answered from the
  // granule's statistics), in-memory rows included.
  uint64_t rows_scanned = 0;
  // Blocks of the table (persisted and in-memory), those skipped by the
  // catalog's time range scan or by their per-column min/max, and those read.
  uint64_t blocks_total = 0;
  uint64_t blocks_pruned = 0;
  uint64_t blocks_scanned = 0;
  // Granules of the blocks read (in-memory blocks count one per 8192 rows)
  // and those of them skipped by their zone maps.
  uint64_t granules_total = 0;
  uint64_t granules_skipped = 0;
  uint64_t elapsed_nanos = 0;
};

// One table as the engine reads it. Implemented by the caller.
class TableSource {
 public:
  virtual ~TableSource() = default;
  virtual const TableSchema& schema() const = 0;
  // Persisted blocks whose time range intersects [min_time, max_time]
  // (inclusive), from the catalog's range scan; *blocks_total receives the
  // number of all persisted blocks of the table.
  virtual Result<std::vector<BlockMeta>> ListBlocks(int64_t min_time, int64_t max_time,
                                                    uint64_t* blocks_total) = 0;
  // The column file of schema column `column_index` of `block`.
  virtual Result<std::unique_ptr<column::ColumnFileReader>> OpenColumn(const BlockMeta& block,
                                                                       size_t column_index) = 0;
  // Rows not yet persisted (hot and frozen blocks), each with the visible
  // row count already applied; columns in schema order. The views stay
  // valid while the TableSource lives.
  virtual std::vector<const hot::HotBlockView*> InMemoryBlocks() = 0;
};

class Catalogue {
 public:
  virtual ~Catalogue() = default;
  // kNotFound naming the table when there is none of that name.
  virtual Result<std::unique_ptr<TableSource>> OpenTable(std::string_view name) = 0;
};

struct ResultColumn {
  std::string name;
  ColumnType type = ColumnType::kInt64;
};

// Receives a result: Begin once, then Write zero or more times with one
// ColumnVector per result column (types as announced, equal lengths, at
// most QueryLimits::batch_rows rows). An error from the sink ends the query
// with that error.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual Status Begin(const std::vector<ResultColumn>& columns) = 0;
  virtual Status Write(const std::vector<ColumnVector>& batch) = 0;
};

// Parses, plans and runs `sql` (a SELECT or EXPLAIN). EXPLAIN returns its
// text as a one-column string result named "plan", one row per line.
// Errors are values: kInvalidArgument for a syntax error (with its 1-based
// column) or a query that does not fit the table (naming the column or the
// literal), kNotFound for an unknown table or column, kResourceExhausted
// when QueryLimits::memory_bytes is exceeded, kAborted when the deadline
// passes, and whatever the TableSource or the sink report (kCorruption for a
// damaged column file, ...). After an error the sink may have received part
// of the result.
[[nodiscard]] Result<QueryStatistics> ExecuteQuery(std::string_view sql, Catalogue& catalogue,
                                                   ResultSink& sink, const QueryLimits& limits);

}  // namespace backtrace::query
