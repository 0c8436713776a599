// HotBlock: the writer side of a hot block (see hot_block_format.h). The
// daemon creates one per table when rows arrive, appends durable rows to it,
// and freezes it when it is full or old; the frozen block's memfd is then
// handed to a compactor, and live or frozen blocks to query workers, who map
// it read-only through HotBlockView.
//
// Regions are reserved at creation (the memfd is sparse: untouched pages cost
// nothing), so appends are plain memcpy into mapped memory and never move
// data; the pages a little ahead of the rows are mapped in with one
// MADV_POPULATE_WRITE per megabyte rather than a page fault per page. Rows
// of one append land at once: readers use only the row count the daemon
// hands them, which it advances after the bytes are written.
//
// Owned by the daemon's event-loop thread; not synchronised. Other processes
// read the pages concurrently, which is safe because written rows never
// change and the visible count is published through a socket.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/schema/column_type.h"

namespace backtrace::hot {

class HotBlock {
 public:
  // Creates the memfd, sizes it and maps it. Errors (memfd_create, ftruncate,
  // mmap) are resource or I/O errors naming the block.
  static Result<std::unique_ptr<HotBlock>> Create(uint64_t table_id, uint64_t block_sequence,
                                                  std::vector<ColumnType> types,
                                                  uint64_t capacity_rows,
                                                  uint64_t string_bytes_capacity);
  ~HotBlock();
  HotBlock(const HotBlock&) = delete;
  HotBlock& operator=(const HotBlock&) = delete;

  // Whether `rows` more rows fit, given the string bytes each string column
  // would add (indexed by column; ignored for fixed-width columns).
  bool Fits(uint64_t rows, std::span<const uint64_t> string_bytes_per_column) const;

  // Copies `rows` fixed-width values (8 bytes each) to the end of column
  // `column`. The caller checked Fits and appends every column of the batch,
  // then calls CommitRows.
  void AppendFixed(size_t column, const void* values, uint64_t rows);
  // Appends `rows` strings given as rows + 1 offsets (relative to `bytes`,
  // starting anywhere, monotonic) into `bytes`.
  void AppendStrings(size_t column, const uint32_t* offsets, const uint8_t* bytes, uint64_t rows);
  // Makes the appended rows part of the block.
  void CommitRows(uint64_t rows);

  // Turns the block into a new, empty one (of the same types and
  // capacities) for table_id and block_sequence, keeping its memfd and its
  // pages: none has to be allocated and faulted in again. Only for a block
  // that no other process maps any more — the daemon reuses a block once its
  // compaction is committed and it holds the only reference; whoever hands
  // the memfd to another process keeps a reference until that process has
  // unmapped it. Bytes past the new row count are stale; readers never look
  // past the row count they are handed.
  void Reuse(uint64_t table_id, uint64_t block_sequence);

  uint64_t table_id() const { return table_id_; }
  uint64_t block_sequence() const { return block_sequence_; }
  uint64_t row_count() const { return row_count_; }
  uint64_t capacity_rows() const { return capacity_rows_; }
  uint64_t string_bytes_capacity() const { return string_bytes_capacity_; }
  const std::vector<ColumnType>& types() const { return types_; }
  // Bytes of row data held (what counts against max_hot_bytes).
  uint64_t used_bytes() const { return used_bytes_; }
  // The memfd; stays owned by the HotBlock (send it with SCM_RIGHTS; the
  // receiver gets its own descriptor).
  int descriptor() const { return descriptor_; }
  uint64_t mapped_bytes() const { return mapped_bytes_; }

 private:
  HotBlock() = default;
  uint8_t* ColumnData(size_t column) const;
  uint8_t* StringBytes(size_t column) const;
  // Maps the pages up to mapping offset `end` ahead of the writes that need
  // them, from *populated on and at least kPrefaultBytes at a time (never
  // past region_end), with one madvise rather than a fault per page.
  void Prefault(uint64_t end, uint64_t region_end, uint64_t* populated);

  int descriptor_ = -1;
  uint8_t* base_ = nullptr;
  uint64_t mapped_bytes_ = 0;
  uint64_t table_id_ = 0;
  uint64_t block_sequence_ = 0;
  uint64_t capacity_rows_ = 0;
  uint64_t string_bytes_capacity_ = 0;
  uint64_t row_count_ = 0;
  uint64_t used_bytes_ = 0;
  std::vector<ColumnType> types_;
  std::vector<uint64_t> data_offsets_;
  std::vector<uint64_t> bytes_offsets_;
  std::vector<uint32_t> string_bytes_used_;
  // Per column: where its regions end, and up to where their pages are
  // mapped in (mapping offsets).
  std::vector<uint64_t> data_ends_;
  std::vector<uint64_t> bytes_ends_;
  std::vector<uint64_t> data_populated_;
  std::vector<uint64_t> bytes_populated_;
};

}  // namespace backtrace::hot
