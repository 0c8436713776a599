// FrameResultSink: the query engine's ResultSink in a query worker. It
// encodes the result as QueryResponse frames (common/wire/query_messages.h)
// and writes them to the client through a ClientStream: ResultSchema, then
// ResultBatch frames each within max_frame_bytes (a batch that would not
// fit is split; a single row that does not fit is kResourceExhausted), then
// End or Error, which the worker writes through Finish / Fail.
//
// The schema frame is held back until the first batch or the End: a query
// that fails while scanning (timeout, memory, a damaged file) answers with
// an Error alone, and a worker that dies before any output lets the daemon
// answer cleanly.
//
// Borrows the stream; one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/query/query_engine.h"
#include "common/wire/query_messages.h"
#include "worker/client_stream.h"

namespace backtrace::worker {

class FrameResultSink : public query::ResultSink {
 public:
  FrameResultSink(ClientStream* stream, uint64_t request_id, size_t max_frame_bytes,
                  std::chrono::steady_clock::time_point deadline)
      : stream_(stream), request_id_(request_id), max_frame_bytes_(max_frame_bytes),
        deadline_(deadline) {}

  Status Begin(const std::vector<query::ResultColumn>& columns) override;
  Status Write(const std::vector<ColumnVector>& batch) override;

  // Sends the schema if still held back, then End.
  [[nodiscard]] Status Finish(const wire::QueryStatistics& statistics);
  // Sends an Error (no schema first), allowing `write_deadline` for it.
  [[nodiscard]] Status Fail(const Status& status,
                            std::chrono::steady_clock::time_point write_deadline);

 private:
  Status SendSchema();
  // Encodes rows [first, first + count) of batch as one frame (splitting
  // when it would exceed max_frame_bytes) and sends it.
  Status SendRows(const std::vector<ColumnVector>& batch, size_t first, size_t count);

  ClientStream* stream_;
  uint64_t request_id_;
  size_t max_frame_bytes_;
  std::chrono::steady_clock::time_point deadline_;
  std::vector<wire::ResultColumn> columns_;
  bool schema_pending_ = false;
};

}  // namespace backtrace::worker
