// QueryClient against QueryTestServer: a real Unix socket, the real engine
// and the real message builders on the other side. Covers decoding of
// every column type, streaming in bounded memory, the daemon's errors, a
// connection closed at each point of an answer, bad responses, and connect
// failures.
#include "common/client/query_client.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/generate/orders_generator.h"
#include "tests/testing/query_test_server.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

using client::QueryClient;
using client::QueryResult;
using client::QueryResultHandler;
using testing::QueryServerBehaviour;
using testing::QueryTestServer;
using testing::TemporaryDirectory;

// Records what a query delivered; can be told to fail at a batch.
class RecordingHandler : public QueryResultHandler {
 public:
  Status OnSchema(const std::vector<wire::ResultColumn>& columns) override {
    ++schemas;
    this->columns = columns;
    return Status::Ok();
  }
  Status OnBatch(const std::vector<ColumnVector>& /*batch*/, size_t batch_rows) override {
    ++batches;
    rows += batch_rows;
    if (fail_at_batch == batches) return Status::Aborted("the handler gives up");
    return Status::Ok();
  }
  Status OnEnd(const wire::QueryStatistics& statistics) override {
    ++ends;
    this->statistics = statistics;
    return Status::Ok();
  }

  std::vector<wire::ResultColumn> columns;
  wire::QueryStatistics statistics;
  int schemas = 0;
  int ends = 0;
  uint64_t batches = 0;
  uint64_t rows = 0;
  uint64_t fail_at_batch = 0;
};

