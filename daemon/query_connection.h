// The state of one query connection, shared by query_server.cc (its
// socket) and query_routing.cc (its queries). Private to QueryServer.
//
// Loop thread only.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>

#include "common/wire/frame.h"
#include "daemon/query_server.h"

namespace backtrace::daemon {

struct QueryServer::PendingQuery {
  uint64_t request_id = 0;
  std::string sql;
  std::optional<Status> error;  // an invalid request, answered in its turn
  std::string table;
  std::chrono::steady_clock::time_point received;
};

struct QueryServer::Connection {
  Connection(QueryServer* owner, uint64_t identifier, size_t max_frame_bytes)
      : server(owner), id(identifier), decoder(max_frame_bytes) {}
  QueryServer* server;
  uint64_t id;
  uv_pipe_t pipe{};
  wire::FrameDecoder decoder;
  std::deque<PendingQuery> backlog;     // received, not yet started
  std::optional<PendingQuery> current;  // queued for a worker, or running
  bool running = false;
  size_t pending_writes = 0;
  bool reading = false;
  bool closing = false;  // nothing more is read or started
  bool closed = false;   // the handle is closing
};

}  // namespace backtrace::daemon
