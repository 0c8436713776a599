#include "common/base/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

#if defined(BACKTRACE_FAULT_INJECTION)
#include "common/base/file_hooks.h"
#endif

namespace backtrace::io {
namespace {

#if defined(BACKTRACE_FAULT_INJECTION)
using fault::Operation;

Status Injected(int error_number, std::string_view what) {
  return Status::FromErrno(error_number, std::string(what) + " (injected fault)");
}

Status PowerOff(std::string_view what) {
  return Status::FromErrno(EIO, std::string(what) + " (power is cut)");
}

// Fails the calling function when power is cut or a rule fires. Declares
// `gate`, which the function holds until it returns.
#define FAULT_GATE(operation, path, what)                                      \
  hooks::OperationGate gate;                                                   \
  if (gate.power_off()) return PowerOff(what);                                 \
  if (int injected = hooks::InjectedError(operation, path); injected != 0) {   \
    return Injected(injected, what);                                           \
  }
#define FAULT_GATE_ONLY(what)                  \
  hooks::OperationGate gate;                   \
  if (gate.power_off()) return PowerOff(what);
#else
#define FAULT_GATE(operation, path, what)
#define FAULT_GATE_ONLY(what)
#endif

// write(2) or pwrite(2) (offset >= 0) of all of data, looping over short
// writes and EINTR.
Status WriteLoop(const File& file, int64_t offset, const void* data, size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  size_t allowed = size;
  int injected = 0;
#if defined(BACKTRACE_FAULT_INJECTION)
  FAULT_GATE_ONLY("write " + file.path());
  bool partial = false;
  injected = hooks::InjectedError(Operation::kWrite, file.path(), &partial);
  if (injected != 0) allowed = partial ? size / 2 : 0;
  hooks::Capture capture;
  if (gate.tracking()) capture = hooks::BeforeWrite(file.descriptor(), file.path(), offset, allowed);
#endif
  size_t done = 0;
  Status status;
  while (done < allowed) {
    ssize_t written =
        offset >= 0 ? ::pwrite(file.descriptor(), bytes + done, allowed - done,
                               static_cast<off_t>(static_cast<uint64_t>(offset) + done))
                    : ::write(file.descriptor(), bytes + done, allowed - done);
    if (written < 0) {
      if (errno == EINTR) continue;
      status = Status::FromErrno(errno, "write " + file.path());
      break;
    }
    done += static_cast<size_t>(written);
  }
#if defined(BACKTRACE_FAULT_INJECTION)
  if (gate.tracking()) hooks::AfterWrite(file.descriptor(), file.path(), capture, bytes, done);
  if (status.ok() && injected != 0) return Injected(injected, "write " + file.path());
#endif
  (void)injected;
  return status;
}

}  // namespace

File::File(File&& other) noexcept
    : descriptor_(other.descriptor_), path_(std::move(other.path_)) {
  other.descriptor_ = -1;
}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (descriptor_ >= 0) ::close(descriptor_);
    descriptor_ = other.descriptor_;
    path_ = std::move(other.path_);
    other.descriptor_ = -1;
  }
  return *this;
}

File::~File() {
  if (descriptor_ >= 0) ::close(descriptor_);
}

Status File::Close() {
  if (descriptor_ < 0) return Status::Ok();
  int result = ::close(descriptor_);
  descriptor_ = -1;
  if (result != 0) return Status::FromErrno(errno, "close " + path_);
  return Status::Ok();
}

Result<File> OpenFile(const std::string& path, int flags, mode_t mode) {
  FAULT_GATE(Operation::kOpen, path, "open " + path);
#if defined(BACKTRACE_FAULT_INJECTION)
  bool existed = true;
  hooks::Capture truncated;
  if (gate.tracking() && (flags & O_CREAT) != 0) existed = hooks::Exists(path);
  if (gate.tracking() && existed && (flags & O_TRUNC) != 0 && (flags & O_ACCMODE) != O_RDONLY) {
    // Opening truncates: capture what it cuts off through a second descriptor.
    int existing = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (existing >= 0) {
      truncated = hooks::BeforeTruncate(existing, path, 0);
      ::close(existing);
    }
  }
#endif
  int descriptor;
  do {
    descriptor = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (descriptor < 0 && errno == EINTR);
  if (descriptor < 0) return Status::FromErrno(errno, "open " + path);
#if defined(BACKTRACE_FAULT_INJECTION)
  if (gate.tracking() && !existed) hooks::AfterCreate(path);
  if (gate.tracking() && truncated.active) hooks::AfterTruncate(descriptor, path, truncated);
#endif
  return File(descriptor, path);
}

Status WriteAll(const File& file, const void* data, size_t size) {
  return WriteLoop(file, -1, data, size);
}

Status WriteAllAt(const File& file, uint64_t offset, const void* data, size_t size) {
  return WriteLoop(file, static_cast<int64_t>(offset), data, size);
}

Status ReadAt(const File& file, uint64_t offset, void* buffer, size_t size, size_t* bytes_read) {
  *bytes_read = 0;
  FAULT_GATE(Operation::kRead, file.path(), "read " + file.path());
  auto* bytes = static_cast<uint8_t*>(buffer);
  size_t total = 0;
  while (total < size) {
    ssize_t got = ::pread(file.descriptor(), bytes + total, size - total,
                          static_cast<off_t>(offset + total));
    if (got < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "read " + file.path());
    }
    if (got == 0) break;
    total += static_cast<size_t>(got);
  }
  *bytes_read = total;
  return Status::Ok();
}

