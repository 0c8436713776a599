#include "common/hot/hot_block_view.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>

#include "common/base/coding.h"
#include "common/hot/hot_block_format.h"

namespace backtrace::hot {

Result<std::unique_ptr<HotBlockView>> HotBlockView::Map(int descriptor, uint64_t row_count) {
  struct stat info;
  if (::fstat(descriptor, &info) != 0) return Status::FromErrno(errno, "stat hot block");
  auto size = static_cast<uint64_t>(info.st_size);
  if (size < kPageBytes) return Status::Corruption("hot block smaller than its header");
  void* address = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, descriptor, 0);
  if (address == MAP_FAILED) return Status::FromErrno(errno, "map hot block");
  std::unique_ptr<HotBlockView> view(new HotBlockView());
  view->base_ = static_cast<const uint8_t*>(address);
  view->mapped_bytes_ = size;
  view->row_count_ = row_count;

  const uint8_t* header = view->base_;
  if (coding::DecodeFixed64(header + kMagicOffset) != kMagic) {
    return Status::Corruption("hot block has a wrong magic number");
  }
  if (coding::DecodeFixed32(header + kVersionOffset) != kFormatVersion) {
    return Status::Corruption("hot block has an unsupported format version");
  }
  uint32_t column_count = coding::DecodeFixed32(header + kColumnCountOffset);
  uint64_t capacity_rows = coding::DecodeFixed64(header + kCapacityRowsOffset);
  uint64_t string_capacity = coding::DecodeFixed64(header + kStringCapacityOffset);
  view->table_id_ = coding::DecodeFixed64(header + kTableIdOffset);
  view->block_sequence_ = coding::DecodeFixed64(header + kBlockSequenceOffset);
  if (column_count == 0 || column_count > kMaxColumns || HeaderBytes(column_count) > size) {
    return Status::Corruption("hot block has an impossible column count " +
                              std::to_string(column_count));
  }
  if (row_count > capacity_rows) {
    return Status::Corruption("hot block asked for " + std::to_string(row_count) +
                              " rows but holds at most " + std::to_string(capacity_rows));
  }
  for (uint32_t column = 0; column < column_count; ++column) {
    const uint8_t* entry = header + kHeaderFixedBytes + column * kColumnDescriptorBytes;
    uint8_t raw_type = entry[kDescriptorTypeOffset];
    if (!IsValidColumnType(raw_type)) {
      return Status::Corruption("hot block column " + std::to_string(column) + " has type " +
                                std::to_string(raw_type));
    }
    auto type = static_cast<ColumnType>(raw_type);
    uint64_t data = coding::DecodeFixed64(entry + kDescriptorDataOffset);
    uint64_t bytes = coding::DecodeFixed64(entry + kDescriptorBytesOffset);
    uint64_t data_length = type == ColumnType::kString ? (capacity_rows + 1) * 4 : capacity_rows * 8;
    if (data > size || data_length > size - data || (data % 8) != 0) {
      return Status::Corruption("hot block column " + std::to_string(column) +
                                " lies outside the block");
    }
    if (type == ColumnType::kString) {
      if (bytes > size || string_capacity > size - bytes) {
        return Status::Corruption("hot block column " + std::to_string(column) +
                                  " string bytes lie outside the block");
      }
      const auto* offsets = reinterpret_cast<const uint32_t*>(view->base_ + data);
      uint32_t previous = offsets[0];
      if (previous != 0) return Status::Corruption("hot block string offsets do not start at 0");
      for (uint64_t row = 1; row <= row_count; ++row) {
        uint32_t current = offsets[row];
        if (current < previous || current > string_capacity) {
          return Status::Corruption("hot block column " + std::to_string(column) +
                                    " has a bad string offset at row " + std::to_string(row - 1));
        }
        previous = current;
      }
    }
    view->types_.push_back(type);
    view->data_offsets_.push_back(data);
    view->bytes_offsets_.push_back(bytes);
  }
  return view;
}

HotBlockView::~HotBlockView() {
  if (base_ != nullptr) ::munmap(const_cast<uint8_t*>(base_), mapped_bytes_);
}

std::span<const int64_t> HotBlockView::Int64s(size_t column) const {
  return {reinterpret_cast<const int64_t*>(base_ + data_offsets_[column]), row_count_};
}
std::span<const uint64_t> HotBlockView::UInt64s(size_t column) const {
  return {reinterpret_cast<const uint64_t*>(base_ + data_offsets_[column]), row_count_};
}
std::span<const double> HotBlockView::Float64s(size_t column) const {
  return {reinterpret_cast<const double*>(base_ + data_offsets_[column]), row_count_};
}
std::span<const uint32_t> HotBlockView::StringOffsets(size_t column) const {
  return {reinterpret_cast<const uint32_t*>(base_ + data_offsets_[column]), row_count_ + 1};
}
const char* HotBlockView::StringBytes(size_t column) const {
  return reinterpret_cast<const char*>(base_ + bytes_offsets_[column]);
}
std::string_view HotBlockView::StringAt(size_t column, uint64_t row) const {
  auto offsets = StringOffsets(column);
  return {StringBytes(column) + offsets[row], offsets[row + 1] - offsets[row]};
}

void HotBlockView::CopyColumn(size_t column, uint64_t first, uint64_t count,
                              ColumnVector* out) const {
  switch (types_[column]) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp: {
      auto values = Int64s(column).subspan(first, count);
      out->int64s().insert(out->int64s().end(), values.begin(), values.end());
      break;
    }
    case ColumnType::kUInt64: {
      auto values = UInt64s(column).subspan(first, count);
      out->uint64s().insert(out->uint64s().end(), values.begin(), values.end());
      break;
    }
    case ColumnType::kFloat64: {
      auto values = Float64s(column).subspan(first, count);
      out->float64s().insert(out->float64s().end(), values.begin(), values.end());
      break;
    }
    case ColumnType::kString: {
      auto& strings = out->strings();
      for (uint64_t row = first; row < first + count; ++row) strings.push_back(StringAt(column, row));
      break;
    }
  }
}

}  // namespace backtrace::hot
