// IngestClient: the C++ client of backtraced's ingest socket.
//
//   auto client = IngestClient::Connect({.socket_path = "var/run/ingest.sock",
//                                        .producer_id = 42});
//   client->CreateTable(schema);
//   BatchBuilder batch(schema);
//   batch.AddRow({int64_t{ts}, std::string("BTC"), 45000.5, int64_t{3}});
//   client->Append("orders", batch.columns());   // pipelined
//   client->Flush();                              // every batch acknowledged
//
// Appends are pipelined: up to max_in_flight batches are sent before their
// acknowledgements arrive; Append blocks only when the window is full. With a
// producer id, each batch carries a sequence number (1, 2, 3… unless set),
// and Reconnect resends every unacknowledged batch with its original number,
// so the daemon applies each batch exactly once across reconnects and
// daemon restarts.
//
// Errors are values: a batch the daemon rejects makes the next call (Append
// or Flush) return the daemon's message (with the batch's sequence), and
// that error stays until Reconnect. Connection failures are kAborted or I/O
// errors; after one, Reconnect and go on.
//
// One thread at a time per client. The client owns its socket.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/schema/column_vector.h"
#include "common/schema/table_schema.h"
#include "common/wire/frame.h"
#include "common/wire/status_messages.h"

namespace backtrace::client {

struct IngestClientOptions {
  std::string socket_path;
  uint64_t producer_id = 0;  // 0: no idempotence
  size_t max_in_flight = 32;
  size_t max_frame_bytes = 16u << 20;
};

// A table as ListTableEntries reports it: its schema and, from a daemon
// that sends them, its figures.
struct TableEntry {
  TableSchema schema;
  std::optional<wire::TableStatus> status;
};

// A column of a batch: its name and values (not owned).
struct NamedColumn {
  std::string_view name;
  const ColumnVector* values;
};

class IngestClient {
 public:
  // Connects to the socket. kNotFound / kAborted with a message that says
  // the daemon is not running at that path when nothing listens there.
  static Result<std::unique_ptr<IngestClient>> Connect(IngestClientOptions options);
  ~IngestClient();
  IngestClient(const IngestClient&) = delete;
  IngestClient& operator=(const IngestClient&) = delete;

  // Waits for pipelined appends, then creates the table (OK if it exists
  // with the same schema).
  Status CreateTable(const TableSchema& schema);
  Status DropTable(std::string_view name);
  Result<std::vector<TableSchema>> ListTables();
  // The tables with their figures (rows, blocks, bytes, time range).
  Result<std::vector<TableEntry>> ListTableEntries();
  // The daemon's state (GetStatus): sockets, memory rows, compaction
  // backlog, whether writes are stopped and why. Waits for pipelined appends.
  Result<wire::DaemonStatus> GetStatus();

  // Sends one batch. sequence 0 takes the next number (previous + 1).
  // kInvalidArgument when the encoded batch exceeds max_frame_bytes (split
  // it); nothing is sent then.
  Status Append(std::string_view table, const std::vector<NamedColumn>& columns,
                uint64_t sequence = 0);
  // Waits until every batch sent is acknowledged (or one fails).
  Status Flush();
  // Closes the connection, connects again and resends every unacknowledged
  // batch, keeping its sequence number. Clears a stored batch error.
  Status Reconnect();

  // Sets the sequence number the next automatically numbered batch gets.
  void set_next_sequence(uint64_t sequence) { next_sequence_ = sequence; }
  uint64_t next_sequence() const { return next_sequence_; }
  uint64_t acknowledged_rows() const { return acknowledged_rows_; }
  uint64_t acknowledged_batches() const { return acknowledged_batches_; }
  uint64_t duplicate_batches() const { return duplicate_batches_; }
  // Rows of the batches acknowledged as duplicates (already applied before).
  uint64_t duplicate_rows() const { return duplicate_rows_; }
  size_t in_flight() const { return in_flight_.size(); }
  // True when the daemon rejected a batch (its Error is what Append and
  // Flush return until Reconnect). That batch is no longer in flight and
  // Reconnect does not resend it; an error while this is false came from
  // the connection (or Append's own size check) and lost no batch.
  bool batch_rejected() const { return !batch_error_.ok(); }
  const IngestClientOptions& options() const { return options_; }

 private:
  struct InFlight {
    uint64_t request_id;
    uint64_t sequence;
    uint64_t rows;
    std::string frame;  // header + payload, kept for resending
  };

  explicit IngestClient(IngestClientOptions options);
  Status Open();
  Status SendFrame(std::string_view frame);
  Result<std::string> ReceivePayload();
  // Reads one response and matches it with the oldest batch in flight.
  Status ReceiveAck();
  Result<std::string> Call(const std::string& frame);

  IngestClientOptions options_;
  int socket_ = -1;
  std::unique_ptr<wire::FrameDecoder> decoder_;
  std::deque<InFlight> in_flight_;
  uint64_t next_request_id_ = 1;
  uint64_t next_sequence_ = 1;
  uint64_t acknowledged_rows_ = 0;
  uint64_t acknowledged_batches_ = 0;
  uint64_t duplicate_batches_ = 0;
  uint64_t duplicate_rows_ = 0;
  Status batch_error_;
};

// Builds a batch row by row in the columns of a schema.
class BatchBuilder {
 public:
  explicit BatchBuilder(const TableSchema& schema);
  // One value per schema column, in schema order, each of the column type's
  // Value alternative (int64_t for timestamps). kInvalidArgument naming the
  // column otherwise; the row is then not added.
  Status AddRow(const std::vector<Value>& row);
  size_t rows() const { return rows_; }
  void Clear();
  // Columns to pass to IngestClient::Append (valid while the builder lives).
  std::vector<NamedColumn> columns() const;

 private:
  TableSchema schema_;
  std::vector<ColumnVector> values_;
  size_t rows_ = 0;
};

}  // namespace backtrace::client
