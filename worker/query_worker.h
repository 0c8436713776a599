// The query role of backtrace-worker: serves the daemon's query assignments
// (common/ipc/query_dispatch.h, docs/process_protocol.md "Query workers")
// one at a time until the daemon closes the channel.
//
// For each assignment: catch the catalog secondary up to the assignment's
// sequence, map the in-memory blocks' memfds with their visible row counts,
// run the engine with the query's memory limit and deadline, and write the
// answer (ResultSchema, ResultBatch..., End, or Error) straight to the
// client's connection. Then unmap, close the descriptors and report
// QueryFinished to the daemon. An error of the query goes to the client as
// an Error frame and the worker goes on serving.
//
// The catalog is opened as a RocksDB secondary whose own files live in
// `secondary_path` (removed at start and at a clean exit).
//
// Runs in its own process, on one thread.
#pragma once

#include <string>

#include "common/base/status.h"

namespace backtrace::worker {

// Returns OK when the daemon closes the channel; the error that stopped
// the worker otherwise (a catalog that cannot be opened, a broken
// channel, a message that does not verify).
Status RunQueryWorker(int control_descriptor, const std::string& data_dir,
                      const std::string& secondary_path);

}  // namespace backtrace::worker
