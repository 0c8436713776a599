#include "daemon/ingest_server.h"

#include <unistd.h>

#include <cerrno>
#include <map>

#include "common/base/log.h"
#include "common/wire/frame.h"
#include "daemon/frame_reader.h"
#include "daemon/unix_listener.h"

namespace backtrace::daemon {

struct IngestServer::Connection {
  Connection(IngestServer* owner, uint64_t identifier, size_t max_frame_bytes)
      : server(owner), id(identifier), reader(max_frame_bytes) {}
  IngestServer* server;
  uint64_t id;
  uv_pipe_t pipe{};
  FrameReader reader;
  uint64_t next_request_number = 0;
  uint64_t next_to_send = 0;
  struct Ready {
    std::string payload;
    bool close_connection;
  };
  std::map<uint64_t, Ready> ready;
  std::map<uint64_t, size_t> pending_sizes;
  size_t pending_bytes = 0;
  bool reading = false;
  bool closing = false;       // no more requests are read
  bool shutting_down = false;  // uv_shutdown issued or handle closing
};

namespace {

struct WriteRequest {
  uv_write_t request{};
  std::string bytes;
};

struct ShutdownRequest {
  uv_shutdown_t request{};
};

}  // namespace

IngestServer::IngestServer(uv_loop_t* loop, RequestHandler* handler, IngestServerOptions options)
    : loop_(loop), handler_(handler), options_(std::move(options)) {}

IngestServer::~IngestServer() = default;

Status IngestServer::Listen() {
  Status listening =
      ListenOnUnixSocket(loop_, &listener_,
                         {options_.socket_path, options_.socket_mode, options_.socket_group},
                         &IngestServer::OnConnection, &listening_);
  listener_.data = this;
  return listening;
}

void IngestServer::StopAccepting() {
  if (!listening_) return;
  listening_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
  ::unlink(options_.socket_path.c_str());
}

void IngestServer::CloseAll() {
  StopAccepting();
  std::vector<Connection*> open;
  for (auto& [id, connection] : connections_) open.push_back(connection.get());
  for (Connection* connection : open) Close(connection);
}

void IngestServer::PauseReading() {
  if (paused_) return;
  paused_ = true;
  for (auto& [id, connection] : connections_) UpdateReading(connection.get());
}

void IngestServer::ResumeReading() {
  if (!paused_) return;
  paused_ = false;
  for (auto& [id, connection] : connections_) UpdateReading(connection.get());
}

size_t IngestServer::pending_requests() const {
  size_t total = 0;
  for (const auto& [id, connection] : connections_) total += connection->pending_sizes.size();
  return total;
}

void IngestServer::OnConnection(uv_stream_t* server, int status) {
  auto* self = static_cast<IngestServer*>(server->data);
  if (status != 0) {
    LogWarning(std::string("ingest accept failed: ") + uv_strerror(status));
    return;
  }
  self->Accept();
}

void IngestServer::Accept() {
  uint64_t id = next_connection_id_++;
  auto connection = std::make_unique<Connection>(this, id, options_.max_frame_bytes);
  uv_pipe_init(loop_, &connection->pipe, 0);
  connection->pipe.data = connection.get();
  if (uv_accept(reinterpret_cast<uv_stream_t*>(&listener_),
                reinterpret_cast<uv_stream_t*>(&connection->pipe)) != 0) {
    // The handle must outlive the close; OnClosed drops it.
    connection->closing = true;
    connection->shutting_down = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&connection->pipe), &IngestServer::OnClosed);
    connections_.emplace(id, std::move(connection));
    return;
  }
  Connection* raw = connection.get();
  connections_.emplace(id, std::move(connection));
  if (connections_.size() > options_.max_connections) {
    LogWarning("refusing ingest connection: " + std::to_string(options_.max_connections) +
               " connections already open (max_connections)");
    raw->closing = true;
    uint64_t number = raw->next_request_number++;
    raw->pending_sizes[number] = 0;
    Complete(id, number,
             handler_->FramingErrorResponse(Status::Busy(
                 "too many connections: the daemon serves at most " +
                 std::to_string(options_.max_connections) + " (max_connections)")),
             true);
    return;
  }
  UpdateReading(raw);
}

void IngestServer::OnAllocate(uv_handle_t* handle, size_t, uv_buf_t* buffer) {
  auto* connection = static_cast<Connection*>(handle->data);
  std::span<char> space = connection->reader.WritableSpace();
  buffer->base = space.data();
  buffer->len = space.size();
}

void IngestServer::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  auto* connection = static_cast<Connection*>(stream->data);
  IngestServer* self = connection->server;
  if (nread < 0) {
    // End of stream or error: nothing more will arrive. Answers still owed
    // cannot be delivered, so the connection closes at once.
    self->Close(connection);
    return;
  }
  if (nread == 0) return;
  uint64_t id = connection->id;
  Status framing = connection->reader.CommitWrite(
      static_cast<size_t>(nread),
      [self, id](FrameBuffer frame) { return self->Deliver(id, std::move(frame)); });
  auto found = self->connections_.find(id);
  if (found == self->connections_.end()) return;
  if (!framing.ok() && !connection->closing) {
    connection->closing = true;
    uint64_t number = connection->next_request_number++;
    connection->pending_sizes[number] = 0;
    self->Complete(id, number, self->handler_->FramingErrorResponse(framing), true);
    return;
  }
  connection->reader.ReleaseMemoryIfIdle();
  self->UpdateReading(connection);
}

