#include "tests/testing/query_test_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/generate/orders_generator.h"
#include "common/wire/frame.h"
#include "common/wire/ingest_messages.h"
#include "common/wire/query_messages.h"

namespace backtrace::testing {

// Encodes the engine's result as responses and writes them, misbehaving as
// told. A send that fails (the client went away) ends the query.
class QueryTestServer::Sink : public query::ResultSink {
 public:
  Sink(QueryTestServer* server, int connection, uint64_t request_id,
       QueryServerBehaviour behaviour)
      : server_(server), connection_(connection), request_id_(request_id),
        behaviour_(behaviour) {}

  Status Begin(const std::vector<query::ResultColumn>& columns) override {
    for (const auto& column : columns) names_.push_back(column.name);
    std::vector<wire::ResultColumn> wire_columns;
    for (const auto& column : columns) wire_columns.push_back({column.name, column.type});
    flatbuffers::FlatBufferBuilder builder(256);
    wire::FinishResultSchemaResponse(builder, request_id_, wire_columns);
    RETURN_IF_ERROR(Send(wire::MessageBytes(builder)));
    if (behaviour_ == QueryServerBehaviour::kCloseAfterSchema) return Stop(true);
    return Status::Ok();
  }

  Status Write(const std::vector<ColumnVector>& batch) override {
    flatbuffers::FlatBufferBuilder builder(4096);
    std::vector<flatbuffers::Offset<fb::ColumnData>> data;
    for (size_t index = 0; index < batch.size(); ++index) {
      data.push_back(wire::BuildColumnData(builder, names_[index], batch[index]));
    }
    wire::FinishResultBatchResponse(builder, request_id_, data);
    std::string_view payload = wire::MessageBytes(builder);
    if (payload.size() > wire::kDefaultMaxFrameBytes) {
      return Status::ResourceExhausted("a result batch over the frame limit");
    }
    if (behaviour_ == QueryServerBehaviour::kCloseInsideFrame) {
      auto header = wire::EncodeFrameHeader(static_cast<uint32_t>(payload.size()));
      std::string part(header.data(), header.size());
      part.append(payload.substr(0, payload.size() / 2));
      if (!server_->SendBytes(connection_, part)) return Stop(false);
      return Stop(true);
    }
    RETURN_IF_ERROR(Send(payload));
    ++server_->batches_sent_;
    if (behaviour_ == QueryServerBehaviour::kCloseAfterFirstBatch) return Stop(true);
    if (behaviour_ == QueryServerBehaviour::kErrorAfterFirstBatch) {
      error_sent_ = true;
      flatbuffers::FlatBufferBuilder error(256);
      wire::FinishQueryErrorResponse(
          error, request_id_,
          Status::Aborted("query timeout after 0.001s (the query's deadline passed)"));
      RETURN_IF_ERROR(Send(wire::MessageBytes(error)));
      return Status::Aborted("stopped after an Error");
    }
    return Status::Ok();
  }

  bool close_connection() const { return close_connection_; }
  bool error_sent() const { return error_sent_; }

 private:
  Status Send(std::string_view payload) {
    if (server_->SendFrame(connection_, payload)) return Status::Ok();
    return Stop(true);
  }
  Status Stop(bool close) {
    close_connection_ = close;
    return Status::Aborted("the test server stops this answer");
  }

