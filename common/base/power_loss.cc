#include "common/base/power_loss.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <vector>

#include "common/base/file_hooks.h"

namespace backtrace::power_loss {
namespace {

constexpr uint64_t kPageBytes = 4096;
// Rename targets larger than this are not saved (their undo keeps nothing).
constexpr uint64_t kLargestSavedTarget = uint64_t{64} << 20;

// One unsynced change to a file's data.
struct Change {
  uint64_t sequence = 0;  // order among all recorded changes
  bool truncate = false;
  uint64_t offset = 0;    // write offset, or the new size of a truncate
  uint64_t old_size = 0;  // size before the change
  std::string old_bytes;  // what it overwrote (writes) or cut off (truncates)
  std::string new_bytes;  // what a write wrote
};

struct TrackedFile {
  uint64_t order = 0;    // first seen, for a reproducible order
  int descriptor = -1;   // our own read-write descriptor of the inode
  std::string path;
  std::vector<Change> changes;  // since the last sync, oldest first
};

// An unsynced directory operation.
struct EntryChange {
  enum Kind { kCreate, kRename, kMakeDirectory } kind = kCreate;
  std::string path;    // created path, or rename target
  std::string from;    // rename source
  std::string parent;  // the directory whose fsync makes it durable
  bool target_saved = false;
  std::string target_bytes;
};

std::shared_mutex gate_mutex;  // shared by operations, exclusive to cut power
std::atomic<bool> session_active{false};
std::atomic<bool> power_is_off{false};  // set under gate_mutex, or by a sync cut
std::atomic<uint64_t> syncs_until_cut{0};  // 0: no cut pending

std::mutex state_mutex;  // guards what follows
std::string tracked_prefix;
std::map<std::pair<dev_t, ino_t>, TrackedFile> files;
std::vector<EntryChange> entries;
uint64_t next_order = 0;
uint64_t next_change = 1;

std::string Normal(const std::string& path) {
  return std::filesystem::path(path).lexically_normal().string();
}

std::string Parent(const std::string& path) {
  std::string parent = std::filesystem::path(Normal(path)).parent_path().string();
  return parent.empty() ? "." : parent;
}

bool Tracked(const std::string& path) {
  std::string normal = Normal(path);
  return normal.compare(0, tracked_prefix.size(), tracked_prefix) == 0;
}

// Reads [offset, offset + size) of the file open as `descriptor` (less at
// end of file).
std::string ReadRange(int descriptor, uint64_t offset, uint64_t size) {
  std::string bytes(size, '\0');
  uint64_t total = 0;
  while (total < size) {
    ssize_t got = ::pread(descriptor, bytes.data() + total, size - total,
                          static_cast<off_t>(offset + total));
    if (got <= 0) break;
    total += static_cast<uint64_t>(got);
  }
  bytes.resize(total);
  return bytes;
}

uint64_t SizeOf(int descriptor) {
  struct stat info;
  if (::fstat(descriptor, &info) != 0) return 0;
  return static_cast<uint64_t>(info.st_size);
}

// The tracked state of the file open as `descriptor`, created on first use
// (with a read-write descriptor of our own, through /proc, since the
// caller's may be write-only). Null when that fails. state_mutex held.
TrackedFile* FileFor(int descriptor, const std::string& path) {
  struct stat info;
  if (::fstat(descriptor, &info) != 0 || !S_ISREG(info.st_mode)) return nullptr;
  auto key = std::make_pair(info.st_dev, info.st_ino);
  auto found = files.find(key);
  if (found != files.end()) return &found->second;
  std::string proc = "/proc/self/fd/" + std::to_string(descriptor);
  int own = ::open(proc.c_str(), O_RDWR | O_CLOEXEC);
  if (own < 0) return nullptr;
  TrackedFile& file = files[key];
  file.order = next_order++;
  file.descriptor = own;
  file.path = path;
  return &file;
}

void WriteAt(int descriptor, uint64_t offset, std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t wrote = ::pwrite(descriptor, bytes.data() + done, bytes.size() - done,
                             static_cast<off_t>(offset + done));
    if (wrote <= 0) return;
    done += static_cast<size_t>(wrote);
  }
}

void Undo(int descriptor, const Change& change) {
  if (change.truncate) {
    if (::ftruncate(descriptor, static_cast<off_t>(change.old_size)) != 0) return;
    WriteAt(descriptor, change.offset, change.old_bytes);
    return;
  }
  WriteAt(descriptor, change.offset, change.old_bytes);
  if (::ftruncate(descriptor, static_cast<off_t>(change.old_size)) != 0) return;
}

enum class Fate { kLost, kKept, kPrefix, kPages, kGarbage, kZeros };
constexpr const char* kFateNames[] = {"lost", "kept", "prefix kept", "pages kept at random",
                                      "garbage", "zeros"};

// Rewrites one file: undoes every unsynced change, then redoes what the
// chosen fate keeps. Returns a description.
std::string Apply(TrackedFile& file, std::mt19937_64& random) {
  const int descriptor = file.descriptor;
  uint64_t unsynced = 0;
  for (const Change& change : file.changes) unsynced += change.new_bytes.size();
  for (auto change = file.changes.rbegin(); change != file.changes.rend(); ++change) {
    Undo(descriptor, *change);
  }
  Fate fate = static_cast<Fate>(std::uniform_int_distribution<int>(0, 5)(random));
  uint64_t budget = fate == Fate::kPrefix
                        ? std::uniform_int_distribution<uint64_t>(0, unsynced)(random)
                        : unsynced;
  std::map<uint64_t, bool> page_kept;
  uint64_t kept = 0;
  for (const Change& change : file.changes) {
    if (fate == Fate::kLost) break;
    if (change.truncate) {
      if (fate == Fate::kPrefix && budget == 0) break;
      if (::ftruncate(descriptor, static_cast<off_t>(change.offset)) != 0) break;
      continue;
    }
    std::string bytes = change.new_bytes;
    if (fate == Fate::kGarbage) {
      for (char& byte : bytes) byte = static_cast<char>(random());
    } else if (fate == Fate::kZeros) {
      std::fill(bytes.begin(), bytes.end(), '\0');
    } else if (fate == Fate::kPrefix) {
      bytes.resize(std::min<uint64_t>(bytes.size(), budget));
      budget -= bytes.size();
    }
    if (fate == Fate::kPages) {
      uint64_t position = change.offset;
      uint64_t end = change.offset + bytes.size();
      while (position < end) {
        uint64_t page = position / kPageBytes;
        uint64_t piece_end = std::min(end, (page + 1) * kPageBytes);
        auto [decision, fresh] = page_kept.try_emplace(page, false);
        if (fresh) decision->second = (random() & 1) != 0;
        if (decision->second) {
          WriteAt(descriptor, position,
                  std::string_view(bytes).substr(position - change.offset, piece_end - position));
          kept += piece_end - position;
        }
        position = piece_end;
      }
      continue;
    }
    WriteAt(descriptor, change.offset, bytes);
    kept += bytes.size();
    if (fate == Fate::kPrefix && budget == 0) break;
  }
  ::fsync(descriptor);
  return file.path + ": " + std::to_string(unsynced) + " unsynced bytes, " +
         kFateNames[static_cast<int>(fate)] + " (" + std::to_string(kept) + " rewritten)";
}

void UndoEntry(const EntryChange& entry) {
  std::error_code error;
  switch (entry.kind) {
    case EntryChange::kCreate:
      ::unlink(entry.path.c_str());
      break;
    case EntryChange::kMakeDirectory:
      std::filesystem::remove_all(entry.path, error);
      break;
    case EntryChange::kRename:
      if (::rename(entry.path.c_str(), entry.from.c_str()) != 0) break;
      if (entry.target_saved) {
        int descriptor = ::open(entry.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (descriptor >= 0) {
          WriteAt(descriptor, 0, entry.target_bytes);
          ::fsync(descriptor);
          ::close(descriptor);
        }
      }
      break;
  }
}

void EndSession() {
  for (auto& [key, file] : files) ::close(file.descriptor);
  files.clear();
  entries.clear();
  tracked_prefix.clear();
}

}  // namespace

#if defined(BACKTRACE_FAULT_INJECTION)

Status Start(const std::string& directory) {
  std::unique_lock<std::shared_mutex> gate(gate_mutex);
  std::lock_guard<std::mutex> lock(state_mutex);
  if (session_active.load()) return Status::FailedPrecondition("a power-loss session is running");
  tracked_prefix = Normal(directory);
  power_is_off = false;
  session_active.store(true, std::memory_order_release);
  return Status::Ok();
}

void CutPower() {
  std::unique_lock<std::shared_mutex> gate(gate_mutex);
  power_is_off = true;
}

void CutPowerAtSync(uint64_t nth) { syncs_until_cut.store(nth); }

bool PowerIsCut() { return power_is_off.load(); }

Outcome RestorePower(uint64_t seed) {
  std::unique_lock<std::shared_mutex> gate(gate_mutex);
  std::lock_guard<std::mutex> lock(state_mutex);
  Outcome outcome;
  std::mt19937_64 random(seed);
  std::vector<TrackedFile*> ordered;
  for (auto& [key, file] : files) {
    if (!file.changes.empty()) ordered.push_back(&file);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const TrackedFile* a, const TrackedFile* b) { return a->order < b->order; });
  for (TrackedFile* file : ordered) {
    ++outcome.files_changed;
    for (const Change& change : file->changes) outcome.unsynced_bytes += change.new_bytes.size();
    outcome.description += Apply(*file, random) + "\n";
  }
  outcome.directory_operations = entries.size();
  size_t keep = std::uniform_int_distribution<size_t>(0, entries.size())(random);
  for (size_t i = entries.size(); i > keep; --i) {
    const EntryChange& entry = entries[i - 1];
    UndoEntry(entry);
    ++outcome.directory_operations_undone;
    outcome.description += "undone: " +
                           std::string(entry.kind == EntryChange::kRename ? "rename " + entry.from + " to "
                                       : entry.kind == EntryChange::kCreate ? "create "
                                                                            : "mkdir ") +
                           entry.path + "\n";
  }
  EndSession();
  power_is_off = false;
  syncs_until_cut = 0;
  session_active.store(false, std::memory_order_release);
  return outcome;
}

