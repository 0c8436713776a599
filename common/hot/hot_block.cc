#include "common/hot/hot_block.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/base/coding.h"
#include "common/hot/hot_block_format.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14
#endif

namespace backtrace::hot {
namespace {

constexpr uint64_t kPrefaultBytes = uint64_t{1} << 20;

}  // namespace

Result<std::unique_ptr<HotBlock>> HotBlock::Create(uint64_t table_id, uint64_t block_sequence,
                                                   std::vector<ColumnType> types,
                                                   uint64_t capacity_rows,
                                                   uint64_t string_bytes_capacity) {
  if (types.empty() || types.size() > kMaxColumns) {
    return Status::InvalidArgument("hot block needs 1 to 1024 columns, got " +
                                   std::to_string(types.size()));
  }
  if (string_bytes_capacity > UINT32_MAX) string_bytes_capacity = UINT32_MAX;
  std::unique_ptr<HotBlock> block(new HotBlock());
  block->table_id_ = table_id;
  block->block_sequence_ = block_sequence;
  block->capacity_rows_ = capacity_rows;
  block->string_bytes_capacity_ = string_bytes_capacity;
  block->types_ = std::move(types);
  const auto column_count = static_cast<uint32_t>(block->types_.size());

  uint64_t offset = HeaderBytes(column_count);
  for (ColumnType type : block->types_) {
    block->data_offsets_.push_back(offset);
    if (type == ColumnType::kString) {
      offset += RoundUpToPage((capacity_rows + 1) * sizeof(uint32_t));
      block->data_ends_.push_back(offset);
      block->bytes_offsets_.push_back(offset);
      offset += RoundUpToPage(string_bytes_capacity);
      block->bytes_ends_.push_back(offset);
    } else {
      offset += RoundUpToPage(capacity_rows * 8);
      block->data_ends_.push_back(offset);
      block->bytes_offsets_.push_back(0);
      block->bytes_ends_.push_back(0);
    }
  }
  block->data_populated_ = block->data_offsets_;
  block->bytes_populated_ = block->bytes_offsets_;
  block->string_bytes_used_.assign(column_count, 0);
  block->mapped_bytes_ = offset;

  std::string name = "backtrace-hot-" + std::to_string(table_id) + "-" + std::to_string(block_sequence);
  block->descriptor_ = ::memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (block->descriptor_ < 0) return Status::FromErrno(errno, "memfd_create " + name);
  if (::ftruncate(block->descriptor_, static_cast<off_t>(offset)) != 0) {
    return Status::FromErrno(errno, "size hot block " + name);
  }
  void* address = ::mmap(nullptr, offset, PROT_READ | PROT_WRITE, MAP_SHARED, block->descriptor_, 0);
  if (address == MAP_FAILED) return Status::FromErrno(errno, "map hot block " + name);
  block->base_ = static_cast<uint8_t*>(address);

  uint8_t* header = block->base_;
  coding::EncodeFixed64(header + kMagicOffset, kMagic);
  coding::EncodeFixed32(header + kVersionOffset, kFormatVersion);
  coding::EncodeFixed32(header + kColumnCountOffset, column_count);
  coding::EncodeFixed64(header + kCapacityRowsOffset, capacity_rows);
  coding::EncodeFixed64(header + kStringCapacityOffset, string_bytes_capacity);
  coding::EncodeFixed64(header + kTableIdOffset, table_id);
  coding::EncodeFixed64(header + kBlockSequenceOffset, block_sequence);
  for (uint32_t column = 0; column < column_count; ++column) {
    uint8_t* descriptor = header + kHeaderFixedBytes + column * kColumnDescriptorBytes;
    descriptor[kDescriptorTypeOffset] = static_cast<uint8_t>(block->types_[column]);
    coding::EncodeFixed64(descriptor + kDescriptorDataOffset, block->data_offsets_[column]);
    coding::EncodeFixed64(descriptor + kDescriptorBytesOffset, block->bytes_offsets_[column]);
    // String offsets start at 0 for row 0.
    if (block->types_[column] == ColumnType::kString) {
      coding::EncodeFixed32(block->base_ + block->data_offsets_[column], 0);
    }
  }
  return block;
}

HotBlock::~HotBlock() {
  if (base_ != nullptr) ::munmap(base_, mapped_bytes_);
  if (descriptor_ >= 0) ::close(descriptor_);
}

bool HotBlock::Fits(uint64_t rows, std::span<const uint64_t> string_bytes_per_column) const {
  if (row_count_ + rows > capacity_rows_) return false;
  for (size_t column = 0; column < types_.size(); ++column) {
    if (types_[column] != ColumnType::kString) continue;
    uint64_t wanted = column < string_bytes_per_column.size() ? string_bytes_per_column[column] : 0;
    if (string_bytes_used_[column] + wanted > string_bytes_capacity_) return false;
  }
  return true;
}

uint8_t* HotBlock::ColumnData(size_t column) const { return base_ + data_offsets_[column]; }
uint8_t* HotBlock::StringBytes(size_t column) const { return base_ + bytes_offsets_[column]; }

void HotBlock::Prefault(uint64_t end, uint64_t region_end, uint64_t* populated) {
  if (end <= *populated) return;
  uint64_t target = std::min(region_end, RoundUpToPage(std::max(end, *populated + kPrefaultBytes)));
  // Best effort: where MADV_POPULATE_WRITE is unknown or fails, the writes
  // fault the pages in one by one.
  (void)::madvise(base_ + *populated, target - *populated, MADV_POPULATE_WRITE);
  *populated = target;
}

void HotBlock::AppendFixed(size_t column, const void* values, uint64_t rows) {
  if (rows == 0) return;
  Prefault(data_offsets_[column] + (row_count_ + rows) * 8, data_ends_[column],
           &data_populated_[column]);
  std::memcpy(ColumnData(column) + row_count_ * 8, values, rows * 8);
  used_bytes_ += rows * 8;
}

void HotBlock::AppendStrings(size_t column, const uint32_t* offsets, const uint8_t* bytes,
                             uint64_t rows) {
  if (rows == 0) return;
  uint32_t first = offsets[0];
  uint32_t length = offsets[rows] - first;
  uint32_t base = string_bytes_used_[column];
  Prefault(bytes_offsets_[column] + base + length, bytes_ends_[column], &bytes_populated_[column]);
  Prefault(data_offsets_[column] + (row_count_ + rows + 1) * 4, data_ends_[column],
           &data_populated_[column]);
  std::memcpy(StringBytes(column) + base, bytes + first, length);
  auto* stored = reinterpret_cast<uint8_t*>(ColumnData(column)) + (row_count_ + 1) * 4;
  for (uint64_t row = 0; row < rows; ++row) {
    coding::EncodeFixed32(stored + row * 4, base + (offsets[row + 1] - first));
  }
  string_bytes_used_[column] = base + length;
  used_bytes_ += length + rows * 4;
}

void HotBlock::CommitRows(uint64_t rows) {
  row_count_ += rows;
}

void HotBlock::Reuse(uint64_t table_id, uint64_t block_sequence) {
  table_id_ = table_id;
  block_sequence_ = block_sequence;
  coding::EncodeFixed64(base_ + kTableIdOffset, table_id);
  coding::EncodeFixed64(base_ + kBlockSequenceOffset, block_sequence);
  row_count_ = 0;
  used_bytes_ = 0;
  std::fill(string_bytes_used_.begin(), string_bytes_used_.end(), 0);
  // Every string column's first offset is still 0: it is never overwritten.
}

}  // namespace backtrace::hot
