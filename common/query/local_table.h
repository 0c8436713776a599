// LocalTable and LocalCatalogue: a TableSource and a Catalogue over column
// files in a plain directory, with block metadata kept in memory instead of
// the RocksDB catalog. They let the engine run without a daemon: tests,
// benchmarks and tools build tables with them.
//
// A persisted block is written the way the compactor writes one: rows
// sorted by the schema's sort key, one column file per column under
// <directory>/<block id>/<column>.col, and a BlockMeta with the per-column
// min/max of the files' summaries. In-memory blocks are real hot blocks
// (memfd) read through HotBlockView.
//
// Building (Add*) and querying must not overlap; queries may run from one
// thread at a time. The catalogue shares its tables with the TableSource
// objects it hands out.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/column/column_file.h"
#include "common/hot/hot_block.h"
#include "common/query/query_engine.h"

namespace backtrace::query {

class LocalTable : public TableSource {
 public:
  // `schema` must validate; `directory` is created if missing.
  static Result<std::shared_ptr<LocalTable>> Create(std::string directory, TableSchema schema);

  // Sorts `columns` (one per schema column, in schema order, of equal
  // length, at least one row) by the sort key and writes them as a new
  // persisted block. Errors: kInvalidArgument for columns that do not
  // match the schema, the column writer's and the file layer's errors.
  [[nodiscard]] Status AddBlock(std::vector<ColumnVector> columns,
                                const column::ColumnFileOptions& options = {});
  // Adds the rows as an in-memory (hot) block, unsorted.
  [[nodiscard]] Status AddInMemoryBlock(const std::vector<ColumnVector>& columns);

  const std::vector<BlockMeta>& blocks() const { return blocks_; }
  // Calls of ListBlocks so far.
  uint64_t list_calls() const { return list_calls_; }

  // TableSource
  const TableSchema& schema() const override { return schema_; }
  Result<std::vector<BlockMeta>> ListBlocks(int64_t min_time, int64_t max_time,
                                            uint64_t* blocks_total) override;
  Result<std::unique_ptr<column::ColumnFileReader>> OpenColumn(const BlockMeta& block,
                                                               size_t column_index) override;
  std::vector<const hot::HotBlockView*> InMemoryBlocks() override;

 private:
  LocalTable(std::string directory, TableSchema schema);
  Status CheckColumns(const std::vector<ColumnVector>& columns) const;
  std::string ColumnPath(uint64_t block_id, size_t column) const;

  std::string directory_;
  TableSchema schema_;
  std::vector<BlockMeta> blocks_;
  uint64_t next_block_id_ = 1;
  uint64_t list_calls_ = 0;
  std::vector<std::unique_ptr<hot::HotBlock>> hot_blocks_;
  std::vector<std::unique_ptr<hot::HotBlockView>> hot_views_;
};

class LocalCatalogue : public Catalogue {
 public:
  void Add(std::shared_ptr<LocalTable> table);
  // kNotFound "table 'x' does not exist" for an unknown name (exact match).
  Result<std::unique_ptr<TableSource>> OpenTable(std::string_view name) override;

 private:
  std::map<std::string, std::shared_ptr<LocalTable>, std::less<>> tables_;
};

}  // namespace backtrace::query
