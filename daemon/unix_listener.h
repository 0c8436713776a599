// ListenOnUnixSocket: the daemon's listening Unix sockets (ingest.sock,
// query.sock) are made the same way: the path checked against sun_path
// (libuv would truncate a longer one silently), a stale socket file
// replaced (anything else at the path is left alone and refused), bound,
// given the configured mode and group, and listened on.
//
// Loop thread only.
#pragma once

#include <uv.h>

#include <string>

#include "common/base/status.h"

namespace backtrace::daemon {

struct UnixSocketOptions {
  std::string path;
  unsigned mode = 0660;
  std::string group;  // empty: the daemon's group
};

// Checks the path, then initialises `listener` on `loop` and sets
// *initialized (from then on the caller must uv_close it, whatever the
// result), binds it and starts listening with `on_connection`. Errors name the path and the step (kInvalidArgument for a
// path too long or an unknown group, kFailedPrecondition when the path is
// not a socket, the system's error otherwise).
[[nodiscard]] Status ListenOnUnixSocket(uv_loop_t* loop, uv_pipe_t* listener,
                                        const UnixSocketOptions& options,
                                        uv_connection_cb on_connection, bool* initialized);

}  // namespace backtrace::daemon
