// QueryServer: the daemon's query socket (<run_dir>/query.sock) and its
// client connections, on the libuv loop; the router that hands queries to
// the QueryWorkerPool (docs/wire_protocol.md "Query protocol").
//
// Per connection, frames are cut by a FrameDecoder and each QueryRequest is
// verified and validated; the queries of one connection run one after
// another, in order. For each query the daemon parses the SQL (a syntax
// error or an unknown table is answered here with an Error naming it), then
// a free worker takes it at once; otherwise it waits in one FIFO queue
// shared by all connections, and beyond max_queued_queries it is refused at
// once with Busy. At dispatch the snapshot of the table is taken
// (QuerySnapshot: catalog sequence and in-memory blocks, a few pointer
// copies) and the worker writes the answer to the client itself.
//
// The daemon writes to a connection only while no worker holds it, and
// hands it to a worker only once its own writes are done, so frames never
// interleave. A worker that dies before its first byte to the client is
// answered for with an Error and the connection goes on; one that dies (or
// fails to finish writing) after that leaves the connection closed: the
// client sees the end of the stream in the middle of an answer. A client
// that disconnects while its query is queued is dropped from the queue.
//
// A verification or framing error closes the connection (after an Error
// when nothing is in progress). A connection with more than
// kMaxPipelinedQueries queries waiting stops being read until they drain.
//
// Owned by the daemon; every method runs on the loop thread.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/base/status.h"
#include "daemon/metrics_snapshot.h"
#include "daemon/query_snapshot.h"
#include "daemon/query_worker_pool.h"
#include "daemon/unix_listener.h"

namespace backtrace::daemon {

struct QueryServerOptions {
  UnixSocketOptions socket;
  size_t max_frame_bytes = 16u << 20;
  size_t max_connections = 1024;
  size_t max_queued_queries = 64;
  std::chrono::nanoseconds query_timeout{0};  // 0: none
  uint64_t query_memory_bytes = 1ull << 30;
};

class QueryServer {
 public:
  // Queries received on one connection and not yet started, beyond which
  // the connection is not read until they drain.
  static constexpr size_t kMaxPipelinedQueries = 16;

  using SnapshotFunction = std::function<Result<QuerySnapshot>(std::string_view table)>;
  using TableExistsFunction = std::function<bool(std::string_view table)>;

  QueryServer(uv_loop_t* loop, QueryServerOptions options, QueryWorkerPool* pool,
              TableExistsFunction table_exists, SnapshotFunction snapshot);
  ~QueryServer();
  QueryServer(const QueryServer&) = delete;
  QueryServer& operator=(const QueryServer&) = delete;

  // Binds and listens (see ListenOnUnixSocket).
  [[nodiscard]] Status Listen();
  void StopAccepting();
  // Closes every connection and the listener.
  void CloseAll();
  // Hands queued queries to free workers; the pool calls it when a worker
  // becomes free.
  void Pump();

  // The server's and the pool's numbers.
  QueryMetrics Metrics() const;
  size_t connection_count() const { return connections_.size(); }

 private:
  struct Connection;
  struct PendingQuery;

  static void OnConnection(uv_stream_t* server, int status);
  static void OnAllocate(uv_handle_t* handle, size_t suggested, uv_buf_t* buffer);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer);
  static void OnClosed(uv_handle_t* handle);

  void Accept();
  // Takes the frames the decoder holds; false once the connection closed.
  bool TakeFrames(Connection* connection);
  // Starts the connection's next query if nothing of it is in progress.
  void Advance(Connection* connection);
  void Dispatch(Connection* connection);
  void OnQueryDone(uint64_t connection_id, uint64_t request_id,
                   std::chrono::steady_clock::time_point received, QueryOutcome outcome);
  // Writes one frame; when it is written, the connection advances (or
  // closes, with close_after).
  void WriteFrame(Connection* connection, std::string payload, bool close_after);
  void AnswerError(Connection* connection, uint64_t request_id, const Status& status,
                   bool close_after = false);
  void UpdateReading(Connection* connection);
  // Closes the connection; shutdown first ends the stream for the client
  // even while a worker still holds a copy of the socket.
  void Close(Connection* connection, bool shutdown);
  void Count(const char* outcome, std::chrono::steady_clock::time_point received);

  uv_loop_t* loop_;
  QueryServerOptions options_;
  QueryWorkerPool* pool_;
  TableExistsFunction table_exists_;
  SnapshotFunction snapshot_;
  uv_pipe_t listener_{};
  bool listening_ = false;
  uint64_t next_connection_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::deque<uint64_t> queue_;  // connections whose current query waits for a worker
  QueryMetrics metrics_;
};

}  // namespace backtrace::daemon
