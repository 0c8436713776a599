// QueryTestServer: a real peer of the query protocol for tests of query
// clients. It listens on a Unix socket, reads QueryRequest frames and answers
// each by running the real engine (query::ExecuteQuery) over a catalogue the
// test built (LocalCatalogue), encoding the result with the real builders of
// common/wire/query_messages.h: ResultSchema, ResultBatch per engine batch,
// End with the engine's statistics, or Error with the engine's status. It
// can be told to misbehave the ways a daemon or the network can (close in
// the middle of an answer, send an Error and close, send bytes that are not
// a response), so that a client's error paths meet real sockets.
//
// AddQueryTestTables builds the tables that the client and CLI tests query.
//
// Ownership: the server owns its listening socket, its connection and one
// thread that serves connections one after another; it borrows the
// catalogue, which must outlive it and must not change while it runs.
// Construct, configure and destroy from one thread; counters may be read
// from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/base/status.h"
#include "common/query/local_table.h"

namespace backtrace::testing {

enum class QueryServerBehaviour : uint8_t {
  kNormal,
  // Sends the ResultSchema, then closes the connection.
  kCloseAfterSchema,
  // Sends the ResultSchema and the first ResultBatch, then closes.
  kCloseAfterFirstBatch,
  // Sends the ResultSchema and the first half of the first batch's frame,
  // then closes.
  kCloseInsideFrame,
  // Sends the ResultSchema and the first ResultBatch, then an Error
  // (Aborted "query timeout ..."); the connection goes on.
  kErrorAfterFirstBatch,
  // Answers with an Error (Busy "query queue full ...") before the schema
  // and closes the connection, as the daemon does when it cannot take the
  // query.
  kBusyAndClose,
  // Answers with a frame whose payload is an ingest response, then closes.
  kWrongMessage,
  // Answers with a frame that declares 2 GiB, then closes.
  kOversizedFrame,
};

struct QueryTestServerOptions {
  // Rows per ResultBatch (the engine's QueryLimits::batch_rows).
  size_t batch_rows = 1024;
};

class QueryTestServer {
 public:
  // Listens on socket_path (which must not exist) and starts serving.
  // Errors: the socket's, naming the path.
  [[nodiscard]] static Result<std::unique_ptr<QueryTestServer>> Start(
      std::string socket_path, query::Catalogue* catalogue, QueryTestServerOptions options = {});
  // Stops serving (unblocking a send in progress), joins the thread and
  // removes the socket file.
  ~QueryTestServer();
  QueryTestServer(const QueryTestServer&) = delete;
  QueryTestServer& operator=(const QueryTestServer&) = delete;

  // Applies to the queries received from now on.
  void set_behaviour(QueryServerBehaviour behaviour) { behaviour_ = behaviour; }

  const std::string& socket_path() const { return socket_path_; }
  uint64_t queries_received() const { return queries_received_; }
  // ResultBatch frames written to the socket so far, over all queries.
  uint64_t batches_sent() const { return batches_sent_; }
  uint64_t connections_accepted() const { return connections_accepted_; }

 private:
  class Sink;

  QueryTestServer(std::string socket_path, query::Catalogue* catalogue,
                  QueryTestServerOptions options);
  void Serve();
  // Serves one connection until the peer closes it or the server stops.
  void ServeConnection(int connection);
  // Answers one request payload; false when the connection is to be closed.
  bool Answer(int connection, std::string_view payload);
  // Write whole frames / raw bytes; false when the peer is gone.
  bool SendFrame(int connection, std::string_view payload);
  bool SendBytes(int connection, std::string_view bytes);

  std::string socket_path_;
  query::Catalogue* catalogue_;
  QueryTestServerOptions options_;
  int listener_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::mutex connection_mutex_;
  int connection_ = -1;  // guarded by connection_mutex_
  std::atomic<bool> stopping_{false};
  std::atomic<QueryServerBehaviour> behaviour_{QueryServerBehaviour::kNormal};
  std::atomic<uint64_t> queries_received_{0};
  std::atomic<uint64_t> batches_sent_{0};
  std::atomic<uint64_t> connections_accepted_{0};
  std::thread thread_;
};

// Tables for query client tests, written under `directory` and added to
// `catalogue`:
//  - "quotes": the six rows of QuotesColumns() in one block.
//  - "orders": the first `order_rows` rows of OrdersGenerator(1), in blocks
//    of at most 100,000 rows (none when order_rows is 0).
[[nodiscard]] Status AddQueryTestTables(const std::string& directory, size_t order_rows,
                                        query::LocalCatalogue* catalogue);

// The schema of "quotes": ts timestamp, symbol string, price float64, qty
// int64, trade_id uint64, note string; time column ts, sorted by ts.
TableSchema QuotesSchema();

// The rows of "quotes" in ts order: timestamps that need 0, 3, 6 and 9
// fraction digits (one before 1970), strings that need quoting and
// escaping (empty, comma, quotes, line break, tab, backslash, UTF-8, a byte
// that is not UTF-8), floats -0, NaN, infinity, 0.1 and 1e300, and the
// extreme int64 and uint64 values.
std::vector<ColumnVector> QuotesColumns();

}  // namespace backtrace::testing
