#include "common/query/local_table.h"

#include <algorithm>
#include <limits>

#include "common/base/file.h"
#include "common/column/column_file_writer.h"
#include "common/query/row_sorter.h"

namespace backtrace::query {
namespace {

// Forwards to a shared LocalTable, so that OpenTable can hand out owners.
class TableHandle final : public TableSource {
 public:
  explicit TableHandle(std::shared_ptr<LocalTable> table) : table_(std::move(table)) {}
  const TableSchema& schema() const override { return table_->schema(); }
  Result<std::vector<BlockMeta>> ListBlocks(int64_t min_time, int64_t max_time,
                                            uint64_t* blocks_total) override {
    return table_->ListBlocks(min_time, max_time, blocks_total);
  }
  Result<std::unique_ptr<column::ColumnFileReader>> OpenColumn(const BlockMeta& block,
                                                               size_t column_index) override {
    return table_->OpenColumn(block, column_index);
  }
  std::vector<const hot::HotBlockView*> InMemoryBlocks() override {
    return table_->InMemoryBlocks();
  }

 private:
  std::shared_ptr<LocalTable> table_;
};

}  // namespace

LocalTable::LocalTable(std::string directory, TableSchema schema)
    : directory_(std::move(directory)), schema_(std::move(schema)) {}

Result<std::shared_ptr<LocalTable>> LocalTable::Create(std::string directory, TableSchema schema) {
  RETURN_IF_ERROR(schema.Validate());
  RETURN_IF_ERROR(io::CreateDirectories(directory));
  return std::shared_ptr<LocalTable>(new LocalTable(std::move(directory), std::move(schema)));
}

Status LocalTable::CheckColumns(const std::vector<ColumnVector>& columns) const {
  if (columns.size() != schema_.columns.size()) {
    return Status::InvalidArgument("table " + schema_.name + " has " +
                                   std::to_string(schema_.columns.size()) + " columns, not " +
                                   std::to_string(columns.size()));
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].type() != schema_.columns[i].type) {
      return Status::InvalidArgument("column " + schema_.columns[i].name + " has the wrong type");
    }
    if (columns[i].size() != columns[0].size()) {
      return Status::InvalidArgument("columns have different lengths");
    }
  }
  if (columns[0].size() == 0) return Status::InvalidArgument("a block needs at least one row");
  return Status::Ok();
}

std::string LocalTable::ColumnPath(uint64_t block_id, size_t column) const {
  return io::JoinPath(io::JoinPath(directory_, std::to_string(block_id)),
                      schema_.columns[column].name + ".col");
}

Status LocalTable::AddBlock(std::vector<ColumnVector> columns,
                            const column::ColumnFileOptions& options) {
  RETURN_IF_ERROR(CheckColumns(columns));
  std::vector<SortKey> keys;
  for (const auto& name : schema_.SortKeyColumns()) keys.push_back(SortKey{*schema_.ColumnIndex(name), false});
  std::vector<const ColumnVector*> pointers;
  for (const auto& column : columns) pointers.push_back(&column);
  const size_t rows = columns[0].size();
  PermuteColumns(SortRows(pointers, keys, rows, rows), &columns);

  BlockMeta meta;
  meta.table_id = 1;
  meta.block_id = next_block_id_++;
  meta.row_count = rows;
  RETURN_IF_ERROR(io::CreateDirectories(io::JoinPath(directory_, std::to_string(meta.block_id))));
  const size_t time_column = *schema_.ColumnIndex(schema_.time_column);
  for (size_t column = 0; column < columns.size(); ++column) {
    ASSIGN_OR_RETURN(column::ColumnFileSummary summary,
                     column::WriteColumnFile(ColumnPath(meta.block_id, column), columns[column], options));
    ColumnStats stats;
    stats.column_index = static_cast<uint32_t>(column);
    stats.has_nan = summary.has_nan;
    stats.file_bytes = summary.file_bytes;
    stats.raw_bytes = summary.raw_bytes;
    if (summary.min && summary.max) {
      stats.min = *summary.min;
      stats.max = *summary.max;
    } else {
      stats.min = std::numeric_limits<double>::quiet_NaN();
      stats.max = std::numeric_limits<double>::quiet_NaN();
    }
    if (column == time_column) {
      meta.min_time = std::get<int64_t>(stats.min);
      meta.max_time = std::get<int64_t>(stats.max);
    }
    meta.columns.push_back(std::move(stats));
  }
  blocks_.push_back(std::move(meta));
  return Status::Ok();
}

