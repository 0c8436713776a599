// Catalog: reads. Each call reads through its own iterators; the MVCC filter
// (committed <= S < retired) keeps an as-of read exact even when writes land
// between its steps.
#include <algorithm>

#include <rocksdb/db.h>

#include "common/catalog/catalog.h"
#include "common/catalog/rocksdb_status.h"

namespace backtrace {
namespace {

namespace format = catalog_format;
namespace record = catalog_record;

bool StartsWith(const rocksdb::Slice& key, const std::string& prefix) {
  return key.starts_with(rocksdb::Slice(prefix));
}

void SortBlocks(std::vector<BlockMeta>* blocks) {
  std::sort(blocks->begin(), blocks->end(), [](const BlockMeta& a, const BlockMeta& b) {
    if (a.min_time != b.min_time) return a.min_time < b.min_time;
    return a.block_id < b.block_id;
  });
}

// Saturating time + width, for the listing bound.
int64_t AddSaturating(int64_t time, uint64_t width) {
  uint64_t room = static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(time);
  if (width >= room) return INT64_MAX;
  return static_cast<int64_t>(static_cast<uint64_t>(time) + width);
}

}  // namespace

Status Catalog::CheckReadableAt(uint64_t as_of_sequence) const {
  ASSIGN_OR_RETURN(uint64_t current, CurrentSequence());
  if (as_of_sequence > current) {
    return Status::FailedPrecondition(Context("") + " is at sequence " + std::to_string(current) +
                                      "; reading as of " + std::to_string(as_of_sequence) +
                                      " needs CatchUp first");
  }
  return Status::Ok();
}

Result<uint64_t> Catalog::GetWalCheckpoint() const {
  ASSIGN_OR_RETURN(std::optional<std::string> value, Get(record::WalCheckpointKey(), "WAL checkpoint"));
  if (!value) return Status::Corruption(Context("the WAL checkpoint key is missing"));
  Result<uint64_t> checkpoint = record::DecodeFixed64Value(*value, "WAL checkpoint");
  if (!checkpoint.ok()) return WithPath("", checkpoint.status());
  return checkpoint;
}

Result<std::map<uint64_t, uint64_t>> Catalog::GetProducerMarks() const {
  std::map<uint64_t, uint64_t> marks;
  const std::string prefix(1, format::kProducerPrefix);
  std::unique_ptr<rocksdb::Iterator> iterator(db_->NewIterator(rocksdb::ReadOptions()));
  for (iterator->Seek(prefix); iterator->Valid() && StartsWith(iterator->key(), prefix);
       iterator->Next()) {
    uint64_t producer_id = 0;
    if (!record::ParseProducerKey(iterator->key().ToStringView(), &producer_id)) {
      return Status::Corruption(Context("a producer key has " +
                                        std::to_string(iterator->key().size()) + " bytes"));
    }
    Result<uint64_t> mark = record::DecodeFixed64Value(iterator->value().ToStringView(),
                                                       "producer " + std::to_string(producer_id));
    if (!mark.ok()) return WithPath("", mark.status());
    marks[producer_id] = *mark;
  }
  RETURN_IF_ERROR(FromRocksDBStatus(iterator->status(), Context("listing producer marks")));
  return marks;
}

Result<TableInfo> Catalog::GetTableById(uint64_t table_id) const {
  const std::string what = "table " + std::to_string(table_id);
  ASSIGN_OR_RETURN(std::optional<std::string> value, Get(record::TableKey(table_id), what));
  if (!value) return Status::NotFound(Context("") + " has no " + what);
  Result<TableInfo> table = record::DecodeTableEntry(*value);
  if (!table.ok()) return WithPath("entry of " + what, table.status());
  if (table->table_id != table_id) {
    return Status::Corruption(Context("entry of " + what) + " holds table id " +
                              std::to_string(table->table_id));
  }
  return table;
}

Result<TableInfo> Catalog::GetTable(std::string_view name) const {
  const std::string what = "table '" + std::string(name) + "'";
  ASSIGN_OR_RETURN(std::optional<std::string> value, Get(record::TableNameKey(name), what));
  if (!value) return Status::NotFound(Context("") + " has no " + what);
  Result<uint64_t> table_id = record::DecodeFixed64Value(*value, "name key of " + what);
  if (!table_id.ok()) return WithPath("", table_id.status());
  return GetTableById(*table_id);
}

Result<std::vector<TableInfo>> Catalog::ListTables() const {
  std::vector<uint64_t> table_ids;
  const std::string prefix(1, format::kTableNamePrefix);
  std::unique_ptr<rocksdb::Iterator> iterator(db_->NewIterator(rocksdb::ReadOptions()));
  for (iterator->Seek(prefix); iterator->Valid() && StartsWith(iterator->key(), prefix);
       iterator->Next()) {
    Result<uint64_t> table_id = record::DecodeFixed64Value(
        iterator->value().ToStringView(), "name key of table '" + iterator->key().ToString().substr(1) + "'");
    if (!table_id.ok()) return WithPath("", table_id.status());
    table_ids.push_back(*table_id);
  }
  RETURN_IF_ERROR(FromRocksDBStatus(iterator->status(), Context("listing tables")));
  std::vector<TableInfo> tables;
  for (uint64_t table_id : table_ids) {
    ASSIGN_OR_RETURN(TableInfo table, GetTableById(table_id));
    tables.push_back(std::move(table));
  }
  return tables;
}

Result<BlockMeta> Catalog::DecodeBlockAt(const rocksdb::Iterator& iterator) const {
  BlockKeyParts parts;
  if (!record::ParseBlockKey(iterator.key().ToStringView(), &parts)) {
    return Status::Corruption(Context("") + " has a malformed block key of " +
                              std::to_string(iterator.key().size()) + " bytes");
  }
  const std::string what = "entry of block " + std::to_string(parts.block_id) + " (table " +
                           std::to_string(parts.table_id) + ")";
  Result<BlockMeta> block = DecodeBlockMeta(iterator.value().ToStringView());
  if (!block.ok()) return WithPath(what, block.status());
  if (block->table_id != parts.table_id || block->block_id != parts.block_id ||
      block->max_time != parts.max_time ||
      SpanClass(block->min_time, block->max_time) != parts.span_class) {
    return Status::Corruption(Context(what) + ": the value does not match its key");
  }
  return block;
}

Result<BlockMeta> Catalog::GetBlock(uint64_t block_id) const {
  const std::string what = "block " + std::to_string(block_id);
  ASSIGN_OR_RETURN(std::optional<std::string> location_value,
                   Get(record::BlockLocatorKey(block_id), "locator of " + what));
  if (!location_value) return Status::NotFound(Context("") + " has no " + what);
  Result<BlockLocation> location = record::DecodeBlockLocation(*location_value);
  if (!location.ok()) return WithPath("locator of " + what, location.status());
  std::unique_ptr<rocksdb::Iterator> iterator(db_->NewIterator(rocksdb::ReadOptions()));
  const std::string key = record::BlockKey(
      {location->table_id, location->span_class, location->max_time, block_id});
  iterator->Seek(key);
  RETURN_IF_ERROR(FromRocksDBStatus(iterator->status(), Context("reading " + what)));
  if (!iterator->Valid() || iterator->key() != rocksdb::Slice(key)) {
    return Status::Corruption(Context("") + ": the locator of " + what +
                              " points to a missing block entry");
  }
  return DecodeBlockAt(*iterator);
}

Status Catalog::AddVisibleBlocks(const std::string& start, const std::string& end,
                                 int64_t stop_after_max_time, int64_t min_time, int64_t max_time,
                                 uint64_t as_of_sequence, std::vector<BlockMeta>* blocks) const {
  rocksdb::Slice upper_bound(end);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> iterator(db_->NewIterator(read_options));
  block_seeks_.fetch_add(1, std::memory_order_relaxed);
  for (iterator->Seek(start); iterator->Valid(); iterator->Next()) {
    block_keys_visited_.fetch_add(1, std::memory_order_relaxed);
    BlockKeyParts parts;
    if (record::ParseBlockKey(iterator->key().ToStringView(), &parts) &&
        parts.max_time > stop_after_max_time) {
      break;
    }
    ASSIGN_OR_RETURN(BlockMeta block, DecodeBlockAt(*iterator));
    if (block.VisibleAt(as_of_sequence) && block.max_time >= min_time &&
        block.min_time <= max_time) {
      blocks->push_back(std::move(block));
    }
  }
  return FromRocksDBStatus(iterator->status(), Context("listing blocks"));
}

Result<std::vector<BlockMeta>> Catalog::ListBlocks(uint64_t table_id, int64_t min_time,
                                                   int64_t max_time,
                                                   uint64_t as_of_sequence) const {
  if (min_time > max_time) {
    return Status::InvalidArgument(Context("listing blocks") + ": min_time " +
                                   std::to_string(min_time) + " > max_time " +
                                   std::to_string(max_time));
  }
  RETURN_IF_ERROR(CheckReadableAt(as_of_sequence));
  ASSIGN_OR_RETURN(TableInfo table, GetTableById(table_id));
  std::vector<BlockMeta> blocks;
  for (int span_class = 0; span_class < format::kSpanClassCount; ++span_class) {
    if ((table.span_class_mask & (uint64_t{1} << span_class)) == 0) continue;
    // A block of this class spans at most 2^class - 1, so one that reaches
    // back to max_time ends no later than max_time + 2^class - 1. Class 63
    // is unbounded.
    int64_t stop_after = span_class == format::kSpanClassCount - 1
                             ? INT64_MAX
                             : AddSaturating(max_time, (uint64_t{1} << span_class) - 1);
    const std::string prefix = record::BlockClassPrefix(table_id, span_class);
    const std::string start = record::BlockKey({table_id, span_class, min_time, 0});
    RETURN_IF_ERROR(AddVisibleBlocks(start, record::PrefixEnd(prefix), stop_after, min_time,
                                     max_time, as_of_sequence, &blocks));
  }
  SortBlocks(&blocks);
  return blocks;
}

Result<std::vector<BlockMeta>> Catalog::AllBlocks(uint64_t table_id, uint64_t as_of_sequence) const {
  RETURN_IF_ERROR(CheckReadableAt(as_of_sequence));
  ASSIGN_OR_RETURN(TableInfo table, GetTableById(table_id));
  const std::string prefix = record::BlockTablePrefix(table.table_id);
  std::vector<BlockMeta> blocks;
  RETURN_IF_ERROR(AddVisibleBlocks(prefix, record::PrefixEnd(prefix), INT64_MAX, INT64_MIN,
                                   INT64_MAX, as_of_sequence, &blocks));
  SortBlocks(&blocks);
  return blocks;
}

Result<std::vector<BlockMeta>> Catalog::ListRetiredBlocks(uint64_t up_to_sequence) const {
  std::vector<uint64_t> block_ids;
  const std::string prefix(1, format::kRetiredPrefix);
  std::unique_ptr<rocksdb::Iterator> iterator(db_->NewIterator(rocksdb::ReadOptions()));
  for (iterator->Seek(prefix); iterator->Valid() && StartsWith(iterator->key(), prefix);
       iterator->Next()) {
    uint64_t retired_sequence = 0, block_id = 0;
    if (!record::ParseRetiredKey(iterator->key().ToStringView(), &retired_sequence, &block_id)) {
      return Status::Corruption(Context("") + " has a malformed retired key of " +
                                std::to_string(iterator->key().size()) + " bytes");
    }
    if (retired_sequence > up_to_sequence) break;
    block_ids.push_back(block_id);
  }
  RETURN_IF_ERROR(FromRocksDBStatus(iterator->status(), Context("listing retired blocks")));
  std::vector<BlockMeta> blocks;
  for (uint64_t block_id : block_ids) {
    ASSIGN_OR_RETURN(BlockMeta block, GetBlock(block_id));
    if (block.IsLive()) {
      return Status::Corruption(Context("") + ": block " + std::to_string(block_id) +
                                " has a retired key but is live");
    }
    blocks.push_back(std::move(block));
  }
  return blocks;
}

}  // namespace backtrace
