// The compactor role of backtrace-worker: receives frozen hot blocks from the
// daemon over its control channel, turns each into the block's column files
// and answers with the block's metadata.
//
// For each block: map the memfd read-only, order the rows by the table's
// sort key (hot::SortedRowOrder), encode each column into
// <staging>/<column>.col (each file fsynced, on a thread of its own while
// the next column is encoded), fsync the staging directory, replace any leftover destination, rename staging to
// <data_dir>/tables/<table id>/<block id>, and fsync the parent directories.
// The daemon commits the block to the catalog only after this answer, so a
// compactor killed at any point leaves at most an uncommitted directory that
// the next start-up removes, and the daemon hands the block again.
//
// Runs in its own process: one block at a time, on one thread but for the
// short-lived threads that fsync column files.
#pragma once

#include <string>

#include "common/base/status.h"
#include "common/catalog/block_meta.h"
#include "common/ipc/compaction_generated.h"

namespace backtrace::worker {

// Serves the daemon on control_descriptor until it closes the channel.
// Returns OK at a clean end of the channel, the error otherwise.
Status RunCompactor(int control_descriptor);

// Persists one block (see above). Errors name the block and step; the
// staging directory is removed on error.
Result<BlockMeta> CompactBlock(const fb::CompactBlockRequest& request, int block_descriptor);

}  // namespace backtrace::worker
