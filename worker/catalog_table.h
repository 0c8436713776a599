// CatalogTable and AssignedCatalogue: the query engine's view of one table
// in a query worker, for one query. Persisted blocks come from the catalog
// (a RocksDB secondary, caught up to the assignment's sequence) as of
// exactly that sequence, so blocks committed after the daemon's snapshot
// stay invisible and their rows are counted once, through the in-memory
// blocks the daemon handed over. Column files are mapped from
// <data_dir>/tables/<table id>/<block id>/<column name>.col, as the
// compactor writes them.
//
// Ownership: borrows the catalog and the views, which outlive the query.
// One thread (the worker's).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/catalog/catalog.h"
#include "common/query/query_engine.h"

namespace backtrace::worker {

class CatalogTable : public query::TableSource {
 public:
  CatalogTable(const Catalog* catalog, std::string data_dir, TableInfo table,
               uint64_t catalog_sequence, std::vector<const hot::HotBlockView*> in_memory)
      : catalog_(catalog), data_dir_(std::move(data_dir)), table_(std::move(table)),
        catalog_sequence_(catalog_sequence), in_memory_(std::move(in_memory)) {}

  const TableSchema& schema() const override { return table_.schema; }
  Result<std::vector<BlockMeta>> ListBlocks(int64_t min_time, int64_t max_time,
                                            uint64_t* blocks_total) override;
  // Errors name the block and the table (kCorruption for a damaged file).
  Result<std::unique_ptr<column::ColumnFileReader>> OpenColumn(const BlockMeta& block,
                                                               size_t column_index) override;
  std::vector<const hot::HotBlockView*> InMemoryBlocks() override { return in_memory_; }

 private:
  const Catalog* catalog_;
  std::string data_dir_;
  TableInfo table_;
  uint64_t catalog_sequence_;
  std::vector<const hot::HotBlockView*> in_memory_;
};

// The one table of an assignment, under its name; any other name is
// kNotFound.
class AssignedCatalogue : public query::Catalogue {
 public:
  AssignedCatalogue(const Catalog* catalog, std::string data_dir, TableInfo table,
                    uint64_t catalog_sequence, std::vector<const hot::HotBlockView*> in_memory)
      : catalog_(catalog), data_dir_(std::move(data_dir)), table_(std::move(table)),
        catalog_sequence_(catalog_sequence), in_memory_(std::move(in_memory)) {}

  Result<std::unique_ptr<query::TableSource>> OpenTable(std::string_view name) override;

 private:
  const Catalog* catalog_;
  std::string data_dir_;
  TableInfo table_;
  uint64_t catalog_sequence_;
  std::vector<const hot::HotBlockView*> in_memory_;
};

}  // namespace backtrace::worker