uint64_t Bits(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

class QueryClientTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(2000, {}); }

  void StartServer(size_t order_rows, testing::QueryTestServerOptions options) {
    server_.reset();
    ASSERT_TRUE(testing::AddQueryTestTables(directory_.Join("tables-" + std::to_string(order_rows)),
                                            order_rows, &catalogue_)
                    .ok());
    auto server = QueryTestServer::Start(socket_path(), &catalogue_, options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  std::unique_ptr<QueryClient> Connect() {
    auto client = QueryClient::Connect({.socket_path = socket_path()});
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  std::string socket_path() const { return directory_.Join("query.sock"); }

  // The server closes the connection at `behaviour`'s point; the client
  // returns kAborted with `progress` in the message (and does not wait).
  void ExpectClosedMidAnswer(QueryServerBehaviour behaviour, const std::string& progress) {
    auto client = QueryClient::Connect({.socket_path = socket_path()});
    ASSERT_TRUE(client.ok());
    server_->set_behaviour(behaviour);
    RecordingHandler handler;
    Status status = (*client)->Query("SELECT * FROM orders", handler);
    EXPECT_EQ(status.code(), StatusCode::kAborted) << status.ToString();
    EXPECT_NE(status.message().find("backtraced closed the connection"), std::string::npos)
        << status.message();
    EXPECT_NE(status.message().find(progress), std::string::npos) << status.message();
    EXPECT_EQ(handler.ends, 0);
    EXPECT_FALSE((*client)->connected());
  }

  TemporaryDirectory directory_;
  query::LocalCatalogue catalogue_;
  std::unique_ptr<QueryTestServer> server_;
};

TEST_F(QueryClientTest, DecodesEveryColumnType) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  auto result = client->QueryAll("SELECT * FROM quotes ORDER BY ts");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::vector<wire::ResultColumn> expected_columns;
  for (const auto& column : testing::QuotesSchema().columns) {
    expected_columns.push_back({column.name, column.type});
  }
  EXPECT_EQ(result->columns, expected_columns);
  std::vector<ColumnVector> expected = testing::QuotesColumns();
  ASSERT_EQ(result->values.size(), expected.size());
  ASSERT_EQ(result->rows(), 6u);
  EXPECT_EQ(result->values[0].int64s(), expected[0].int64s());
  EXPECT_EQ(result->values[3].int64s(), expected[3].int64s());
  EXPECT_EQ(result->values[4].uint64s(), expected[4].uint64s());
  for (size_t row = 0; row < 6; ++row) {
    EXPECT_EQ(Bits(result->values[2].float64s()[row]), Bits(expected[2].float64s()[row]))
        << "row " << row;
    EXPECT_EQ(result->values[1].strings().at(row), expected[1].strings().at(row));
    EXPECT_EQ(result->values[5].strings().at(row), expected[5].strings().at(row));
  }
  EXPECT_EQ(result->statistics.rows, 6u);
  EXPECT_EQ(result->statistics.rows_scanned, 6u);
  EXPECT_EQ(result->statistics.blocks_total, 1u);
}

TEST_F(QueryClientTest, StreamsALargeResultBatchByBatchInBoundedMemory) {
  constexpr size_t kRows = 200'000;
  constexpr size_t kBatchRows = 4096;
  StartServer(kRows, {.batch_rows = kBatchRows});
  auto client = Connect();
  ASSERT_NE(client, nullptr);

  class Handler : public RecordingHandler {
   public:
    Handler(QueryTestServer* server, QueryClient* client) : server_(server), client_(client) {}
    Status OnBatch(const std::vector<ColumnVector>& batch, size_t batch_rows) override {
      if (batches == 0) sent_at_first_batch = server_->batches_sent();
      max_batch_rows = std::max(max_batch_rows, batch_rows);
      max_buffer = std::max(max_buffer, client_->buffer_capacity());
      for (int64_t qty : batch[3].int64s()) qty_sum += qty;
      return RecordingHandler::OnBatch(batch, batch_rows);
    }
    uint64_t sent_at_first_batch = 0;
    size_t max_batch_rows = 0;
    size_t max_buffer = 0;
    int64_t qty_sum = 0;

   private:
    QueryTestServer* server_;
    QueryClient* client_;
  } handler(server_.get(), client.get());

  ASSERT_TRUE(client->Query("SELECT * FROM orders", handler).ok());
  EXPECT_EQ(handler.rows, kRows);
  EXPECT_EQ(handler.ends, 1);
  EXPECT_EQ(handler.statistics.rows, kRows);
  EXPECT_GE(handler.batches, kRows / kBatchRows);
  EXPECT_LE(handler.max_batch_rows, kBatchRows);
  generate::OrdersGenerator generator(1);
  generate::OrdersChunk chunk;
  generator.Next(kRows, &chunk);
  int64_t expected_sum = 0;
  for (int64_t qty : chunk.qty.int64s()) expected_sum += qty;
  EXPECT_EQ(handler.qty_sum, expected_sum);
  // The first batch reached the handler while the server was still held
  // back by the socket (it sends a batch only when the client has read
  // enough): the client passes batches on as they arrive.
  EXPECT_LT(handler.sent_at_first_batch, 16u);
  // It holds about one frame (~130 KB here), not the ~6 MB result.
  EXPECT_LT(handler.max_buffer, size_t{1} << 20);
}

TEST_F(QueryClientTest, DaemonErrorBecomesAStatusAndTheConnectionGoesOn) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  RecordingHandler handler;
  Status syntax = client->Query("SELECT * FORM quotes", handler);
  EXPECT_EQ(syntax.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(syntax.message().find("syntax error"), std::string::npos) << syntax.message();
  Status missing = client->Query("SELECT * FROM ordrs", handler);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("ordrs"), std::string::npos) << missing.message();
  EXPECT_EQ(handler.schemas, 0);

  auto result = client->QueryAll("SELECT count(*) FROM quotes");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->values[0].int64s(), std::vector<int64_t>{6});
  EXPECT_EQ(server_->connections_accepted(), 1u);
  EXPECT_EQ(server_->queries_received(), 3u);
}

TEST_F(QueryClientTest, ErrorAfterSomeBatchesEndsTheQueryWithItsCode) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  server_->set_behaviour(QueryServerBehaviour::kErrorAfterFirstBatch);
  RecordingHandler handler;
  Status status = client->Query("SELECT * FROM orders", handler);
  EXPECT_EQ(status.code(), StatusCode::kAborted);
  EXPECT_NE(status.message().find("query timeout"), std::string::npos) << status.message();
  EXPECT_EQ(handler.schemas, 1);
  EXPECT_EQ(handler.batches, 1u);
  EXPECT_EQ(handler.ends, 0);

  server_->set_behaviour(QueryServerBehaviour::kNormal);
  auto result = client->QueryAll("SELECT count(*) FROM orders");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->values[0].int64s(), std::vector<int64_t>{2000});
}