Status LocalTable::AddInMemoryBlock(const std::vector<ColumnVector>& columns) {
  RETURN_IF_ERROR(CheckColumns(columns));
  const uint64_t rows = columns[0].size();
  std::vector<ColumnType> types;
  uint64_t string_bytes = 0;
  for (const auto& column : columns) {
    types.push_back(column.type());
    if (column.type() == ColumnType::kString) {
      string_bytes = std::max<uint64_t>(string_bytes, column.strings().bytes.size());
    }
  }
  ASSIGN_OR_RETURN(auto block, hot::HotBlock::Create(1, hot_blocks_.size() + 1, types, rows,
                                                     std::max<uint64_t>(string_bytes, 1)));
  for (size_t column = 0; column < columns.size(); ++column) {
    const ColumnVector& values = columns[column];
    switch (values.type()) {
      case ColumnType::kInt64:
      case ColumnType::kTimestamp:
        block->AppendFixed(column, values.int64s().data(), rows);
        break;
      case ColumnType::kUInt64:
        block->AppendFixed(column, values.uint64s().data(), rows);
        break;
      case ColumnType::kFloat64:
        block->AppendFixed(column, values.float64s().data(), rows);
        break;
      case ColumnType::kString:
        block->AppendStrings(column, values.strings().offsets.data(),
                             reinterpret_cast<const uint8_t*>(values.strings().bytes.data()), rows);
        break;
    }
  }
  block->CommitRows(rows);
  ASSIGN_OR_RETURN(auto view, hot::HotBlockView::Map(block->descriptor(), block->row_count()));
  hot_blocks_.push_back(std::move(block));
  hot_views_.push_back(std::move(view));
  return Status::Ok();
}

Result<std::vector<BlockMeta>> LocalTable::ListBlocks(int64_t min_time, int64_t max_time,
                                                      uint64_t* blocks_total) {
  ++list_calls_;
  *blocks_total = blocks_.size();
  std::vector<BlockMeta> result;
  for (const auto& block : blocks_) {
    if (block.max_time >= min_time && block.min_time <= max_time) result.push_back(block);
  }
  std::sort(result.begin(), result.end(), [](const BlockMeta& a, const BlockMeta& b) {
    return a.min_time != b.min_time ? a.min_time < b.min_time : a.block_id < b.block_id;
  });
  return result;
}

Result<std::unique_ptr<column::ColumnFileReader>> LocalTable::OpenColumn(const BlockMeta& block,
                                                                         size_t column_index) {
  if (column_index >= schema_.columns.size()) {
    return Status::InvalidArgument("column index " + std::to_string(column_index) + " out of range");
  }
  return column::ColumnFileReader::Open(ColumnPath(block.block_id, column_index));
}

std::vector<const hot::HotBlockView*> LocalTable::InMemoryBlocks() {
  std::vector<const hot::HotBlockView*> views;
  for (const auto& view : hot_views_) views.push_back(view.get());
  return views;
}

void LocalCatalogue::Add(std::shared_ptr<LocalTable> table) {
  std::string name = table->schema().name;
  tables_[name] = std::move(table);
}

Result<std::unique_ptr<TableSource>> LocalCatalogue::OpenTable(std::string_view name) {
  auto found = tables_.find(name);
  if (found == tables_.end()) {
    return Status::NotFound("table '" + std::string(name) + "' does not exist");
  }
  return std::unique_ptr<TableSource>(std::make_unique<TableHandle>(found->second));
}

}  // namespace backtrace::query
