#include "common/fsck/fsck.h"

#include <fcntl.h>
#include <sys/file.h>

#include <set>

#include "common/base/file.h"
#include "common/catalog/catalog.h"
#include "common/column/column_file_reader.h"
#include "common/wal/wal_replay.h"

namespace backtrace::fsck {
namespace {

// Refuses to run beside a live daemon: its lock is held.
Status CheckNotLocked(const std::string& data_dir) {
  std::string lock_path = data_dir + "/LOCK";
  Result<io::File> lock = io::OpenFile(lock_path, O_RDONLY);
  if (!lock.ok()) return Status::Ok();
  bool locked = ::flock(lock->descriptor(), LOCK_EX | LOCK_NB) != 0;
  if (locked) {
    return Status::FailedPrecondition("data directory " + data_dir +
                                      " is in use by a running backtraced; stop it first");
  }
  return Status::Ok();
}

void CheckColumnFile(const std::string& path, const BlockMeta& block, const ColumnStats& stats,
                     ColumnType type, FsckReport* report) {
  auto reader = column::ColumnFileReader::Open(path);
  if (!reader.ok()) {
    report->faults.push_back(reader.status().ToString());
    return;
  }
  ++report->column_files;
  const auto& file = **reader;
  std::string block_name = "block " + std::to_string(block.block_id);
  if (file.type() != type) {
    report->faults.push_back(path + ": type differs from the table schema");
    return;
  }
  if (file.rows() != block.row_count) {
    report->faults.push_back(path + ": holds " + std::to_string(file.rows()) + " rows; the catalog says " +
                             std::to_string(block.row_count) + " for " + block_name);
  }
  auto size = io::OpenFile(path, O_RDONLY);
  if (size.ok()) {
    auto bytes = io::FileSize(*size);
    if (bytes.ok() && *bytes != stats.file_bytes) {
      report->faults.push_back(path + ": is " + std::to_string(*bytes) +
                               " bytes; the catalog says " + std::to_string(stats.file_bytes));
    }
  }
  ColumnVector values(type);
  for (size_t granule = 0; granule < file.granule_count(); ++granule) {
    values.Clear();
    Status read = file.ReadGranule(granule, &values);
    if (!read.ok()) {
      report->faults.push_back(read.ToString());
      continue;
    }
    ++report->granules;
  }
  auto summary = file.summary();
  if (summary.min && summary.max && !summary.min_truncated && !summary.max_truncated &&
      (*summary.min != stats.min || *summary.max != stats.max)) {
    bool both_nan = type == ColumnType::kFloat64 && stats.min != stats.min;
    if (!both_nan) {
      report->faults.push_back(path + ": min/max differ from the catalog entry of " + block_name);
    }
  }
}

}  // namespace

Result<FsckReport> CheckDataDirectory(const std::string& data_dir) {
  RETURN_IF_ERROR(CheckNotLocked(data_dir));
  std::string catalog_path = data_dir + "/catalog";
  if (!io::PathExists(catalog_path)) {
    return Status::NotFound(data_dir + " is not a BacktraceDB data directory (no catalog/)");
  }
  ASSIGN_OR_RETURN(auto catalog, Catalog::OpenPrimary(catalog_path));
  FsckReport report;
  ASSIGN_OR_RETURN(uint64_t sequence, catalog->CurrentSequence());
  ASSIGN_OR_RETURN(auto tables, catalog->ListTables());
  std::set<std::string> known_directories;
  for (const TableInfo& table : tables) {
    ++report.tables;
    std::string table_path = data_dir + "/tables/" + std::to_string(table.table_id);
    known_directories.insert(table_path);
    auto blocks = catalog->AllBlocks(table.table_id, sequence);
    if (!blocks.ok()) {
      report.faults.push_back(blocks.status().ToString());
      continue;
    }
    for (const BlockMeta& block : *blocks) {
      ++report.blocks;
      report.rows += block.row_count;
      std::string block_path = table_path + "/" + std::to_string(block.block_id);
      known_directories.insert(block_path);
      for (const ColumnStats& stats : block.columns) {
        if (stats.column_index >= table.schema.columns.size()) {
          report.faults.push_back("block " + std::to_string(block.block_id) +
                                  " has statistics for a column the schema lacks");
          continue;
        }
        const auto& column = table.schema.columns[stats.column_index];
        CheckColumnFile(block_path + "/" + column.name + ".col", block, stats, column.type,
                        &report);
      }
    }
  }
  // Retired blocks may keep their directories until they are purged.
  auto retired = catalog->ListRetiredBlocks(sequence);
  if (retired.ok()) {
    for (const BlockMeta& block : *retired) {
      known_directories.insert(data_dir + "/tables/" + std::to_string(block.table_id) + "/" +
                               std::to_string(block.block_id));
    }
  }
  auto table_directories = io::ListDirectory(data_dir + "/tables");
  if (table_directories.ok()) {
    for (const auto& table_name : *table_directories) {
      std::string table_path = data_dir + "/tables/" + table_name;
      if (known_directories.count(table_path) == 0) {
        report.notes.push_back(table_path + " belongs to no table (removed at the next start)");
        continue;
      }
      auto block_directories = io::ListDirectory(table_path);
      if (!block_directories.ok()) continue;
      for (const auto& block_name : *block_directories) {
        std::string block_path = table_path + "/" + block_name;
        if (known_directories.count(block_path) == 0) {
          report.notes.push_back(block_path +
                                 " was never committed (left by an interrupted compaction; "
                                 "removed at the next start)");
        }
      }
    }
  }
  ASSIGN_OR_RETURN(uint64_t checkpoint, catalog->GetWalCheckpoint());
  wal::ReplayReport replay;
  Status replayed = wal::Replay(
      data_dir + "/wal", checkpoint == 0 ? 1 : checkpoint,
      [&](uint64_t, uint8_t, std::string_view) -> Status {
        ++report.wal_records;
        return Status::Ok();
      },
      /*repair_torn_tail=*/false, &replay);
  if (!replayed.ok()) {
    report.faults.push_back("WAL: " + replayed.ToString());
  } else if (replay.torn_bytes_cut > 0) {
    report.notes.push_back("WAL: a torn tail of " + std::to_string(replay.torn_bytes_cut) +
                           " bytes at " + replay.torn_segment + " offset " +
                           std::to_string(replay.torn_offset) +
                           " (never acknowledged; cut at the next start)");
  }
  return report;
}

}  // namespace backtrace::fsck
