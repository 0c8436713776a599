#include "daemon/unix_listener.h"

#include <grp.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>

namespace backtrace::daemon {

Status ListenOnUnixSocket(uv_loop_t* loop, uv_pipe_t* listener, const UnixSocketOptions& options,
                          uv_connection_cb on_connection, bool* initialized) {
  *initialized = false;
  sockaddr_un address{};
  if (options.path.size() >= sizeof(address.sun_path)) {
    return Status::InvalidArgument("socket path " + options.path + " is " +
                                   std::to_string(options.path.size()) +
                                   " bytes; a Unix socket path must be shorter than " +
                                   std::to_string(sizeof(address.sun_path)) + " bytes");
  }
  struct stat info;
  if (::lstat(options.path.c_str(), &info) == 0) {
    if (!S_ISSOCK(info.st_mode)) {
      return Status::FailedPrecondition(options.path +
                                        " exists and is not a socket; refusing to replace it");
    }
    ::unlink(options.path.c_str());
  }
  uv_pipe_init(loop, listener, 0);
  *initialized = true;
  int result = uv_pipe_bind(listener, options.path.c_str());
  if (result != 0) {
    return Status::IoError("bind " + options.path + ": " + uv_strerror(result));
  }
  if (::chmod(options.path.c_str(), options.mode) != 0) {
    return Status::FromErrno(errno, "chmod " + options.path);
  }
  if (!options.group.empty()) {
    struct group* entry = ::getgrnam(options.group.c_str());
    if (entry == nullptr) {
      return Status::InvalidArgument("socket_group \"" + options.group +
                                     "\" is not a group on this system");
    }
    if (::chown(options.path.c_str(), static_cast<uid_t>(-1), entry->gr_gid) != 0) {
      return Status::FromErrno(errno, "chown " + options.path);
    }
  }
  result = uv_listen(reinterpret_cast<uv_stream_t*>(listener), 512, on_connection);
  if (result != 0) {
    return Status::IoError("listen " + options.path + ": " + uv_strerror(result));
  }
  return Status::Ok();
}

}  // namespace backtrace::daemon
