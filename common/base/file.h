// The file layer: every file operation of BacktraceDB goes through these
// functions, so that errors are reported one way (a Status naming the path and
// the system's reason) and so that test builds can inject faults beneath
// them. Nothing here retries a failed fsync: the caller decides what a failed
// sync means, and for the WAL it is fatal.
//
// File and MappedFile own their descriptor / mapping and release it in their
// destructor. They are move-only. Distinct objects may be used from distinct
// threads; one object is not synchronised.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace backtrace::io {

class File {
 public:
  File() = default;
  File(int descriptor, std::string path) : descriptor_(descriptor), path_(std::move(path)) {}
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  bool is_open() const { return descriptor_ >= 0; }
  int descriptor() const { return descriptor_; }
  const std::string& path() const { return path_; }

  // Closes the descriptor; an error from close(2) is returned (a close can
  // report a deferred write error).
  Status Close();

 private:
  int descriptor_ = -1;
  std::string path_;
};

// open(2) with O_CLOEXEC added. Errors name the path.
Result<File> OpenFile(const std::string& path, int flags, mode_t mode = 0644);

// Writes all of data at the current offset (loops over short writes and
// EINTR). On error part of the data may have been written.
Status WriteAll(const File& file, const void* data, size_t size);

// Writes all of data at `offset`.
Status WriteAllAt(const File& file, uint64_t offset, const void* data, size_t size);

// Reads up to size bytes at offset; *bytes_read is less than size only at end
// of file.
Status ReadAt(const File& file, uint64_t offset, void* buffer, size_t size, size_t* bytes_read);

// Reads up to size bytes at the current offset of a file, pipe or terminal
// (one read(2), retried on EINTR). *bytes_read is 0 only at end of input; it
// may be less than size otherwise (a pipe returns what it holds).
Status Read(const File& file, void* buffer, size_t size, size_t* bytes_read);

// fdatasync(2) / fsync(2). Never retried here.
Status SyncData(const File& file);
Status SyncAll(const File& file);

// Opens the directory and fsyncs it, making renames and creations in it
// durable.
Status SyncDirectory(const std::string& path);

Result<uint64_t> FileSize(const File& file);
Status Truncate(const File& file, uint64_t size);
Status RenameFile(const std::string& from, const std::string& to);
Status RemoveFile(const std::string& path);
// Removes a directory tree; a missing path is not an error.
Status RemoveTree(const std::string& path);
// mkdir -p; existing directories are not an error.
Status CreateDirectories(const std::string& path);
bool PathExists(const std::string& path);
// Names of the entries of a directory (without "." and ".."), sorted.
Result<std::vector<std::string>> ListDirectory(const std::string& path);

// Writes data to `<path>.tmp`, fsyncs it, renames it to path and fsyncs the
// directory. On error the temporary file is removed and path is unchanged.
Status WriteFileDurably(const std::string& path, std::string_view data);

// Reads a whole file into memory.
Result<std::string> ReadWholeFile(const std::string& path);

// A read-only private mapping of a whole file. An empty file maps to an empty
// span. mmap failures with ENOMEM are reported as resource exhaustion, not
// corruption.
class MappedFile {
 public:
  static Result<MappedFile> Open(const std::string& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// Joins two path parts with one '/'.
std::string JoinPath(std::string_view directory, std::string_view name);

}  // namespace backtrace::io
