// IngestServer: the daemon's listening Unix socket and its client
// connections, on the libuv loop. It reassembles frames (FrameReader: large
// payloads are read straight into a buffer of their own), hands each frame
// to a RequestHandler, and writes the responses back in the order the
// requests arrived, whatever order they complete in (Appends complete after
// their WAL sync, other requests at once); responses ready together go out
// in one write.
//
// Backpressure: PauseReading stops reading from every connection (the kernel
// socket buffers then fill and clients block); ResumeReading restarts. Each
// connection also stops reading by itself while its unanswered requests hold
// more than max_pending_bytes_per_connection.
//
// A frame the reader rejects (over max_frame_bytes, zero length) gets an
// Error response and the connection is closed once the responses before it
// are written; so does a request the handler marks as fatal.
//
// Owned by the daemon; every method runs on the loop thread.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/base/status.h"
#include "daemon/frame_buffer.h"

namespace backtrace::daemon {

// How a request is answered: the response payload (a FlatBuffers Response,
// without frame header) and whether the connection must close after it.
// Called exactly once, on the loop thread, possibly after HandleRequest
// returned; calling it after the connection closed is harmless.
using Responder = std::function<void(std::string payload, bool close_connection)>;

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // The handler owns the frame: it may keep it beyond the call (the ingest
  // engine keeps an Append's frame until the batch is applied).
  virtual void HandleRequest(FrameBuffer frame, Responder respond) = 0;
  // The response to send for a frame the reader rejected.
  virtual std::string FramingErrorResponse(const Status& status) = 0;
};

struct IngestServerOptions {
  std::string socket_path;
  unsigned socket_mode = 0660;
  std::string socket_group;  // empty: the daemon's group
  size_t max_frame_bytes = 16u << 20;
  size_t max_connections = 1024;
  size_t max_pending_bytes_per_connection = 64u << 20;
};

class IngestServer {
 public:
  IngestServer(uv_loop_t* loop, RequestHandler* handler, IngestServerOptions options);
  ~IngestServer();
  IngestServer(const IngestServer&) = delete;
  IngestServer& operator=(const IngestServer&) = delete;

  // Binds and listens. A path longer than sockaddr_un's sun_path is refused
  // (libuv would truncate it silently); a stale socket file is replaced; the
  // socket gets the configured mode and group.
  Status Listen();
  // Stops accepting; existing connections go on.
  void StopAccepting();
  // Closes every connection and the listener; handles finish closing on the
  // next loop iterations.
  void CloseAll();

  void PauseReading();
  void ResumeReading();
  bool paused() const { return paused_; }

  size_t connection_count() const { return connections_.size(); }
  // Requests received but not yet answered, over all connections.
  size_t pending_requests() const;

 private:
  struct Connection;
  static void OnConnection(uv_stream_t* server, int status);
  static void OnAllocate(uv_handle_t* handle, size_t suggested, uv_buf_t* buffer);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer);
  static void OnWritten(uv_write_t* request, int status);
  static void OnClosed(uv_handle_t* handle);

  void Accept();
  // Hands one frame to the handler; false when the connection stopped
  // taking requests (closing or closed).
  bool Deliver(uint64_t connection_id, FrameBuffer frame);
  void Complete(uint64_t connection_id, uint64_t request_number, std::string payload,
                bool close_connection);
  void Flush(Connection* connection);
  void UpdateReading(Connection* connection);
  void Close(Connection* connection);

  uv_loop_t* loop_;
  RequestHandler* handler_;
  IngestServerOptions options_;
  uv_pipe_t listener_{};
  bool listening_ = false;
  bool paused_ = false;
  uint64_t next_connection_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
};

}  // namespace backtrace::daemon
