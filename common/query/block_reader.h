// BlockReader: the column files of one persisted block as a scan reads
// them — opened on first use through the TableSource, checked against the
// schema (type, row count) and against each other (the same granule
// boundaries), and decoded one granule at a time into buffers it reuses.
//
// Used by one thread; the TableSource and BlockMeta must outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/base/status.h"
#include "common/column/column_file_reader.h"
#include "common/query/column_slice.h"
#include "common/query/query_engine.h"

namespace backtrace::query {

class BlockReader {
 public:
  BlockReader(TableSource& source, const BlockMeta& block, const TableSchema& schema,
              uint64_t* next_file_serial);

  // The reader of schema column `column`, opened on first use. kCorruption
  // naming the block and column when the file's type, row count or granule
  // layout does not match.
  [[nodiscard]] Result<const column::ColumnFileReader*> Reader(size_t column);

  // Granules of the block (from the first file opened; 0 before).
  size_t granule_count() const { return granule_count_; }
  uint64_t granule_first_row(size_t granule) const { return first_rows_[granule]; }
  uint32_t granule_rows(size_t granule) const { return granule_rows_[granule]; }

  // The values of `column` in `granule`, decoded once per granule.
  [[nodiscard]] Result<ColumnSlice> Decode(size_t column, size_t granule);
  // Dictionary codes of a dictionary-encoded string column in `granule`;
  // nullptr codes when the file has no dictionary.
  [[nodiscard]] Status Codes(size_t column, size_t granule, const uint32_t** codes,
                             const StringValues** dictionary, uint64_t* file_serial);

  const BlockMeta& block() const { return block_; }

 private:
  struct ColumnState {
    std::unique_ptr<column::ColumnFileReader> reader;
    uint64_t file_serial = 0;
    std::unique_ptr<ColumnVector> decoded;
    size_t decoded_granule = SIZE_MAX;
    std::vector<uint32_t> codes;
    size_t codes_granule = SIZE_MAX;
  };

  Status Mismatch(size_t column, const std::string& what) const;

  TableSource& source_;
  const BlockMeta& block_;
  const TableSchema& schema_;
  uint64_t* next_file_serial_;
  std::vector<ColumnState> columns_;
  size_t granule_count_ = 0;
  bool layout_known_ = false;
  std::vector<uint64_t> first_rows_;
  std::vector<uint32_t> granule_rows_;
};

}  // namespace backtrace::query
