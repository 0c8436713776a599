#include "common/client/query_client.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/wire/ingest_messages.h"
#include "common/wire/wire_status.h"

namespace backtrace::client {
namespace {

// Collects a whole result for QueryAll, up to a byte limit.
class CollectingHandler : public QueryResultHandler {
 public:
  explicit CollectingHandler(size_t max_bytes) : max_bytes_(max_bytes) {}

  Status OnSchema(const std::vector<wire::ResultColumn>& columns) override {
    result.columns = columns;
    for (const auto& column : columns) result.values.emplace_back(column.type);
    return Status::Ok();
  }

  Status OnBatch(const std::vector<ColumnVector>& columns, size_t rows) override {
    for (size_t index = 0; index < columns.size(); ++index) {
      ColumnVector& target = result.values[index];
      const ColumnVector& source = columns[index];
      switch (source.type()) {
        case ColumnType::kInt64:
        case ColumnType::kTimestamp:
          target.int64s().insert(target.int64s().end(), source.int64s().begin(),
                                 source.int64s().end());
          break;
        case ColumnType::kUInt64:
          target.uint64s().insert(target.uint64s().end(), source.uint64s().begin(),
                                  source.uint64s().end());
          break;
        case ColumnType::kFloat64:
          target.float64s().insert(target.float64s().end(), source.float64s().begin(),
                                   source.float64s().end());
          break;
        case ColumnType::kString:
          for (size_t row = 0; row < rows; ++row) {
            target.strings().push_back(source.strings().at(row));
          }
          break;
      }
      bytes_ += source.ByteSize();
    }
    if (bytes_ > max_bytes_) {
      return Status::ResourceExhausted("the result passed " + std::to_string(max_bytes_) +
                                       " bytes after " + std::to_string(result.rows()) +
                                       " rows; stream it with QueryClient::Query instead");
    }
    return Status::Ok();
  }

  Status OnEnd(const wire::QueryStatistics& statistics) override {
    result.statistics = statistics;
    return Status::Ok();
  }

  QueryResult result;