bool IngestServer::Deliver(uint64_t connection_id, FrameBuffer frame) {
  auto found = connections_.find(connection_id);
  if (found == connections_.end() || found->second->closing) return false;
  Connection* connection = found->second.get();
  uint64_t number = connection->next_request_number++;
  size_t size = frame.payload_size();
  connection->pending_sizes[number] = size;
  connection->pending_bytes += size;
  handler_->HandleRequest(std::move(frame),
                          [this, connection_id, number](std::string response, bool close) {
                            Complete(connection_id, number, std::move(response), close);
                          });
  // The handler may have completed synchronously and closed the connection.
  found = connections_.find(connection_id);
  return found != connections_.end() && !found->second->closing;
}

void IngestServer::Complete(uint64_t connection_id, uint64_t request_number, std::string payload,
                            bool close_connection) {
  auto found = connections_.find(connection_id);
  if (found == connections_.end()) return;
  Connection* connection = found->second.get();
  if (connection->shutting_down) return;
  auto size = connection->pending_sizes.find(request_number);
  if (size != connection->pending_sizes.end()) {
    connection->pending_bytes -= size->second;
    connection->pending_sizes.erase(size);
  }
  connection->ready[request_number] = {std::move(payload), close_connection};
  Flush(connection);
}

void IngestServer::Flush(Connection* connection) {
  if (connection->shutting_down) return;
  // Every response ready in order goes out in one write.
  WriteRequest* write = nullptr;
  bool close_after = false;
  while (!close_after) {
    auto next = connection->ready.find(connection->next_to_send);
    if (next == connection->ready.end()) break;
    if (write == nullptr) write = new WriteRequest();
    auto header = wire::EncodeFrameHeader(static_cast<uint32_t>(next->second.payload.size()));
    write->bytes.append(header.data(), header.size());
    write->bytes.append(next->second.payload);
    close_after = next->second.close_connection;
    connection->ready.erase(next);
    ++connection->next_to_send;
  }
  if (write != nullptr) {
    write->request.data = connection;
    uv_buf_t buffer = uv_buf_init(write->bytes.data(), static_cast<unsigned>(write->bytes.size()));
    int result = uv_write(&write->request, reinterpret_cast<uv_stream_t*>(&connection->pipe),
                          &buffer, 1, &IngestServer::OnWritten);
    if (result != 0) {
      delete write;
      Close(connection);
      return;
    }
  }
  if (close_after) {
    connection->closing = true;
    connection->shutting_down = true;
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&connection->pipe));
    connection->reading = false;
    auto* shutdown = new ShutdownRequest();
    shutdown->request.data = connection;
    int shutdown_result = uv_shutdown(
        &shutdown->request, reinterpret_cast<uv_stream_t*>(&connection->pipe),
        [](uv_shutdown_t* request, int) {
          auto* closing = static_cast<Connection*>(request->data);
          delete reinterpret_cast<ShutdownRequest*>(request);
          uv_close(reinterpret_cast<uv_handle_t*>(&closing->pipe), &IngestServer::OnClosed);
        });
    if (shutdown_result != 0) {
      delete shutdown;
      uv_close(reinterpret_cast<uv_handle_t*>(&connection->pipe), &IngestServer::OnClosed);
    }
    return;
  }
  UpdateReading(connection);
}

void IngestServer::OnWritten(uv_write_t* request, int status) {
  auto* write = reinterpret_cast<WriteRequest*>(request);
  auto* connection = static_cast<Connection*>(request->data);
  delete write;
  if (status != 0 && status != UV_ECANCELED) connection->server->Close(connection);
}

void IngestServer::UpdateReading(Connection* connection) {
  bool should_read = !paused_ && !connection->closing && !connection->shutting_down &&
                     connection->pending_bytes <= options_.max_pending_bytes_per_connection;
  if (should_read == connection->reading) return;
  auto* stream = reinterpret_cast<uv_stream_t*>(&connection->pipe);
  if (should_read) {
    if (uv_read_start(stream, &IngestServer::OnAllocate, &IngestServer::OnRead) == 0) {
      connection->reading = true;
    }
  } else {
    uv_read_stop(stream);
    connection->reading = false;
  }
}

void IngestServer::Close(Connection* connection) {
  if (connection->shutting_down) {
    return;
  }
  connection->closing = true;
  connection->shutting_down = true;
  connection->reading = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&connection->pipe), &IngestServer::OnClosed);
}

void IngestServer::OnClosed(uv_handle_t* handle) {
  auto* connection = static_cast<Connection*>(handle->data);
  if (connection == nullptr) return;
  IngestServer* self = connection->server;
  self->connections_.erase(connection->id);
}

}  // namespace backtrace::daemon
