// HotBlockView: a read-only mapping of a hot block (hot_block_format.h) in a
// process that received its memfd: a compactor turning a frozen block into
// column files, or a query worker reading rows not yet persisted. The view
// covers exactly `row_count` rows, the count the daemon handed over with the
// descriptor; rows past it are never read.
//
// The view owns its mapping (and a duplicate of nothing: the caller keeps or
// closes the descriptor it passed). Immutable after Map; const methods may be
// called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/schema/column_type.h"
#include "common/schema/column_vector.h"

namespace backtrace::hot {

class HotBlockView {
 public:
  // Maps the memfd read-only and validates the header (magic, version,
  // column count, region bounds against the file size, string offsets of the
  // visible rows). A block that does not validate is kCorruption naming what
  // is wrong; a mapping failure is a resource or I/O error.
  static Result<std::unique_ptr<HotBlockView>> Map(int descriptor, uint64_t row_count);
  ~HotBlockView();
  HotBlockView(const HotBlockView&) = delete;
  HotBlockView& operator=(const HotBlockView&) = delete;

  uint64_t row_count() const { return row_count_; }
  uint64_t table_id() const { return table_id_; }
  uint64_t block_sequence() const { return block_sequence_; }
  size_t column_count() const { return types_.size(); }
  ColumnType type(size_t column) const { return types_[column]; }

  // Typed views of the visible rows; ask for the column type's storage.
  std::span<const int64_t> Int64s(size_t column) const;
  std::span<const uint64_t> UInt64s(size_t column) const;
  std::span<const double> Float64s(size_t column) const;
  // row_count + 1 offsets into StringBytes(column).
  std::span<const uint32_t> StringOffsets(size_t column) const;
  const char* StringBytes(size_t column) const;
  std::string_view StringAt(size_t column, uint64_t row) const;

  // Copies rows [first, first + count) of one column into `out` (appending).
  void CopyColumn(size_t column, uint64_t first, uint64_t count, ColumnVector* out) const;

 private:
  HotBlockView() = default;
  const uint8_t* base_ = nullptr;
  uint64_t mapped_bytes_ = 0;
  uint64_t row_count_ = 0;
  uint64_t table_id_ = 0;
  uint64_t block_sequence_ = 0;
  std::vector<ColumnType> types_;
  std::vector<uint64_t> data_offsets_;
  std::vector<uint64_t> bytes_offsets_;
};

}  // namespace backtrace::hot
