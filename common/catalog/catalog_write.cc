// Catalog: writes. Each public write builds one WriteTransaction — a RocksDB
// WriteBatch plus the next state — and commits it with one synced Write, so
// a write is wholly applied or not at all.
#include <algorithm>
#include <set>
#include <unordered_set>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "common/catalog/catalog.h"
#include "common/catalog/rocksdb_status.h"

namespace backtrace {
namespace {

namespace format = catalog_format;
namespace record = catalog_record;

Status CheckUnique(const std::vector<uint64_t>& block_ids, std::string_view operation) {
  if (block_ids.empty()) return Status::InvalidArgument(std::string(operation) + ": no block ids");
  std::unordered_set<uint64_t> seen;
  for (uint64_t block_id : block_ids) {
    if (!seen.insert(block_id).second) {
      return Status::InvalidArgument(std::string(operation) + ": block " +
                                     std::to_string(block_id) + " is listed twice");
    }
  }
  return Status::Ok();
}

}  // namespace

// The batch being built, the state it will install, and the table entries it
// changes (written once, at commit).
class Catalog::WriteTransaction {
 public:
  explicit WriteTransaction(Catalog* catalog) : catalog_(catalog), state_(catalog->state_) {
    ++state_.sequence;
  }

  uint64_t sequence() const { return state_.sequence; }
  CatalogState& state() { return state_; }
  rocksdb::WriteBatch& batch() { return batch_; }

  // The table entry as this batch will leave it; changes made through the
  // pointer are written at commit.
  Result<TableInfo*> Table(uint64_t table_id) {
    auto found = tables_.find(table_id);
    if (found != tables_.end()) return &found->second;
    ASSIGN_OR_RETURN(TableInfo table, catalog_->GetTableById(table_id));
    return &tables_.emplace(table_id, std::move(table)).first->second;
  }

  // Remembers a block id added by this batch (a second add is an error).
  bool AddBlockId(uint64_t block_id) { return added_block_ids_.insert(block_id).second; }

  Status Commit(std::string_view operation) {
    for (const auto& [table_id, table] : tables_) {
      batch_.Put(record::TableKey(table_id), record::EncodeTableEntry(table));
    }
    batch_.Put(record::StateKey(), record::EncodeState(state_));
    rocksdb::WriteOptions write_options;
    write_options.sync = catalog_->options_.sync_writes;
    RETURN_IF_ERROR(FromRocksDBStatus(catalog_->db_->Write(write_options, &batch_),
                                      catalog_->Context(operation)));
    catalog_->state_ = state_;
    return Status::Ok();
  }

