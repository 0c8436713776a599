// DataDirectory: the daemon's hold on its data directory. Opening it takes an
// exclusive flock on <data_dir>/LOCK (held until the object is destroyed, or
// the process dies), creates the layout (catalog/, wal/, tables/, tmp/) and
// empties tmp/ (compactor staging left by a crash).
//
//   <data_dir>/LOCK
//   <data_dir>/catalog/         RocksDB
//   <data_dir>/wal/             WAL segments
//   <data_dir>/tables/<table id>/<block id>/<column index>.col
//   <data_dir>/tmp/             staging, emptied at start-up
//
// Owned by the daemon's main thread.
#pragma once

#include <string>

#include "common/base/file.h"
#include "common/base/status.h"

namespace backtrace::daemon {

class DataDirectory {
 public:
  // Takes the lock and prepares the layout. A directory locked by another
  // process is kFailedPrecondition with a message naming the directory and
  // the holder's pid when known.
  static Result<DataDirectory> Open(const std::string& path);

  DataDirectory(DataDirectory&& other) noexcept = default;
  DataDirectory& operator=(DataDirectory&&) = delete;
  DataDirectory(const DataDirectory&) = delete;
  ~DataDirectory() = default;

  const std::string& path() const { return path_; }
  std::string catalog_path() const { return path_ + "/catalog"; }
  std::string wal_path() const { return path_ + "/wal"; }
  std::string tables_path() const { return path_ + "/tables"; }
  std::string tmp_path() const { return path_ + "/tmp"; }
  std::string TablePath(uint64_t table_id) const;
  std::string BlockPath(uint64_t table_id, uint64_t block_id) const;

 private:
  DataDirectory(std::string path, io::File lock) : path_(std::move(path)), lock_(std::move(lock)) {}
  std::string path_;
  io::File lock_;
};

}  // namespace backtrace::daemon