void Stop() {
  std::unique_lock<std::shared_mutex> gate(gate_mutex);
  std::lock_guard<std::mutex> lock(state_mutex);
  EndSession();
  power_is_off = false;
  syncs_until_cut = 0;
  session_active.store(false, std::memory_order_release);
}

#else

Status Start(const std::string&) {
  return Status::NotSupported("power-loss simulation needs a build with fault injection");
}
void CutPower() {}
void CutPowerAtSync(uint64_t) {}
bool PowerIsCut() { return false; }
Outcome RestorePower(uint64_t) { return Outcome(); }
void Stop() {}

#endif

}  // namespace backtrace::power_loss

namespace backtrace::io::hooks {

using namespace backtrace::power_loss;  // NOLINT: this file's own internals

OperationGate::OperationGate() {
  if (!session_active.load(std::memory_order_acquire)) return;
  gate_mutex.lock_shared();
  locked_ = true;
  power_off_ = power_is_off;
  tracking_ = !power_off_ && session_active.load(std::memory_order_relaxed);
}

OperationGate::~OperationGate() {
  if (locked_) gate_mutex.unlock_shared();
}

Capture BeforeWrite(int descriptor, const std::string& path, int64_t offset, size_t size) {
  Capture capture;
  std::lock_guard<std::mutex> lock(state_mutex);
  if (!Tracked(path)) return capture;
  TrackedFile* file = FileFor(descriptor, path);
  if (file == nullptr) return capture;
  capture.active = true;
  capture.old_size = SizeOf(file->descriptor);
  if (offset < 0) {
    // At the caller's offset: the end for O_APPEND, else the current one.
    int flags = ::fcntl(descriptor, F_GETFL);
    off_t current = ::lseek(descriptor, 0, SEEK_CUR);
    offset = (flags >= 0 && (flags & O_APPEND) != 0) || current < 0
                 ? static_cast<int64_t>(capture.old_size)
                 : static_cast<int64_t>(current);
  }
  capture.offset = static_cast<uint64_t>(offset);
  if (capture.offset < capture.old_size) {
    capture.old_bytes = ReadRange(file->descriptor, capture.offset,
                                  std::min<uint64_t>(size, capture.old_size - capture.offset));
  }
  return capture;
}

void AfterWrite(int descriptor, const std::string& path, const Capture& capture, const void* data,
                size_t written) {
  if (!capture.active || written == 0) return;
  std::lock_guard<std::mutex> lock(state_mutex);
  TrackedFile* file = FileFor(descriptor, path);
  if (file == nullptr) return;
  Change change;
  change.offset = capture.offset;
  change.old_size = capture.old_size;
  change.old_bytes = capture.old_bytes.substr(0, written);
  change.new_bytes.assign(static_cast<const char*>(data), written);
  change.sequence = next_change++;
  file->changes.push_back(std::move(change));
}

Capture BeforeTruncate(int descriptor, const std::string& path, uint64_t new_size) {
  Capture capture;
  std::lock_guard<std::mutex> lock(state_mutex);
  if (!Tracked(path)) return capture;
  TrackedFile* file = FileFor(descriptor, path);
  if (file == nullptr) return capture;
  capture.active = true;
  capture.offset = new_size;
  capture.old_size = SizeOf(file->descriptor);
  if (new_size < capture.old_size) {
    capture.old_bytes = ReadRange(file->descriptor, new_size, capture.old_size - new_size);
  }
  return capture;
}

void AfterTruncate(int descriptor, const std::string& path, const Capture& capture) {
  if (!capture.active) return;
  std::lock_guard<std::mutex> lock(state_mutex);
  TrackedFile* file = FileFor(descriptor, path);
  if (file == nullptr) return;
  Change change;
  change.truncate = true;
  change.offset = capture.offset;
  change.old_size = capture.old_size;
  change.old_bytes = capture.old_bytes;
  change.sequence = next_change++;
  file->changes.push_back(std::move(change));
}

bool CutBeforeSync(const std::string& path) {
  if (syncs_until_cut.load() == 0) return false;
  {
    std::lock_guard<std::mutex> lock(state_mutex);
    if (!Tracked(path)) return false;
  }
  uint64_t left = syncs_until_cut.load();
  while (left > 0 && !syncs_until_cut.compare_exchange_weak(left, left - 1)) {
  }
  if (left != 1) return false;
  power_is_off = true;
  return true;
}

uint64_t SyncMark() {
  std::lock_guard<std::mutex> lock(state_mutex);
  return next_change;
}

void AfterSync(int descriptor, const std::string& path, uint64_t mark) {
  std::lock_guard<std::mutex> lock(state_mutex);
  if (!Tracked(path)) return;
  struct stat info;
  if (::fstat(descriptor, &info) != 0) return;
  auto found = files.find(std::make_pair(info.st_dev, info.st_ino));
  if (found == files.end()) return;
  std::erase_if(found->second.changes,
                [mark](const Change& change) { return change.sequence < mark; });
}

bool Exists(const std::string& path) {
  struct stat info;
  return ::lstat(path.c_str(), &info) == 0;
}

void AfterCreate(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_mutex);
  if (!Tracked(path)) return;
  EntryChange entry;
  entry.kind = EntryChange::kCreate;
  entry.path = Normal(path);
  entry.parent = Parent(path);
  entries.push_back(std::move(entry));
}