 private:
  Catalog* catalog_;
  CatalogState state_;
  rocksdb::WriteBatch batch_;
  std::map<uint64_t, TableInfo> tables_;
  std::set<uint64_t> added_block_ids_;
};

Result<TableInfo> Catalog::CreateTable(const TableSchema& schema) {
  RETURN_IF_ERROR(RequirePrimary("creating a table"));
  RETURN_IF_ERROR(schema.Validate());
  TableSchema normalized = schema.Normalized();
  const std::string name_key = record::TableNameKey(schema.name);
  ASSIGN_OR_RETURN(std::optional<std::string> existing_id, Get(name_key, "table '" + schema.name + "'"));
  if (existing_id) {
    ASSIGN_OR_RETURN(TableInfo existing, GetTable(schema.name));
    if (existing.schema == normalized) return existing;
    return Status::AlreadyExists(Context("") + ": table '" + schema.name +
                                 "' already exists with a different schema: " +
                                 existing.schema.DescribeDifference(normalized, "in the catalog",
                                                                    "in the request"));
  }
  WriteTransaction transaction(this);
  TableInfo table;
  table.table_id = transaction.state().next_table_id++;
  table.schema = std::move(normalized);
  table.created_sequence = transaction.sequence();
  transaction.batch().Put(record::TableKey(table.table_id), record::EncodeTableEntry(table));
  transaction.batch().Put(name_key, record::EncodeFixed64Value(table.table_id));
  RETURN_IF_ERROR(transaction.Commit("creating table '" + schema.name + "'"));
  return table;
}

Status Catalog::DropTable(std::string_view name) {
  RETURN_IF_ERROR(RequirePrimary("dropping a table"));
  ASSIGN_OR_RETURN(TableInfo current, GetTable(name));
  WriteTransaction transaction(this);
  ASSIGN_OR_RETURN(TableInfo * table, transaction.Table(current.table_id));
  table->dropped_sequence = transaction.sequence();
  transaction.batch().Delete(record::TableNameKey(name));
  std::vector<uint64_t> live_block_ids;
  const std::string prefix = record::BlockTablePrefix(current.table_id);
  const std::string end = record::PrefixEnd(prefix);
  rocksdb::Slice upper_bound(end);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> iterator(db_->NewIterator(read_options));
  for (iterator->Seek(prefix); iterator->Valid(); iterator->Next()) {
    ASSIGN_OR_RETURN(BlockMeta block, DecodeBlockAt(*iterator));
    if (block.IsLive()) live_block_ids.push_back(block.block_id);
  }
  RETURN_IF_ERROR(FromRocksDBStatus(iterator->status(), Context("listing blocks to drop")));
  if (!live_block_ids.empty()) {
    RETURN_IF_ERROR(Retire(&transaction, current.table_id, live_block_ids));
  }
  return transaction.Commit("dropping table '" + std::string(name) + "'");
}

Result<uint64_t> Catalog::AllocateBlockIds(uint64_t count) {
  RETURN_IF_ERROR(RequirePrimary("allocating block ids"));
  constexpr uint64_t kMaxCount = uint64_t{1} << 32;
  if (count == 0 || count > kMaxCount) {
    return Status::InvalidArgument(Context("allocating block ids") + ": count " +
                                   std::to_string(count) + " is not in [1, 2^32]");
  }
  WriteTransaction transaction(this);
  uint64_t first = transaction.state().next_block_id;
  transaction.state().next_block_id += count;
  RETURN_IF_ERROR(transaction.Commit("allocating block ids"));
  return first;
}

Status Catalog::AddBlock(WriteTransaction* transaction, const BlockMeta& block) {
  const std::string name = "block " + std::to_string(block.block_id);
  if (block.block_id == 0 || block.block_id >= transaction->state().next_block_id) {
    return Status::InvalidArgument(Context("committing " + name) +
                                   ": the id was not handed out by AllocateBlockIds");
  }
  ASSIGN_OR_RETURN(std::optional<std::string> existing,
                   Get(record::BlockLocatorKey(block.block_id), "locator of " + name));
  if (existing || !transaction->AddBlockId(block.block_id)) {
    return Status::AlreadyExists(Context("committing " + name) + ": it was already committed");
  }
  ASSIGN_OR_RETURN(TableInfo * table, transaction->Table(block.table_id));
  if (table->IsDropped()) {
    return Status::FailedPrecondition(Context("committing " + name) + ": table '" +
                                      table->schema.name + "' (id " +
                                      std::to_string(table->table_id) + ") is dropped");
  }
  RETURN_IF_ERROR(CheckBlockMeta(block, table->schema).WithContext(Context("")));
  BlockMeta stored = block;
  stored.committed_sequence = transaction->sequence();
  stored.retired_sequence = format::kLiveSequence;
  int span_class = SpanClass(block.min_time, block.max_time);
  transaction->batch().Put(
      record::BlockKey({block.table_id, span_class, block.max_time, block.block_id}),
      EncodeBlockMeta(stored));
  transaction->batch().Put(record::BlockLocatorKey(block.block_id),
                           record::EncodeBlockLocation({block.table_id, span_class, block.max_time}));
  table->span_class_mask |= uint64_t{1} << span_class;
  table->wal_watermark = std::max(table->wal_watermark, block.wal_last_lsn);
  return Status::Ok();
}

Status Catalog::CommitBlock(const BlockMeta& block, uint64_t wal_checkpoint,
                            const std::map<uint64_t, uint64_t>& producer_marks) {
  return CommitBlocks({block}, wal_checkpoint, producer_marks);
}

Status Catalog::CommitBlocks(const std::vector<BlockMeta>& blocks, uint64_t wal_checkpoint,
                             const std::map<uint64_t, uint64_t>& producer_marks) {
  RETURN_IF_ERROR(RequirePrimary("committing blocks"));
  ASSIGN_OR_RETURN(uint64_t stored_checkpoint, GetWalCheckpoint());
  if (wal_checkpoint < stored_checkpoint) {
    return Status::InvalidArgument(Context("committing blocks") + ": WAL checkpoint " +
                                   std::to_string(wal_checkpoint) + " is below the stored " +
                                   std::to_string(stored_checkpoint));
  }
  WriteTransaction transaction(this);
  for (const BlockMeta& block : blocks) RETURN_IF_ERROR(AddBlock(&transaction, block));
  transaction.batch().Put(record::WalCheckpointKey(), record::EncodeFixed64Value(wal_checkpoint));
  for (const auto& [producer_id, mark] : producer_marks) {
    const std::string key = record::ProducerKey(producer_id);
    ASSIGN_OR_RETURN(std::optional<std::string> stored, Get(key, "producer mark"));
    if (stored) {
      Result<uint64_t> stored_mark = record::DecodeFixed64Value(*stored, "producer mark");
      if (!stored_mark.ok()) return WithPath("", stored_mark.status());
      if (*stored_mark >= mark) continue;
    }
    transaction.batch().Put(key, record::EncodeFixed64Value(mark));
  }
  return transaction.Commit("committing blocks");
}

Status Catalog::Retire(WriteTransaction* transaction, uint64_t table_id,
                       const std::vector<uint64_t>& block_ids) {
  RETURN_IF_ERROR(CheckUnique(block_ids, Context("retiring blocks")));
  for (uint64_t block_id : block_ids) {
    ASSIGN_OR_RETURN(BlockMeta block, GetBlock(block_id));
    const std::string name = "block " + std::to_string(block_id);
    if (block.table_id != table_id) {
      return Status::InvalidArgument(Context("retiring blocks") + ": " + name +
                                     " belongs to table " + std::to_string(block.table_id) +
                                     ", not " + std::to_string(table_id));
    }
    if (!block.IsLive()) {
      return Status::FailedPrecondition(Context("retiring blocks") + ": " + name +
                                        " was already retired at sequence " +
                                        std::to_string(block.retired_sequence));
    }
    block.retired_sequence = transaction->sequence();
    int span_class = SpanClass(block.min_time, block.max_time);
    transaction->batch().Put(record::BlockKey({table_id, span_class, block.max_time, block_id}),
                             EncodeBlockMeta(block));
    transaction->batch().Put(record::RetiredKey(block.retired_sequence, block_id), "");
  }
  return Status::Ok();
}

Status Catalog::ReplaceBlocks(uint64_t table_id, const std::vector<uint64_t>& old_block_ids,
                              const BlockMeta& replacement) {
  RETURN_IF_ERROR(RequirePrimary("replacing blocks"));
  if (replacement.table_id != table_id) {
    return Status::InvalidArgument(Context("replacing blocks") + ": the replacement block " +
                                   std::to_string(replacement.block_id) + " is of table " +
                                   std::to_string(replacement.table_id) + ", not " +
                                   std::to_string(table_id));
  }
  WriteTransaction transaction(this);
  RETURN_IF_ERROR(Retire(&transaction, table_id, old_block_ids));
  RETURN_IF_ERROR(AddBlock(&transaction, replacement));
  return transaction.Commit("replacing blocks");
}

Status Catalog::RetireBlocks(uint64_t table_id, const std::vector<uint64_t>& block_ids) {
  RETURN_IF_ERROR(RequirePrimary("retiring blocks"));
  WriteTransaction transaction(this);
  RETURN_IF_ERROR(Retire(&transaction, table_id, block_ids));
  return transaction.Commit("retiring blocks");
}

Status Catalog::PurgeBlocks(const std::vector<uint64_t>& block_ids) {
  RETURN_IF_ERROR(RequirePrimary("purging blocks"));
  RETURN_IF_ERROR(CheckUnique(block_ids, Context("purging blocks")));
  WriteTransaction transaction(this);
  for (uint64_t block_id : block_ids) {
    ASSIGN_OR_RETURN(BlockMeta block, GetBlock(block_id));
    if (block.IsLive()) {
      return Status::FailedPrecondition(Context("purging blocks") + ": block " +
                                        std::to_string(block_id) + " is live");
    }
    int span_class = SpanClass(block.min_time, block.max_time);
    transaction.batch().Delete(
        record::BlockKey({block.table_id, span_class, block.max_time, block_id}));
    transaction.batch().Delete(record::BlockLocatorKey(block_id));
    transaction.batch().Delete(record::RetiredKey(block.retired_sequence, block_id));
  }
  return transaction.Commit("purging blocks");
}

}  // namespace backtrace