Status Read(const File& file, void* buffer, size_t size, size_t* bytes_read) {
  *bytes_read = 0;
  FAULT_GATE(Operation::kRead, file.path(), "read " + file.path());
  ssize_t got;
  do {
    got = ::read(file.descriptor(), buffer, size);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    *bytes_read = 0;
    return Status::FromErrno(errno, "read " + file.path());
  }
  *bytes_read = static_cast<size_t>(got);
  return Status::Ok();
}

Status SyncData(const File& file) {
  FAULT_GATE(Operation::kSync, file.path(), "fdatasync " + file.path());
#if defined(BACKTRACE_FAULT_INJECTION)
  if (gate.tracking() && hooks::CutBeforeSync(file.path())) {
    return PowerOff("fdatasync " + file.path());
  }
  uint64_t mark = gate.tracking() ? hooks::SyncMark() : 0;
#endif
  if (::fdatasync(file.descriptor()) != 0) {
    return Status::FromErrno(errno, "fdatasync " + file.path());
  }
#if defined(BACKTRACE_FAULT_INJECTION)
  if (gate.tracking()) hooks::AfterSync(file.descriptor(), file.path(), mark);
#endif
  return Status::Ok();
}

Status SyncAll(const File& file) {
  FAULT_GATE(Operation::kSync, file.path(), "fsync " + file.path());
#if defined(BACKTRACE_FAULT_INJECTION)
  if (gate.tracking() && hooks::CutBeforeSync(file.path())) {
    return PowerOff("fsync " + file.path());
  }
  uint64_t mark = gate.tracking() ? hooks::SyncMark() : 0;
#endif
  if (::fsync(file.descriptor()) != 0) return Status::FromErrno(errno, "fsync " + file.path());
#if defined(BACKTRACE_FAULT_INJECTION)
  if (gate.tracking()) hooks::AfterSync(file.descriptor(), file.path(), mark);
#endif
  return Status::Ok();
}

Status SyncDirectory(const std::string& path) {
  ASSIGN_OR_RETURN(File directory, OpenFile(path, O_RDONLY | O_DIRECTORY));
  FAULT_GATE(Operation::kSyncDirectory, path, "fsync directory " + path);
  if (::fsync(directory.descriptor()) != 0) {
    return Status::FromErrno(errno, "fsync directory " + path);
  }
#if defined(BACKTRACE_FAULT_INJECTION)
  if (gate.tracking()) hooks::AfterSyncDirectory(path);
#endif
  return directory.Close();
}

Result<uint64_t> FileSize(const File& file) {
  FAULT_GATE_ONLY("stat " + file.path());
  struct stat info;
  if (::fstat(file.descriptor(), &info) != 0) return Status::FromErrno(errno, "stat " + file.path());
  return static_cast<uint64_t>(info.st_size);
}

Status Truncate(const File& file, uint64_t size) {
  FAULT_GATE(Operation::kTruncate, file.path(), "truncate " + file.path());
#if defined(BACKTRACE_FAULT_INJECTION)
  hooks::Capture capture;
  if (gate.tracking()) capture = hooks::BeforeTruncate(file.descriptor(), file.path(), size);
#endif
  if (::ftruncate(file.descriptor(), static_cast<off_t>(size)) != 0) {
    return Status::FromErrno(errno, "truncate " + file.path());
  }
#if defined(BACKTRACE_FAULT_INJECTION)
  if (gate.tracking()) hooks::AfterTruncate(file.descriptor(), file.path(), capture);
#endif
  return Status::Ok();
}