  QueryTestServer* server_;
  int connection_;
  uint64_t request_id_;
  QueryServerBehaviour behaviour_;
  std::vector<std::string> names_;
  bool close_connection_ = false;
  bool error_sent_ = false;
};

QueryTestServer::QueryTestServer(std::string socket_path, query::Catalogue* catalogue,
                                 QueryTestServerOptions options)
    : socket_path_(std::move(socket_path)), catalogue_(catalogue), options_(options) {}

Result<std::unique_ptr<QueryTestServer>> QueryTestServer::Start(std::string socket_path,
                                                                query::Catalogue* catalogue,
                                                                QueryTestServerOptions options) {
  std::unique_ptr<QueryTestServer> server(
      new QueryTestServer(std::move(socket_path), catalogue, options));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (server->socket_path_.size() >= sizeof(address.sun_path)) {
    return Status::InvalidArgument("socket path too long: " + server->socket_path_);
  }
  std::memcpy(address.sun_path, server->socket_path_.data(), server->socket_path_.size());
  server->listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (server->listener_ < 0) return Status::FromErrno(errno, "socket");
  if (::bind(server->listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return Status::FromErrno(errno, "bind " + server->socket_path_);
  }
  if (::listen(server->listener_, 16) != 0) {
    return Status::FromErrno(errno, "listen " + server->socket_path_);
  }
  if (::pipe2(server->stop_pipe_, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe2");
  server->thread_ = std::thread([raw = server.get()] { raw->Serve(); });
  return server;
}

QueryTestServer::~QueryTestServer() {
  stopping_ = true;
  if (stop_pipe_[1] >= 0) {
    char byte = 0;
    while (::write(stop_pipe_[1], &byte, 1) < 0 && errno == EINTR) {
    }
  }
  {
    std::lock_guard<std::mutex> lock(connection_mutex_);
    if (connection_ >= 0) ::shutdown(connection_, SHUT_RDWR);
  }
  if (thread_.joinable()) thread_.join();
  for (int descriptor : {listener_, stop_pipe_[0], stop_pipe_[1]}) {
    if (descriptor >= 0) ::close(descriptor);
  }
  if (listener_ >= 0) ::unlink(socket_path_.c_str());
}

void QueryTestServer::Serve() {
  while (!stopping_) {
    pollfd descriptors[2] = {{listener_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(descriptors, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (descriptors[1].revents != 0) return;
    int connection = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) continue;
    ++connections_accepted_;
    {
      std::lock_guard<std::mutex> lock(connection_mutex_);
      connection_ = connection;
    }
    ServeConnection(connection);
    std::lock_guard<std::mutex> lock(connection_mutex_);
    ::close(connection);
    connection_ = -1;
  }
}

void QueryTestServer::ServeConnection(int connection) {
  wire::FrameDecoder decoder;
  while (!stopping_) {
    pollfd descriptors[2] = {{connection, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(descriptors, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (descriptors[1].revents != 0) return;
    std::span<char> space = decoder.WritableSpace();
    if (space.empty()) return;
    ssize_t got = ::recv(connection, space.data(), space.size(), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return;
    decoder.CommitWrite(static_cast<size_t>(got));
    while (true) {
      auto frame = decoder.Next();
      if (!frame.ok()) {
        flatbuffers::FlatBufferBuilder builder(256);
        wire::FinishQueryErrorResponse(builder, 0, frame.status());
        SendFrame(connection, wire::MessageBytes(builder));
        return;
      }
      if (!frame->has_value()) break;
      if (!Answer(connection, **frame)) return;
    }
  }
}

bool QueryTestServer::Answer(int connection, std::string_view payload) {
  auto send_error = [&](uint64_t request_id, const Status& status) {
    flatbuffers::FlatBufferBuilder builder(256);
    wire::FinishQueryErrorResponse(builder, request_id, status);
    return SendFrame(connection, wire::MessageBytes(builder));
  };
  auto request = wire::VerifyQueryRequest(payload);
  if (!request.ok()) {
    send_error(0, request.status());
    return false;
  }
  ++queries_received_;
  uint64_t request_id = (*request)->request_id();
  auto sql = wire::ValidateQueryRequest(**request);
  if (!sql.ok()) return send_error(request_id, sql.status());

  QueryServerBehaviour behaviour = behaviour_;
  switch (behaviour) {
    case QueryServerBehaviour::kBusyAndClose:
      send_error(request_id, Status::Busy("query queue full (64 queries waiting); try again"));
      return false;
    case QueryServerBehaviour::kWrongMessage: {
      flatbuffers::FlatBufferBuilder builder(64);
      wire::FinishOkResponse(builder, request_id);
      SendFrame(connection, wire::MessageBytes(builder));
      return false;
    }
    case QueryServerBehaviour::kOversizedFrame: {
      auto header = wire::EncodeFrameHeader(uint32_t{1} << 31);
      SendBytes(connection, std::string_view(header.data(), header.size()));
      return false;
    }
    default:
      break;
  }

  Sink sink(this, connection, request_id, behaviour);
  query::QueryLimits limits;
  limits.batch_rows = options_.batch_rows;
  auto statistics = query::ExecuteQuery(*sql, *catalogue_, sink, limits);
  if (sink.close_connection()) return false;
  if (sink.error_sent()) return true;
  if (!statistics.ok()) return send_error(request_id, statistics.status());
  wire::QueryStatistics end;
  end.rows = statistics->rows_returned;
  end.rows_scanned = statistics->rows_scanned;
  end.blocks_total = statistics->blocks_total;
  end.blocks_pruned = statistics->blocks_pruned;
  end.blocks_scanned = statistics->blocks_scanned;
  end.granules_total = statistics->granules_total;
  end.granules_skipped = statistics->granules_skipped;
  end.elapsed_nanos = statistics->elapsed_nanos;
  flatbuffers::FlatBufferBuilder builder(128);
  wire::FinishEndResponse(builder, request_id, end);
  return SendFrame(connection, wire::MessageBytes(builder));
}

bool QueryTestServer::SendFrame(int connection, std::string_view payload) {
  std::string frame;
  if (!wire::AppendFrame(payload, wire::kDefaultMaxFrameBytes, &frame).ok()) return false;
  return SendBytes(connection, frame);
}

bool QueryTestServer::SendBytes(int connection, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t sent = ::send(connection, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

TableSchema QuotesSchema() {
  TableSchema schema;
  schema.name = "quotes";
  schema.columns = {{"ts", ColumnType::kTimestamp}, {"symbol", ColumnType::kString},
                    {"price", ColumnType::kFloat64}, {"qty", ColumnType::kInt64},
                    {"trade_id", ColumnType::kUInt64}, {"note", ColumnType::kString}};
  schema.time_column = "ts";
  return schema;
}

std::vector<ColumnVector> QuotesColumns() {
  std::vector<ColumnVector> columns;
  for (const auto& column : QuotesSchema().columns) columns.emplace_back(column.type);
  // 2024-01-02T03:04:05Z.
  constexpr int64_t kTime = 1704164645LL * 1'000'000'000LL;
  struct Row {
    int64_t ts;
    const char* symbol;
    double price;
    int64_t qty;
    uint64_t trade_id;
    std::string_view note;
  };
  const Row rows[] = {
      {-1, "", -0.0, 9, 0, ""},
      {kTime, "BTC", 45000.5, 3, std::numeric_limits<uint64_t>::max(), "plain"},
      {kTime + 1, "Z\xc3\xbcrich", std::nan(""), std::numeric_limits<int64_t>::min(), 7,
       "back\\slash"},
      {kTime + 120'000'000, "ETH", 0.1, -7, 1, "comma, and \"quotes\""},
      {kTime + 123'456'000, "SOL", std::numeric_limits<double>::infinity(), 0, 42,
       "line\nbreak\ttab"},
      {kTime + 1'500'000'000, "BTC", 1e300, 1, 2, "bad \xff byte \xe2\x9c\x93"},
  };
  for (const Row& row : rows) {
    columns[0].int64s().push_back(row.ts);
    columns[1].strings().push_back(row.symbol);
    columns[2].float64s().push_back(row.price);
    columns[3].int64s().push_back(row.qty);
    columns[4].uint64s().push_back(row.trade_id);
    columns[5].strings().push_back(row.note);
  }
  return columns;
}

Status AddQueryTestTables(const std::string& directory, size_t order_rows,
                          query::LocalCatalogue* catalogue) {
  ASSIGN_OR_RETURN(auto quotes, query::LocalTable::Create(directory + "/quotes", QuotesSchema()));
  RETURN_IF_ERROR(quotes->AddBlock(QuotesColumns()));
  catalogue->Add(quotes);

  TableSchema orders_schema;
  orders_schema.name = "orders";
  for (const auto& column : generate::kOrdersColumns) {
    orders_schema.columns.push_back({std::string(column.name), column.type});
  }
  orders_schema.time_column = "ts";
  orders_schema.sort_key = {"symbol", "ts"};
  ASSIGN_OR_RETURN(auto orders, query::LocalTable::Create(directory + "/orders", orders_schema));
  generate::OrdersGenerator generator(1);
  constexpr size_t kBlockRows = 100'000;
  for (size_t done = 0; done < order_rows;) {
    size_t rows = std::min(kBlockRows, order_rows - done);
    generate::OrdersChunk chunk;
    generator.Next(rows, &chunk);
    std::vector<ColumnVector> columns;
    columns.push_back(std::move(chunk.ts));
    columns.push_back(std::move(chunk.symbol));
    columns.push_back(std::move(chunk.price));
    columns.push_back(std::move(chunk.qty));
    RETURN_IF_ERROR(orders->AddBlock(std::move(columns)));
    done += rows;
  }
  catalogue->Add(orders);
  return Status::Ok();
}

}  // namespace backtrace::testing
