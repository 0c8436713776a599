#include "worker/catalog_table.h"

#include <climits>

#include "common/base/file.h"
#include "worker/query_test_delay.h"

namespace backtrace::worker {

Result<std::vector<BlockMeta>> CatalogTable::ListBlocks(int64_t min_time, int64_t max_time,
                                                        uint64_t* blocks_total) {
  DelayQueryForTest(table_.schema.name);
  ASSIGN_OR_RETURN(std::vector<BlockMeta> blocks,
                   catalog_->ListBlocks(table_.table_id, min_time, max_time, catalog_sequence_));
  if (min_time == INT64_MIN && max_time == INT64_MAX) {
    *blocks_total = blocks.size();
  } else {
    ASSIGN_OR_RETURN(std::vector<BlockMeta> all,
                     catalog_->AllBlocks(table_.table_id, catalog_sequence_));
    *blocks_total = all.size();
  }
  return blocks;
}

Result<std::unique_ptr<column::ColumnFileReader>> CatalogTable::OpenColumn(const BlockMeta& block,
                                                                           size_t column_index) {
  if (column_index >= table_.schema.columns.size()) {
    return Status::InvalidArgument("column index " + std::to_string(column_index) +
                                   " out of range for table " + table_.schema.name);
  }
  std::string path = io::JoinPath(
      io::JoinPath(io::JoinPath(io::JoinPath(data_dir_, "tables"), std::to_string(table_.table_id)),
                   std::to_string(block.block_id)),
      table_.schema.columns[column_index].name + ".col");
  auto reader = column::ColumnFileReader::Open(path);
  if (!reader.ok()) {
    return Status(reader.status().code(), "block " + std::to_string(block.block_id) +
                                              " of table " + table_.schema.name + ": " +
                                              reader.status().message());
  }
  return reader;
}

Result<std::unique_ptr<query::TableSource>> AssignedCatalogue::OpenTable(std::string_view name) {
  if (name != table_.schema.name) {
    return Status::NotFound("table '" + std::string(name) + "' does not exist");
  }
  return std::unique_ptr<query::TableSource>(std::make_unique<CatalogTable>(
      catalog_, data_dir_, table_, catalog_sequence_, in_memory_));
}

}  // namespace backtrace::worker