Status RenameFile(const std::string& from, const std::string& to) {
  FAULT_GATE(Operation::kRename, to, "rename " + from + " to " + to);
#if defined(BACKTRACE_FAULT_INJECTION)
  hooks::Capture target;
  if (gate.tracking()) target = hooks::BeforeRename(from, to);
#endif
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return Status::FromErrno(errno, "rename " + from + " to " + to);
  }
#if defined(BACKTRACE_FAULT_INJECTION)
  if (gate.tracking()) hooks::AfterRename(from, to, target);
#endif
  return Status::Ok();
}

Status RemoveFile(const std::string& path) {
  FAULT_GATE(Operation::kRemove, path, "remove " + path);
  if (::unlink(path.c_str()) != 0) return Status::FromErrno(errno, "remove " + path);
  return Status::Ok();
}

Status RemoveTree(const std::string& path) {
  FAULT_GATE(Operation::kRemove, path, "remove " + path);
  std::error_code error;
  std::filesystem::remove_all(path, error);
  if (error) return Status::FromErrno(error.value(), "remove " + path);
  return Status::Ok();
}

Status CreateDirectories(const std::string& path) {
  FAULT_GATE(Operation::kMakeDirectory, path, "create directory " + path);
#if defined(BACKTRACE_FAULT_INJECTION)
  std::string missing;
  if (gate.tracking()) missing = hooks::MissingDirectories(path);
#endif
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) return Status::FromErrno(error.value(), "create directory " + path);
#if defined(BACKTRACE_FAULT_INJECTION)
  if (gate.tracking() && !missing.empty()) hooks::AfterMakeDirectories(missing);
#endif
  return Status::Ok();
}

bool PathExists(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0;
}

Result<std::vector<std::string>> ListDirectory(const std::string& path) {
  FAULT_GATE(Operation::kOpen, path, "list directory " + path);
  DIR* directory = ::opendir(path.c_str());
  if (directory == nullptr) return Status::FromErrno(errno, "list directory " + path);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* entry = ::readdir(directory)) {
    std::string_view name(entry->d_name);
    if (name != "." && name != "..") names.emplace_back(name);
  }
  int error = errno;
  ::closedir(directory);
  if (error != 0) return Status::FromErrno(error, "list directory " + path);
  std::sort(names.begin(), names.end());
  return names;
}

Status WriteFileDurably(const std::string& path, std::string_view data) {
  std::string temporary = path + ".tmp";
  auto write_and_sync = [&]() -> Status {
    ASSIGN_OR_RETURN(File file, OpenFile(temporary, O_WRONLY | O_CREAT | O_TRUNC));
    RETURN_IF_ERROR(WriteAll(file, data.data(), data.size()));
    RETURN_IF_ERROR(SyncAll(file));
    return file.Close();
  };
  Status status = write_and_sync();
  if (status.ok()) status = RenameFile(temporary, path);
  if (!status.ok()) {
    ::unlink(temporary.c_str());
    return status;
  }
  std::string directory = std::filesystem::path(path).parent_path().string();
  return SyncDirectory(directory.empty() ? "." : directory);
}

Result<std::string> ReadWholeFile(const std::string& path) {
  ASSIGN_OR_RETURN(File file, OpenFile(path, O_RDONLY));
  ASSIGN_OR_RETURN(uint64_t size, FileSize(file));
  std::string contents(size, '\0');
  size_t bytes_read = 0;
  RETURN_IF_ERROR(ReadAt(file, 0, contents.data(), contents.size(), &bytes_read));
  contents.resize(bytes_read);
  return contents;
}

Result<MappedFile> MappedFile::Open(const std::string& path) {
  {
    FAULT_GATE(Operation::kMap, path, "mmap " + path);
  }
  ASSIGN_OR_RETURN(File file, OpenFile(path, O_RDONLY));
  ASSIGN_OR_RETURN(uint64_t size, FileSize(file));
  MappedFile mapped;
  mapped.path_ = path;
  mapped.size_ = static_cast<size_t>(size);
  if (size == 0) return mapped;
  void* address = ::mmap(nullptr, mapped.size_, PROT_READ, MAP_PRIVATE, file.descriptor(), 0);
  if (address == MAP_FAILED) return Status::FromErrno(errno, "mmap " + path);
  mapped.data_ = static_cast<const uint8_t*>(address);
  return mapped;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(other.data_), size_(other.size_), path_(std::move(other.path_)) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
    data_ = other.data_;
    size_ = other.size_;
    path_ = std::move(other.path_);
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

std::string JoinPath(std::string_view directory, std::string_view name) {
  std::string path(directory);
  if (!path.empty() && path.back() != '/') path += '/';
  path += name;
  return path;
}

}  // namespace backtrace::io