TEST_F(QueryClientTest, BusyErrorAndCloseIsReportedThenTheCloseIsNoticed) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  server_->set_behaviour(QueryServerBehaviour::kBusyAndClose);
  RecordingHandler handler;
  Status busy = client->Query("SELECT * FROM quotes", handler);
  EXPECT_EQ(busy.code(), StatusCode::kBusy);
  EXPECT_NE(busy.message().find("queue full"), std::string::npos) << busy.message();

  server_->set_behaviour(QueryServerBehaviour::kNormal);
  Status closed = client->Query("SELECT * FROM quotes", handler);
  EXPECT_EQ(closed.code(), StatusCode::kAborted) << closed.ToString();
  EXPECT_NE(closed.message().find("closed the connection"), std::string::npos)
      << closed.message();
  EXPECT_FALSE(client->connected());
  Status again = client->Query("SELECT * FROM quotes", handler);
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);

  ASSERT_TRUE(client->Reconnect().ok());
  auto result = client->QueryAll("SELECT count(*) FROM quotes");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->values[0].int64s(), std::vector<int64_t>{6});
}

TEST_F(QueryClientTest, ConnectionClosedAfterTheSchemaIsAnError) {
  ExpectClosedMidAnswer(QueryServerBehaviour::kCloseAfterSchema,
                        "after the result schema and 0 batches (0 rows)");
}

TEST_F(QueryClientTest, ConnectionClosedAfterABatchIsAnError) {
  ExpectClosedMidAnswer(QueryServerBehaviour::kCloseAfterFirstBatch,
                        "after the result schema and 1 batch (1024 rows)");
}

TEST_F(QueryClientTest, ConnectionClosedInsideAFrameIsAnError) {
  ExpectClosedMidAnswer(QueryServerBehaviour::kCloseInsideFrame,
                        "in the middle of a frame after the result schema and 0 batches");
}

TEST_F(QueryClientTest, ResponseOfAnotherProtocolIsRejected) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  server_->set_behaviour(QueryServerBehaviour::kWrongMessage);
  RecordingHandler handler;
  Status status = client->Query("SELECT * FROM quotes", handler);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_NE(status.message().find("BIRS"), std::string::npos) << status.message();
  EXPECT_FALSE(client->connected());
}

TEST_F(QueryClientTest, FrameOverTheLimitIsRejectedBeforeItsPayload) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  server_->set_behaviour(QueryServerBehaviour::kOversizedFrame);
  RecordingHandler handler;
  Status status = client->Query("SELECT * FROM quotes", handler);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_NE(status.message().find("bad frame"), std::string::npos) << status.message();
  EXPECT_FALSE(client->connected());
}

TEST_F(QueryClientTest, HandlerErrorStopsTheQueryAndClosesTheConnection) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  RecordingHandler handler;
  handler.fail_at_batch = 1;
  Status status = client->Query("SELECT * FROM orders", handler);
  EXPECT_EQ(status.code(), StatusCode::kAborted);
  EXPECT_EQ(status.message(), "the handler gives up");
  EXPECT_FALSE(client->connected());
  EXPECT_EQ(client->Query("SELECT * FROM quotes", handler).code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(QueryClientTest, QueryAllStopsAtItsByteLimit) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  auto result = client->QueryAll("SELECT * FROM orders", 10'000);
  EXPECT_EQ(result.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(result.status().message().find("10000 bytes"), std::string::npos)
      << result.status().message();
}

TEST_F(QueryClientTest, EmptyQueryIsRefusedWithoutSendingIt) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  RecordingHandler handler;
  EXPECT_EQ(client->Query("", handler).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(client->connected());
  EXPECT_EQ(server_->queries_received(), 0u);
}

TEST_F(QueryClientTest, ExplainIsAOneColumnPlanResult) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  auto result = client->QueryAll("EXPLAIN SELECT count(*) FROM orders WHERE symbol = 'BTC'");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->columns,
            (std::vector<wire::ResultColumn>{{"plan", ColumnType::kString}}));
  ASSERT_GT(result->rows(), 0u);
  EXPECT_EQ(result->values[0].strings().at(0), "Scan orders");
}

TEST(QueryClientConnect, MissingSocketSaysTheDaemonIsNotRunningThere) {
  TemporaryDirectory directory;
  std::string path = directory.Join("query.sock");
  auto client = QueryClient::Connect({.socket_path = path});
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kAborted);
  EXPECT_EQ(client.status().message(),
            "backtraced is not running at " + path + " (start it, or pass --run-dir)");
}

TEST(QueryClientConnect, PathTooLongForAUnixSocketIsRefused) {
  auto client = QueryClient::Connect({.socket_path = "/tmp/" + std::string(200, 'x')});
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(client.status().message().find("too long"), std::string::npos);
}

}  // namespace
}  // namespace backtrace
