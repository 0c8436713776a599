#include "daemon/query_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include "common/base/log.h"
#include "common/wire/frame.h"
#include "common/wire/ingest_messages.h"
#include "common/wire/query_messages.h"
#include "daemon/query_connection.h"

namespace backtrace::daemon {

using Clock = std::chrono::steady_clock;

namespace {

struct WriteRequest {
  uv_write_t request{};
  std::string bytes;
  bool close_after = false;
};

}  // namespace

QueryServer::QueryServer(uv_loop_t* loop, QueryServerOptions options, QueryWorkerPool* pool,
                         TableExistsFunction table_exists, SnapshotFunction snapshot)
    : loop_(loop), options_(std::move(options)), pool_(pool),
      table_exists_(std::move(table_exists)), snapshot_(std::move(snapshot)) {}

QueryServer::~QueryServer() = default;

Status QueryServer::Listen() {
  Status listening = ListenOnUnixSocket(loop_, &listener_, options_.socket,
                                        &QueryServer::OnConnection, &listening_);
  listener_.data = this;
  return listening;
}

void QueryServer::StopAccepting() {
  if (!listening_) return;
  listening_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
  ::unlink(options_.socket.path.c_str());
}

void QueryServer::CloseAll() {
  StopAccepting();
  std::vector<Connection*> open;
  for (auto& [id, connection] : connections_) open.push_back(connection.get());
  for (Connection* connection : open) Close(connection, true);
}

void QueryServer::OnConnection(uv_stream_t* server, int status) {
  auto* self = static_cast<QueryServer*>(server->data);
  if (status != 0) {
    LogWarning(std::string("query accept failed: ") + uv_strerror(status));
    return;
  }
  self->Accept();
}

void QueryServer::Accept() {
  uint64_t id = next_connection_id_++;
  auto connection = std::make_unique<Connection>(this, id, options_.max_frame_bytes);
  uv_pipe_init(loop_, &connection->pipe, 0);
  connection->pipe.data = connection.get();
  Connection* raw = connection.get();
  connections_.emplace(id, std::move(connection));
  if (uv_accept(reinterpret_cast<uv_stream_t*>(&listener_),
                reinterpret_cast<uv_stream_t*>(&raw->pipe)) != 0) {
    Close(raw, false);
    return;
  }
  if (connections_.size() > options_.max_connections) {
    LogWarning("refusing query connection: " + std::to_string(options_.max_connections) +
               " connections already open (max_connections)");
    raw->closing = true;
    AnswerError(raw, 0,
                Status::Busy("too many connections: the daemon serves at most " +
                             std::to_string(options_.max_connections) +
                             " query connections (max_connections)"),
                true);
    return;
  }
  UpdateReading(raw);
}

void QueryServer::OnAllocate(uv_handle_t* handle, size_t, uv_buf_t* buffer) {
  auto* connection = static_cast<Connection*>(handle->data);
  std::span<char> space = connection->decoder.WritableSpace();
  buffer->base = space.data();
  buffer->len = space.size();
}

void QueryServer::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  auto* connection = static_cast<Connection*>(stream->data);
  QueryServer* self = connection->server;
  if (nread < 0) {
    // The client is gone (or the decoder refused more bytes): a queued
    // query is dropped; a running one ends when its worker cannot write.
    self->Close(connection, false);
    return;
  }
  if (nread == 0) return;
  connection->decoder.CommitWrite(static_cast<size_t>(nread));
  if (!self->TakeFrames(connection)) return;
  connection->decoder.ReleaseMemoryIfIdle();
  self->UpdateReading(connection);
}

bool QueryServer::TakeFrames(Connection* connection) {
  while (true) {
    auto next = connection->decoder.Next();
    Status fatal;
    if (!next.ok()) {
      fatal = next.status();
    } else if (!next->has_value()) {
      break;
    } else {
      auto request = wire::VerifyQueryRequest(**next);
      if (!request.ok()) {
        fatal = request.status();
      } else {
        PendingQuery query;
        query.request_id = (*request)->request_id();
        query.received = Clock::now();
        auto sql = wire::ValidateQueryRequest(**request);
        if (sql.ok()) {
          query.sql = std::string(*sql);
        } else {
          query.error = sql.status();
        }
        connection->backlog.push_back(std::move(query));
        continue;
      }
    }
    // The stream cannot be read further: say why if nothing is in
    // progress, then close.
    Count("error", Clock::now());
    connection->closing = true;
    connection->backlog.clear();
    if (connection->current || connection->pending_writes > 0) {
      Close(connection, true);
    } else {
      AnswerError(connection, 0, fatal, true);
    }
    return false;
  }
  Advance(connection);
  return !connection->closed;
}

void QueryServer::AnswerError(Connection* connection, uint64_t request_id, const Status& status,
                              bool close_after) {
  flatbuffers::FlatBufferBuilder builder(256);
  wire::FinishQueryErrorResponse(builder, request_id, status);
  WriteFrame(connection, std::string(wire::MessageBytes(builder)), close_after);
}

void QueryServer::WriteFrame(Connection* connection, std::string payload, bool close_after) {
  if (connection->closed) return;
  auto* write = new WriteRequest();
  auto header = wire::EncodeFrameHeader(static_cast<uint32_t>(payload.size()));
  write->bytes.append(header.data(), header.size());
  write->bytes.append(payload);
  write->close_after = close_after;
  write->request.data = connection;
  uv_buf_t buffer = uv_buf_init(write->bytes.data(), static_cast<unsigned>(write->bytes.size()));
  ++connection->pending_writes;
  int result = uv_write(&write->request, reinterpret_cast<uv_stream_t*>(&connection->pipe), &buffer,
                        1, [](uv_write_t* request, int status) {
                          auto* done = reinterpret_cast<WriteRequest*>(request);
                          auto* written = static_cast<Connection*>(request->data);
                          bool close_after = done->close_after;
                          delete done;
                          --written->pending_writes;
                          if (written->closed) return;
                          if (status != 0 || close_after) {
                            written->server->Close(written, status == 0);
                            return;
                          }
                          written->server->Advance(written);
                        });
  if (result != 0) {
    --connection->pending_writes;
    delete write;
    Close(connection, false);
  }
}

void QueryServer::UpdateReading(Connection* connection) {
  bool should_read = !connection->closing && !connection->closed &&
                     connection->backlog.size() < kMaxPipelinedQueries;
  if (should_read == connection->reading) return;
  auto* stream = reinterpret_cast<uv_stream_t*>(&connection->pipe);
  if (should_read) {
    if (uv_read_start(stream, &QueryServer::OnAllocate, &QueryServer::OnRead) == 0) {
      connection->reading = true;
    }
  } else {
    uv_read_stop(stream);
    connection->reading = false;
  }
}

void QueryServer::Close(Connection* connection, bool shutdown) {
  if (connection->closed) return;
  connection->closing = true;
  connection->closed = true;
  connection->reading = false;
  std::erase(queue_, connection->id);
  uv_os_fd_t descriptor = -1;
  if (shutdown && uv_fileno(reinterpret_cast<uv_handle_t*>(&connection->pipe), &descriptor) == 0) {
    ::shutdown(descriptor, SHUT_RDWR);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&connection->pipe), &QueryServer::OnClosed);
}

void QueryServer::OnClosed(uv_handle_t* handle) {
  auto* connection = static_cast<Connection*>(handle->data);
  connection->server->connections_.erase(connection->id);
}

}  // namespace backtrace::daemon