 private:
  size_t max_bytes_;
  size_t bytes_ = 0;
};

std::string Progress(bool have_schema, uint64_t batches, uint64_t rows) {
  if (!have_schema) return "before the result schema";
  return "after the result schema and " + std::to_string(batches) + " batch" +
         (batches == 1 ? "" : "es") + " (" + std::to_string(rows) + " row" +
         (rows == 1 ? "" : "s") + ")";
}

}  // namespace

QueryClient::QueryClient(QueryClientOptions options) : options_(std::move(options)) {}

QueryClient::~QueryClient() { Close(); }

Result<std::unique_ptr<QueryClient>> QueryClient::Connect(QueryClientOptions options) {
  std::unique_ptr<QueryClient> client(new QueryClient(std::move(options)));
  RETURN_IF_ERROR(client->Open());
  return client;
}

Status QueryClient::Reconnect() { return Open(); }

void QueryClient::Close() {
  if (socket_ >= 0) ::close(socket_);
  socket_ = -1;
}

Status QueryClient::Open() {
  Close();
  decoder_ = std::make_unique<wire::FrameDecoder>(options_.max_frame_bytes);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string& path = options_.socket_path;
  if (path.empty()) return Status::InvalidArgument("no query socket path given");
  if (path.size() >= sizeof(address.sun_path)) {
    return Status::InvalidArgument("socket path " + path + " is " + std::to_string(path.size()) +
                                   " bytes, too long for a Unix socket (at most " +
                                   std::to_string(sizeof(address.sun_path) - 1) + ")");
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  int descriptor = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (descriptor < 0) return Status::FromErrno(errno, "socket");
  if (::connect(descriptor, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    int error = errno;
    ::close(descriptor);
    if (error == ENOENT || error == ECONNREFUSED) {
      return Status::Aborted("backtraced is not running at " + path +
                             " (start it, or pass --run-dir)");
    }
    return Status::FromErrno(error, "connect " + path);
  }
  if (options_.receive_timeout.count() > 0) {
    timeval timeout{};
    timeout.tv_sec = static_cast<time_t>(options_.receive_timeout.count() / 1000);
    timeout.tv_usec = static_cast<suseconds_t>(options_.receive_timeout.count() % 1000 * 1000);
    if (::setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) != 0) {
      int error = errno;
      ::close(descriptor);
      return Status::FromErrno(error, "setsockopt SO_RCVTIMEO on " + path);
    }
  }
  socket_ = descriptor;
  return Status::Ok();
}

Status QueryClient::SendAll(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t sent = ::send(socket_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      int error = errno;
      Close();
      if (error == EPIPE || error == ECONNRESET) {
        return Status::Aborted("backtraced closed the connection at " + options_.socket_path +
                               " before the query was sent");
      }
      return Status::FromErrno(error, "send to " + options_.socket_path);
    }
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return Status::Ok();
}

Result<std::string_view> QueryClient::ReceivePayload(const std::string& progress) {
  while (true) {
    auto frame = decoder_->Next();
    if (!frame.ok()) {
      Close();
      return Status::InvalidArgument("bad frame from " + options_.socket_path + " " + progress +
                                     ": " + frame.status().message());
    }
    if (frame->has_value()) return **frame;
    std::span<char> space = decoder_->WritableSpace();
    if (space.empty()) {
      Close();
      return Status::Internal("the response buffer is full without a complete frame");
    }
    ssize_t got = ::recv(socket_, space.data(), space.size(), 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      int error = errno;
      Close();
      if (error == EAGAIN || error == EWOULDBLOCK) {
        return Status::Aborted("no answer from backtraced within " +
                               std::to_string(options_.receive_timeout.count()) + " ms " +
                               progress);
      }
      if (error == ECONNRESET) {
        return Status::Aborted("backtraced reset the connection " + progress);
      }
      return Status::FromErrno(error, "receive from " + options_.socket_path);
    }
    if (got == 0) {
      Close();
      std::string where = decoder_->buffered_bytes() > 0 ? " in the middle of a frame" : "";
      return Status::Aborted("backtraced closed the connection" + where + " " + progress);
    }
    decoder_->CommitWrite(static_cast<size_t>(got));
  }
}

Status QueryClient::Query(std::string_view sql, QueryResultHandler& handler) {
  if (socket_ < 0) {
    return Status::FailedPrecondition("not connected to " + options_.socket_path +
                                      " (the connection was closed; reconnect)");
  }
  if (sql.empty()) return Status::InvalidArgument("the query is empty");
  uint64_t request_id = next_request_id_++;
  flatbuffers::FlatBufferBuilder builder(64 + sql.size());
  wire::FinishQueryRequest(builder, request_id, sql);
  std::string frame;
  RETURN_IF_ERROR(wire::AppendFrame(wire::MessageBytes(builder), options_.max_frame_bytes, &frame)
                      .WithContext("query of " + std::to_string(sql.size()) + " bytes"));
  RETURN_IF_ERROR(SendAll(frame));
  Status status = ReadAnswer(request_id, handler);
  decoder_->ReleaseMemoryIfIdle();
  return status;
}

Status QueryClient::ReadAnswer(uint64_t request_id, QueryResultHandler& handler) {
  std::vector<wire::ResultColumn> schema;
  std::vector<ColumnVector> columns;
  bool have_schema = false;
  uint64_t batches = 0;
  uint64_t rows = 0;
  // Every error below but the daemon's Error leaves the connection in an
  // unknown place of the answer: it is closed.
  auto fail = [this](Status status) {
    Close();
    return status;
  };
  while (true) {
    std::string progress = Progress(have_schema, batches, rows);
    ASSIGN_OR_RETURN(std::string_view payload, ReceivePayload(progress));
    auto verified = wire::VerifyQueryResponse(payload);
    if (!verified.ok()) {
      return fail(verified.status().WithContext("response from " + options_.socket_path + " " +
                                                progress));
    }
    const fb::QueryResponse& response = **verified;
    if (response.request_id() != request_id && response.request_id() != 0) {
      return fail(Status::Internal("backtraced answered request " +
                                   std::to_string(response.request_id()) + " while request " +
                                   std::to_string(request_id) + " was waiting"));
    }
    Status valid = wire::ValidateQueryResponse(response);
    if (!valid.ok()) return fail(valid.WithContext(progress));

    switch (response.body_type()) {
      case fb::QueryResponseBody::Error:
        // The answer ends here; the daemon may or may not have closed the
        // connection, which the next query notices.
        return wire::StatusFromError(*response.body_as_Error());
      case fb::QueryResponseBody::ResultSchema: {
        if (have_schema) return fail(Status::Internal("a second result schema " + progress));
        auto read = wire::ReadResultSchema(*response.body_as_ResultSchema());
        if (!read.ok()) return fail(read.status());
        schema = std::move(*read);
        have_schema = true;
        Status accepted = handler.OnSchema(schema);
        if (!accepted.ok()) return fail(accepted);
        break;
      }
      case fb::QueryResponseBody::ResultBatch: {
        if (!have_schema) return fail(Status::Internal("a result batch before the schema"));
        const fb::ResultBatch& batch = *response.body_as_ResultBatch();
        auto batch_rows = wire::ValidateResultBatch(batch, schema);
        if (!batch_rows.ok()) return fail(batch_rows.status().WithContext(progress));
        if (columns.size() != schema.size()) {
          columns.clear();
          for (const auto& column : schema) columns.emplace_back(column.type);
        }
        for (size_t index = 0; index < schema.size(); ++index) {
          columns[index].Clear();
          Status appended = wire::AppendColumnData(*batch.columns()->Get(index), &columns[index]);
          if (!appended.ok()) return fail(appended.WithContext(progress));
        }
        ++batches;
        rows += *batch_rows;
        Status accepted = handler.OnBatch(columns, *batch_rows);
        if (!accepted.ok()) return fail(accepted);
        break;
      }
      case fb::QueryResponseBody::End: {
        if (!have_schema) return fail(Status::Internal("the query ended before its result schema"));
        wire::QueryStatistics statistics = wire::ReadEnd(*response.body_as_End());
        if (statistics.rows != rows) {
          return fail(Status::Internal("End reports " + std::to_string(statistics.rows) +
                                       " rows but " + std::to_string(rows) + " were received"));
        }
        return handler.OnEnd(statistics);
      }
      default:
        return fail(Status::NotSupported("unknown query response " + progress));
    }
  }
}

Result<QueryResult> QueryClient::QueryAll(std::string_view sql, size_t max_result_bytes) {
  CollectingHandler handler(max_result_bytes);
  RETURN_IF_ERROR(Query(sql, handler));
  return std::move(handler.result);
}

}  // namespace backtrace::client
