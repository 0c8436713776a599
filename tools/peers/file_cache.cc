#include "tools/peers/file_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace backtrace::peers {

bool MeasureFiles(const std::vector<std::string>& paths, FileFootprint* footprint, std::string* error) {
  *footprint = {};
  for (const std::string& path : paths) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
      if (errno == ENOENT) continue;
      *error = path + ": stat: " + std::strerror(errno);
      return false;
    }
    ++footprint->files;
    footprint->apparent_bytes += static_cast<uint64_t>(info.st_size);
    footprint->allocated_bytes += static_cast<uint64_t>(info.st_blocks) * 512;
  }
  return true;
}

bool ParseColdMethod(std::string_view text, ColdMethod* method) {
  if (text == "none") {
    *method = ColdMethod::kNone;
  } else if (text == "fadvise") {
    *method = ColdMethod::kFadvise;
  } else if (text == "drop-caches") {
    *method = ColdMethod::kDropCaches;
  } else {
    return false;
  }
  return true;
}

std::string_view ColdMethodName(ColdMethod method) {
  switch (method) {
    case ColdMethod::kNone: return "none";
    case ColdMethod::kFadvise: return "fadvise";
    case ColdMethod::kDropCaches: return "drop-caches";
  }
  return "none";
}

bool DropFileCache(const std::vector<std::string>& paths, ColdMethod method, std::string* error) {
  if (method == ColdMethod::kNone) return true;
  if (method == ColdMethod::kDropCaches) {
    ::sync();
    int fd = ::open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      *error = std::string("/proc/sys/vm/drop_caches: ") + std::strerror(errno);
      return false;
    }
    bool written = ::write(fd, "1", 1) == 1;
    int saved_errno = errno;
    ::close(fd);
    if (!written) {
      *error = std::string("/proc/sys/vm/drop_caches: write: ") + std::strerror(saved_errno);
      return false;
    }
    return true;
  }
  for (const std::string& path : paths) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) continue;
      *error = path + ": open: " + std::strerror(errno);
      return false;
    }
    // Dirty pages are not dropped, so write them back first.
    if (::fsync(fd) != 0) {
      *error = path + ": fsync: " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    int advice = ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
    if (advice != 0) {
      *error = path + ": posix_fadvise(DONTNEED): " + std::strerror(advice);
      return false;
    }
  }
  return true;
}

uint64_t ResidentBytes(const std::vector<std::string>& paths) {
  uint64_t resident = 0;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  for (const std::string& path : paths) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat info {};
    if (::fstat(fd, &info) != 0 || info.st_size == 0) {
      ::close(fd);
      continue;
    }
    size_t length = static_cast<size_t>(info.st_size);
    void* mapping = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (mapping == MAP_FAILED) continue;
    std::vector<unsigned char> pages((length + page - 1) / page);
    if (::mincore(mapping, length, pages.data()) == 0) {
      for (unsigned char flags : pages) resident += (flags & 1) ? page : 0;
    }
    ::munmap(mapping, length);
  }
  return resident;
}

}  // namespace backtrace::peers
