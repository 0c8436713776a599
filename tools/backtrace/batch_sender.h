// BatchSender: sends the row batches of one ingest run to one table through
// an IngestClient, for `backtrace ingest`.
//
// Every Append it makes is numbered 1, 2, 3… in the order sent. A batch that
// would not fit in one frame is split in halves until each part fits, so the
// Appends depend only on the batches given: the same input with the same
// batch size yields the same Appends with the same numbers. With the same
// producer id, a second run is therefore acknowledged batch by batch as
// duplicates up to where the first run got, and adds only the rest.
//
// When the connection breaks (an I/O error or the daemon going away, never
// a batch the daemon rejected) it reconnects, waiting 100 ms, 200 ms, …
// up to 2 s between attempts, and the client resends every unacknowledged
// batch with its number; the attempts count starts again whenever a batch
// is acknowledged. A rejected batch is final: every later call returns the
// daemon's error.
//
// Borrows the client, which must outlive it. One thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/client/ingest_client.h"
#include "common/schema/column_vector.h"
#include "common/schema/table_schema.h"

namespace backtrace::cli {

struct BatchSenderOptions {
  // Reconnection attempts allowed without an acknowledgement in between.
  int reconnect_attempts = 10;
  std::chrono::milliseconds first_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
  // Told about lost connections and reconnections (one line, no newline).
  std::function<void(std::string_view)> notice;
};

class BatchSender {
 public:
  BatchSender(client::IngestClient* client, TableSchema schema, BatchSenderOptions options = {});

  // Sends one batch: one vector per schema column, in schema order, all of
  // the same length (at least 1). Returns once every part is sent (not
  // acknowledged). Errors: the daemon's rejection of an earlier batch; a
  // connection that could not be restored; a single row too large for a
  // frame (InvalidArgument).
  [[nodiscard]] Status Send(const std::vector<ColumnVector>& columns);

  // Waits until every Append sent is acknowledged, reconnecting as Send
  // does. After a failure it still collects what acknowledgements it can.
  [[nodiscard]] Status Finish();

  // Rows newly stored, and rows the daemon already had (duplicates).
  uint64_t acknowledged_rows() const { return client_->acknowledged_rows(); }
  uint64_t duplicate_rows() const { return client_->duplicate_rows(); }
  uint64_t duplicate_batches() const { return client_->duplicate_batches(); }
  uint64_t appends_sent() const { return next_sequence_ - 1; }

 private:
  Status SendRange(const std::vector<ColumnVector>& columns, size_t begin, size_t end);
  // One Append with the next sequence number, reconnecting as needed.
  // kInvalidArgument (nothing sent) when it does not fit in a frame.
  Status AppendWithRetry(const std::vector<client::NamedColumn>& columns);
  // Restores the connection after `cause`, or returns why it cannot.
  Status Recover(const Status& cause);
  // Bytes an Append of rows [begin, end) encodes to, or a little more.
  size_t EstimateBytes(const std::vector<ColumnVector>& columns, size_t begin, size_t end) const;

  client::IngestClient* client_;
  TableSchema schema_;
  BatchSenderOptions options_;
  uint64_t next_sequence_ = 1;
  std::vector<ColumnVector> slice_;  // rows of a split batch
  int failed_attempts_ = 0;
  std::chrono::milliseconds backoff_;
  uint64_t batches_at_last_failure_ = 0;
};

}  // namespace backtrace::cli
