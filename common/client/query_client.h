// QueryClient: the blocking C++ client of backtraced's query socket
// (<run dir>/query.sock, docs/wire_protocol.md "Query protocol").
//
//   auto client = QueryClient::Connect({.socket_path = "var/run/query.sock"});
//   MyHandler handler;                    // a QueryResultHandler
//   Status status = (*client)->Query("SELECT * FROM orders", handler);
//
//   auto result = (*client)->QueryAll("SELECT count(*) FROM orders");
//
// Query streams: the handler receives the schema, then each ResultBatch as
// it arrives, decoded into ColumnVectors that the client reuses from batch
// to batch, then the End statistics. The client holds at most one frame
// (max_frame_bytes) plus one read chunk and one decoded batch, whatever the
// size of the result, so SELECT * over any number of rows runs in bounded
// memory. QueryAll collects a whole result and is meant for small ones (it
// stops with kResourceExhausted past a byte limit).
//
// Errors are values. An Error from the daemon is returned as a Status with
// its code and message; the connection goes on unless the daemon closed it
// (then the next query reports the closed connection). A connection closed
// in the middle of an answer is kAborted naming how far the answer got (a
// read never waits past the peer's close). A frame that is not a valid
// response, or one out of order, is an error too and the client closes the
// connection. When a handler returns an error the rest of the answer is not
// read: the client closes the connection (so that the daemon stops the
// query) and returns the handler's error. After the connection is closed,
// every call returns kFailedPrecondition until Reconnect succeeds.
//
// Ownership: the client owns its socket and buffers; handlers are borrowed
// for one call. One thread at a time per client.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/schema/column_vector.h"
#include "common/wire/frame.h"
#include "common/wire/query_messages.h"

namespace backtrace::client {

struct QueryClientOptions {
  std::string socket_path;
  // The largest response frame accepted; at least the daemon's
  // max_frame_bytes (whose default this is).
  size_t max_frame_bytes = wire::kDefaultMaxFrameBytes;
  // How long one read may wait for the daemon before the query fails with
  // kAborted; zero waits as long as the query runs (the daemon's query
  // timeout bounds it).
  std::chrono::milliseconds receive_timeout{0};
};

// Receives one query's answer, in this order: OnSchema once, OnBatch for
// each batch (possibly none), OnEnd once. After an Error from the daemon
// the sequence stops where it was. An error returned by a callback ends the
// query with that error (see above).
class QueryResultHandler {
 public:
  virtual ~QueryResultHandler() = default;
  virtual Status OnSchema(const std::vector<wire::ResultColumn>& columns) = 0;
  // One vector per schema column, of its type, all `rows` long (rows may be
  // 0). The vectors are valid until the callback returns (the client
  // reuses them for the next batch).
  virtual Status OnBatch(const std::vector<ColumnVector>& columns, size_t rows) = 0;
  virtual Status OnEnd(const wire::QueryStatistics& statistics) = 0;
};

// A whole result, as QueryAll returns it: one vector per column.
struct QueryResult {
  std::vector<wire::ResultColumn> columns;
  std::vector<ColumnVector> values;
  wire::QueryStatistics statistics;

  size_t rows() const { return values.empty() ? 0 : values.front().size(); }
};

class QueryClient {
 public:
  // Connects to options.socket_path. When nothing listens there the error
  // is kAborted "backtraced is not running at <path> (start it, or pass
  // --run-dir)"; a path too long for a Unix socket is kInvalidArgument;
  // other failures are the system's error naming the path.
  [[nodiscard]] static Result<std::unique_ptr<QueryClient>> Connect(QueryClientOptions options);
  ~QueryClient();
  QueryClient(const QueryClient&) = delete;
  QueryClient& operator=(const QueryClient&) = delete;

  // Sends `sql` and delivers its answer to `handler`; returns OK after End.
  // Errors: the daemon's Error as a Status (its code and message);
  // kAborted for a connection closed or reset before End, or a read that
  // timed out; kInvalidArgument for a response that fails verification or
  // validation (the message names the check); kInternal for a response
  // out of order; the handler's error. An empty `sql` is kInvalidArgument
  // and nothing is sent.
  [[nodiscard]] Status Query(std::string_view sql, QueryResultHandler& handler);

  // Runs `sql` and collects its result. Errors as for Query, and
  // kResourceExhausted when the result passes max_result_bytes (as
  // ColumnVector::ByteSize counts them); the connection is then closed.
  [[nodiscard]] Result<QueryResult> QueryAll(std::string_view sql,
                                             size_t max_result_bytes = size_t{256} << 20);

  // Closes the connection (if open) and connects again; errors as Connect.
  [[nodiscard]] Status Reconnect();

  bool connected() const { return socket_ >= 0; }
  const QueryClientOptions& options() const { return options_; }
  // Bytes the frame decoder holds allocated (for tests of bounded memory).
  size_t buffer_capacity() const { return decoder_ ? decoder_->capacity() : 0; }

 private:
  explicit QueryClient(QueryClientOptions options);
  Status Open();
  void Close();
  Status SendAll(std::string_view bytes);
  // The next frame's payload, a view into the decoder valid until the next
  // call. `progress` describes how far the answer got, for messages.
  Result<std::string_view> ReceivePayload(const std::string& progress);
  Status ReadAnswer(uint64_t request_id, QueryResultHandler& handler);

  QueryClientOptions options_;
  int socket_ = -1;
  std::unique_ptr<wire::FrameDecoder> decoder_;
  uint64_t next_request_id_ = 1;
};

}  // namespace backtrace::client
