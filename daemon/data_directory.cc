#include "daemon/data_directory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "common/base/file.h"

namespace backtrace::daemon {

Result<DataDirectory> DataDirectory::Open(const std::string& path) {
  RETURN_IF_ERROR(io::CreateDirectories(path));
  std::string lock_path = path + "/LOCK";
  ASSIGN_OR_RETURN(io::File lock, io::OpenFile(lock_path, O_RDWR | O_CREAT));
  if (::flock(lock.descriptor(), LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    std::string holder;
    char buffer[32] = {};
    size_t bytes_read = 0;
    if (io::ReadAt(lock, 0, buffer, sizeof(buffer) - 1, &bytes_read).ok()) {
      holder.assign(buffer, bytes_read);
    }
    if (error == EWOULDBLOCK) {
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
      return Status::FailedPrecondition(
          "data directory " + path + " is in use by another backtraced" +
          (holder.empty() ? std::string() : " (pid " + holder + ")") +
          "; stop it or choose another --data-dir");
    }
    return Status::FromErrno(error, "lock " + lock_path);
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  RETURN_IF_ERROR(io::Truncate(lock, 0));
  RETURN_IF_ERROR(io::WriteAllAt(lock, 0, pid.data(), pid.size()));
  DataDirectory directory(path, std::move(lock));
  for (const char* name : {"/catalog", "/wal", "/tables", "/tmp"}) {
    RETURN_IF_ERROR(io::CreateDirectories(path + name));
  }
  ASSIGN_OR_RETURN(auto staged, io::ListDirectory(directory.tmp_path()));
  for (const auto& name : staged) {
    RETURN_IF_ERROR(io::RemoveTree(io::JoinPath(directory.tmp_path(), name)));
  }
  RETURN_IF_ERROR(io::SyncDirectory(path));
  return directory;
}

std::string DataDirectory::TablePath(uint64_t table_id) const {
  return tables_path() + "/" + std::to_string(table_id);
}

std::string DataDirectory::BlockPath(uint64_t table_id, uint64_t block_id) const {
  return TablePath(table_id) + "/" + std::to_string(block_id);
}

}  // namespace backtrace::daemon