Capture BeforeRename(const std::string& from, const std::string& to) {
  Capture capture;
  std::lock_guard<std::mutex> lock(state_mutex);
  if (!Tracked(to)) return capture;
  capture.active = true;
  struct stat info;
  if (::stat(to.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
      static_cast<uint64_t>(info.st_size) <= kLargestSavedTarget) {
    int descriptor = ::open(to.c_str(), O_RDONLY | O_CLOEXEC);
    if (descriptor >= 0) {
      capture.old_bytes = ReadRange(descriptor, 0, static_cast<uint64_t>(info.st_size));
      capture.offset = 1;  // marks "target saved"
      ::close(descriptor);
    }
  }
  (void)from;
  return capture;
}

void AfterRename(const std::string& from, const std::string& to, const Capture& target) {
  if (!target.active) return;
  std::lock_guard<std::mutex> lock(state_mutex);
  EntryChange entry;
  entry.kind = EntryChange::kRename;
  entry.path = Normal(to);
  entry.from = Normal(from);
  entry.parent = Parent(to);
  entry.target_saved = target.offset == 1;
  entry.target_bytes = target.old_bytes;
  entries.push_back(std::move(entry));
}

void AfterSyncDirectory(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_mutex);
  std::string directory = Normal(path);
  std::erase_if(entries, [&](const EntryChange& entry) { return entry.parent == directory; });
}

std::string MissingDirectories(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_mutex);
  if (!Tracked(path)) return "";
  std::string missing;
  std::filesystem::path level = std::filesystem::path(Normal(path));
  std::vector<std::string> levels;
  while (!level.empty() && !Exists(level.string())) {
    levels.push_back(level.string());
    if (level == level.parent_path()) break;
    level = level.parent_path();
  }
  for (auto it = levels.rbegin(); it != levels.rend(); ++it) missing += *it + "\n";
  return missing;
}

void AfterMakeDirectories(const std::string& missing) {
  std::lock_guard<std::mutex> lock(state_mutex);
  size_t begin = 0;
  while (begin < missing.size()) {
    size_t end = missing.find('\n', begin);
    EntryChange entry;
    entry.kind = EntryChange::kMakeDirectory;
    entry.path = missing.substr(begin, end - begin);
    entry.parent = Parent(entry.path);
    if (Tracked(entry.path)) entries.push_back(std::move(entry));
    begin = end + 1;
  }
}

}  // namespace backtrace::io::hooks
