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
  int descriptor = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (descriptor < 0) return Status::FromErrno(errno, "open " + lock_path);
  if (::flock(descriptor, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    std::string holder;
    char buffer[32] = {};
    if (::pread(descriptor, buffer, sizeof(buffer) - 1, 0) > 0) holder = buffer;
    ::close(descriptor);
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
  if (::ftruncate(descriptor, 0) != 0 ||
      ::pwrite(descriptor, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    int error = errno;
    ::close(descriptor);
    return Status::FromErrno(error, "write " + lock_path);
  }
  DataDirectory directory(path, descriptor);
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

DataDirectory::DataDirectory(DataDirectory&& other) noexcept
    : path_(std::move(other.path_)), lock_descriptor_(other.lock_descriptor_) {
  other.lock_descriptor_ = -1;
}

DataDirectory::~DataDirectory() {
  if (lock_descriptor_ >= 0) ::close(lock_descriptor_);
}

std::string DataDirectory::TablePath(uint64_t table_id) const {
  return tables_path() + "/" + std::to_string(table_id);
}

std::string DataDirectory::BlockPath(uint64_t table_id, uint64_t block_id) const {
  return TablePath(table_id) + "/" + std::to_string(block_id);
}

}  // namespace backtrace::daemon
