// QuerySnapshot: what a query reads of one table, fixed on the loop thread
// when the query is dispatched to a worker: the catalog sequence committed
// at that moment and every block of the table not committed as of it (the
// hot block and the frozen ones) with its visible row count. Persisted
// blocks as of the sequence plus these rows are exactly the rows
// acknowledged before the snapshot, each once.
//
// The snapshot holds a reference on each block until the query's worker
// has finished with it: the ingest engine reuses a committed block only
// when it holds the only reference (IngestEngine::KeepSpareBlock), and it
// never writes below a block's row count, so the rows a worker reads stay
// as they were.
//
// Plain values; loop thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/hot/hot_block.h"

namespace backtrace::daemon {

struct SnapshotBlock {
  std::shared_ptr<hot::HotBlock> block;
  uint64_t row_count = 0;  // rows [0, row_count) are visible
};

struct QuerySnapshot {
  uint64_t table_id = 0;
  std::string table_name;
  uint64_t catalog_sequence = 0;
  std::vector<SnapshotBlock> blocks;  // frozen blocks in freeze order, then the hot one
};

}  // namespace backtrace::daemon
