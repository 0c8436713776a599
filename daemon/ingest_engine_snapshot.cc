// IngestEngine: the snapshot of a table that a query reads (query_snapshot.h).
#include "daemon/ingest_engine.h"

namespace backtrace::daemon {

Result<QuerySnapshot> IngestEngine::SnapshotForQuery(std::string_view table_name) {
  TableState* table = FindTable(table_name);
  if (table == nullptr) {
    return Status::NotFound("table '" + std::string(table_name) + "' does not exist");
  }
  QuerySnapshot snapshot;
  snapshot.table_id = table->table_id;
  snapshot.table_name = table->schema.name;
  // Frozen blocks leave the table's list only when their commit succeeded,
  // on this thread: the sequence read now and the list agree.
  ASSIGN_OR_RETURN(snapshot.catalog_sequence, catalog_->CurrentSequence());
  for (const FrozenBlock& frozen : table->frozen) {
    snapshot.blocks.push_back({frozen.memory.block, frozen.memory.block->row_count()});
  }
  if (table->hot && table->hot->block->row_count() > 0) {
    snapshot.blocks.push_back({table->hot->block, table->hot->block->row_count()});
  }
  return snapshot;
}

}  // namespace backtrace::daemon
