#include "common/catalog/block_meta.h"

#include <bit>
#include <cmath>
#include <cstring>

#include "common/base/coding.h"
#include "common/catalog/record_coding.h"

namespace backtrace {
namespace {

using catalog_record::Reader;

// Value tags in the encoding: the index of the Value alternative.
constexpr uint8_t kTagInt64 = 0;
constexpr uint8_t kTagUInt64 = 1;
constexpr uint8_t kTagFloat64 = 2;
constexpr uint8_t kTagString = 3;

constexpr uint8_t kFlagHasNan = 0x01;

void PutValue(std::string* destination, const Value& value) {
  destination->push_back(static_cast<char>(value.index()));
  switch (value.index()) {
    case kTagInt64:
      coding::PutFixed64(destination, static_cast<uint64_t>(std::get<int64_t>(value)));
      break;
    case kTagUInt64:
      coding::PutFixed64(destination, std::get<uint64_t>(value));
      break;
    case kTagFloat64:
      coding::PutFixed64(destination, std::bit_cast<uint64_t>(std::get<double>(value)));
      break;
    default:
      catalog_record::PutLengthPrefixed(destination, std::get<std::string>(value));
      break;
  }
}

bool GetValue(Reader* reader, Value* value) {
  uint8_t tag = 0;
  if (!reader->GetByte(&tag)) return false;
  uint64_t bits = 0;
  std::string_view text;
  switch (tag) {
    case kTagInt64:
      if (!reader->GetFixed64(&bits)) return false;
      *value = static_cast<int64_t>(bits);
      return true;
    case kTagUInt64:
      if (!reader->GetFixed64(&bits)) return false;
      *value = bits;
      return true;
    case kTagFloat64:
      if (!reader->GetFixed64(&bits)) return false;
      *value = std::bit_cast<double>(bits);
      return true;
    case kTagString:
      if (!reader->GetLengthPrefixed(catalog_format::kMaxStatisticStringBytes, &text)) return false;
      *value = std::string(text);
      return true;
    default:
      return false;
  }
}

size_t ValueIndexFor(ColumnType type) {
  switch (type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp: return kTagInt64;
    case ColumnType::kUInt64: return kTagUInt64;
    case ColumnType::kFloat64: return kTagFloat64;
    case ColumnType::kString: return kTagString;
  }
  return kTagInt64;
}

bool IsNan(const Value& value) {
  return std::holds_alternative<double>(value) && std::isnan(std::get<double>(value));
}

Status Corrupt(const std::string& what) { return Status::Corruption("block entry " + what); }

}  // namespace

uint64_t BlockMeta::TotalFileBytes() const {
  uint64_t total = 0;
  for (const ColumnStats& column : columns) total += column.file_bytes;
  return total;
}

int SpanClass(int64_t min_time, int64_t max_time) {
  uint64_t span = static_cast<uint64_t>(max_time) - static_cast<uint64_t>(min_time);
  int width = std::bit_width(span);
  return width > 63 ? 63 : width;
}

std::string EncodeBlockMeta(const BlockMeta& block) {
  std::string value;
  value.reserve(64 + block.columns.size() * 40);
  value.push_back(static_cast<char>(catalog_format::kBlockEntryVersion));
  coding::PutVarint64(&value, block.table_id);
  coding::PutVarint64(&value, block.block_id);
  coding::PutVarint64(&value, block.row_count);
  coding::PutFixed64(&value, static_cast<uint64_t>(block.min_time));
  coding::PutFixed64(&value, static_cast<uint64_t>(block.max_time));
  coding::PutFixed64(&value, static_cast<uint64_t>(block.created_unix_nanos));
  coding::PutVarint64(&value, block.committed_sequence);
  coding::PutFixed64(&value, block.retired_sequence);
  coding::PutVarint64(&value, block.wal_last_lsn);
  coding::PutVarint64(&value, block.columns.size());
  for (const ColumnStats& column : block.columns) {
    coding::PutVarint64(&value, column.column_index);
    value.push_back(static_cast<char>(column.has_nan ? kFlagHasNan : 0));
    PutValue(&value, column.min);
    PutValue(&value, column.max);
    coding::PutVarint64(&value, column.file_bytes);
    coding::PutVarint64(&value, column.raw_bytes);
  }
  catalog_record::Seal(&value);
  return value;
}

Result<BlockMeta> DecodeBlockMeta(std::string_view bytes) {
  ASSIGN_OR_RETURN(std::string_view body, catalog_record::Unseal(bytes, "block entry"));
  Reader reader(body);
  uint8_t version = 0;
  if (!reader.GetByte(&version)) return Corrupt("is empty");
  if (version != catalog_format::kBlockEntryVersion) {
    return Status::NotSupported("block entry has version " + std::to_string(version) +
                                "; this build reads version " +
                                std::to_string(catalog_format::kBlockEntryVersion));
  }
  BlockMeta block;
  uint64_t min_time = 0, max_time = 0, created = 0, column_count = 0;
  if (!reader.GetVarint(&block.table_id) || !reader.GetVarint(&block.block_id) ||
      !reader.GetVarint(&block.row_count) || !reader.GetFixed64(&min_time) ||
      !reader.GetFixed64(&max_time) || !reader.GetFixed64(&created) ||
      !reader.GetVarint(&block.committed_sequence) ||
      !reader.GetFixed64(&block.retired_sequence) || !reader.GetVarint(&block.wal_last_lsn) ||
      !reader.GetVarint(&column_count)) {
    return Corrupt("is truncated in its header");
  }
  block.min_time = static_cast<int64_t>(min_time);
  block.max_time = static_cast<int64_t>(max_time);
  block.created_unix_nanos = static_cast<int64_t>(created);
  const std::string name = "of block " + std::to_string(block.block_id);
  if (block.min_time > block.max_time) return Corrupt(name + " has min_time > max_time");
  if (block.committed_sequence >= block.retired_sequence) {
    return Corrupt(name + " was retired at sequence " + std::to_string(block.retired_sequence) +
                   ", not after its commit at " + std::to_string(block.committed_sequence));
  }
  // Each column takes at least 8 bytes, which bounds the allocation below by
  // the size of the input.
  if (column_count > kMaxColumns || column_count * 8 > reader.remaining()) {
    return Corrupt(name + " claims " + std::to_string(column_count) + " columns");
  }
  block.columns.resize(column_count);
  for (uint64_t i = 0; i < column_count; ++i) {
    ColumnStats& column = block.columns[i];
    uint64_t column_index = 0;
    uint8_t flags = 0;
    if (!reader.GetVarint(&column_index) || !reader.GetByte(&flags) ||
        !GetValue(&reader, &column.min) || !GetValue(&reader, &column.max) ||
        !reader.GetVarint(&column.file_bytes) || !reader.GetVarint(&column.raw_bytes)) {
      return Corrupt(name + " is malformed in column statistics " + std::to_string(i));
    }
    if (column_index >= kMaxColumns || (flags & ~kFlagHasNan) != 0 ||
        column.min.index() != column.max.index()) {
      return Corrupt(name + " has inconsistent column statistics " + std::to_string(i));
    }
    column.column_index = static_cast<uint32_t>(column_index);
    column.has_nan = (flags & kFlagHasNan) != 0;
  }
  if (reader.remaining() != 0) {
    return Corrupt(name + " has " + std::to_string(reader.remaining()) + " trailing bytes");
  }
  return block;
}

Status CheckBlockMeta(const BlockMeta& block, const TableSchema& schema) {
  const std::string name = "block " + std::to_string(block.block_id) + " of table '" +
                           schema.name + "'";
  if (block.row_count == 0) return Status::InvalidArgument(name + " has no rows");
  if (block.min_time > block.max_time) {
    return Status::InvalidArgument(name + " has min_time " + std::to_string(block.min_time) +
                                   " > max_time " + std::to_string(block.max_time));
  }
  if (block.columns.size() != schema.columns.size()) {
    return Status::InvalidArgument(name + " has statistics for " +
                                   std::to_string(block.columns.size()) + " columns; the table has " +
                                   std::to_string(schema.columns.size()));
  }
  std::optional<size_t> time_index = schema.ColumnIndex(schema.time_column);
  for (size_t i = 0; i < block.columns.size(); ++i) {
    const ColumnStats& column = block.columns[i];
    const ColumnDefinition& definition = schema.columns[i];
    const std::string where = name + ", column '" + definition.name + "'";
    if (column.column_index != i) {
      return Status::InvalidArgument(where + ": statistics are for column index " +
                                     std::to_string(column.column_index) + ", expected " +
                                     std::to_string(i));
    }
    size_t expected = ValueIndexFor(definition.type);
    if (column.min.index() != expected || column.max.index() != expected) {
      return Status::InvalidArgument(where + ": min/max are not of type " +
                                     std::string(ColumnTypeName(definition.type)));
    }
    if (expected == kTagString &&
        (std::get<std::string>(column.min).size() > kMaxStringBytes ||
         std::get<std::string>(column.max).size() > kMaxStringBytes)) {
      return Status::InvalidArgument(where + ": min/max longer than " +
                                     std::to_string(kMaxStringBytes) + " bytes");
    }
    if (expected == kTagFloat64) {
      bool min_nan = IsNan(column.min), max_nan = IsNan(column.max);
      if (min_nan != max_nan || (min_nan && !column.has_nan)) {
        return Status::InvalidArgument(where + ": min/max are NaN without has_nan, or only one is");
      }
      if (min_nan) continue;
    } else if (column.has_nan) {
      return Status::InvalidArgument(where + ": has_nan set on a column that is not float64");
    }
    if (column.max < column.min) {
      return Status::InvalidArgument(where + ": min " + ValueToString(column.min) + " > max " +
                                     ValueToString(column.max));
    }
    if (time_index && i == *time_index &&
        (std::get<int64_t>(column.min) != block.min_time ||
         std::get<int64_t>(column.max) != block.max_time)) {
      return Status::InvalidArgument(where + ": time column min/max [" +
                                     ValueToString(column.min) + ", " + ValueToString(column.max) +
                                     "] differ from the block's [" +
                                     std::to_string(block.min_time) + ", " +
                                     std::to_string(block.max_time) + "]");
    }
  }
  return Status::Ok();
}

}  // namespace backtrace
