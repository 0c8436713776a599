// What the peer databases occupy on disk and in the page cache: the bytes of
// a database's files, and dropping those files from the page cache before a
// cold query run.
//
// Stateless functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace backtrace::peers {

struct FileFootprint {
  uint64_t files = 0;            // how many of the given paths exist
  uint64_t apparent_bytes = 0;   // st_size
  uint64_t allocated_bytes = 0;  // st_blocks * 512: what the file system holds
};

// Adds up the files among `paths` that exist; a missing path counts as empty.
// False with *error on any other stat failure.
bool MeasureFiles(const std::vector<std::string>& paths, FileFootprint* footprint, std::string* error);

enum class ColdMethod {
  kNone,        // no dropping: "cold" is only the first run after opening the database
  kFadvise,     // fsync + posix_fadvise(DONTNEED) on each database file (no privilege needed)
  kDropCaches,  // sync + write 1 to /proc/sys/vm/drop_caches (root; drops the whole machine's cache)
};

// Parses "none", "fadvise" or "drop-caches"; false for anything else.
bool ParseColdMethod(std::string_view text, ColdMethod* method);
std::string_view ColdMethodName(ColdMethod method);

// Drops the page-cache pages of the existing files among `paths` with
// `method`. False with *error when the method is not possible here (e.g.
// /proc/sys/vm/drop_caches not writable) or a file cannot be synced.
bool DropFileCache(const std::vector<std::string>& paths, ColdMethod method, std::string* error);

// Bytes of the existing files among `paths` now resident in the page cache
// (mmap + mincore); used to show that a drop worked.
uint64_t ResidentBytes(const std::vector<std::string>& paths);

}  // namespace backtrace::peers
