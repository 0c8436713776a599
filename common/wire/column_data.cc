#include "common/wire/column_data.h"

#include <bit>
#include <cstring>
#include <string>
#include <unordered_map>

#include "common/wire/message_text.h"

namespace backtrace::wire {
namespace {

static_assert(std::endian::native == std::endian::little,
              "column vectors are copied in bulk: FlatBuffers scalars are little-endian");

std::string ColumnLabel(const fb::ColumnData& column, size_t index) {
  if (column.name() == nullptr || column.name()->size() == 0) {
    return "column #" + std::to_string(index);
  }
  return "column " + QuoteForMessage(View(column.name()));
}

Status ColumnError(const fb::ColumnData& column, size_t index, const std::string& reason) {
  return Status::InvalidArgument(ColumnLabel(column, index) + ": " + reason);
}

// Copies a verified FlatBuffers scalar vector onto the end of *out.
template <typename T>
void AppendScalars(const flatbuffers::Vector<T>& values, std::vector<T>* out) {
  size_t old_size = out->size();
  out->resize(old_size + values.size());
  if (values.size() > 0) {
    std::memcpy(out->data() + old_size, values.Data(), values.size() * sizeof(T));
  }
}

template <typename VectorTable>
Result<size_t> FixedWidthRows(const fb::ColumnData& column, size_t index,
                              const VectorTable* values) {
  if (values == nullptr) return ColumnError(column, index, "values union member is missing");
  if (values->values() == nullptr) return ColumnError(column, index, "values vector is missing");
  return static_cast<size_t>(values->values()->size());
}

Result<size_t> StringRows(const fb::ColumnData& column, size_t index,
                          const fb::StringVector* values) {
  if (values == nullptr) return ColumnError(column, index, "values union member is missing");
  const auto* offsets = values->offsets();
  if (offsets == nullptr || offsets->size() == 0) {
    return ColumnError(column, index, "string offsets are missing (need rows + 1 entries)");
  }
  size_t byte_count = values->bytes() == nullptr ? 0 : values->bytes()->size();
  if (offsets->Get(0) != 0) {
    return ColumnError(column, index,
                       "string offsets must start at 0, not " + std::to_string(offsets->Get(0)));
  }
  size_t rows = offsets->size() - 1;
  uint32_t previous = 0;
  for (size_t row = 0; row < rows; ++row) {
    uint32_t next = offsets->Get(static_cast<flatbuffers::uoffset_t>(row + 1));
    if (next < previous) {
      return ColumnError(column, index,
                         "row " + std::to_string(row) + ": string offsets decrease (" +
                             std::to_string(previous) + " then " + std::to_string(next) + ")");
    }
    if (next > byte_count) {
      return ColumnError(column, index,
                         "row " + std::to_string(row) + ": string offset " + std::to_string(next) +
                             " is past the " + std::to_string(byte_count) + " string bytes");
    }
    if (next - previous > kMaxStringBytes) {
      return ColumnError(column, index,
                         "row " + std::to_string(row) + ": string of " +
                             std::to_string(next - previous) + " bytes is longer than " +
                             std::to_string(kMaxStringBytes));
    }
    previous = next;
  }
  if (previous != byte_count) {
    return ColumnError(column, index,
                       "string offsets end at " + std::to_string(previous) + " but there are " +
                           std::to_string(byte_count) + " string bytes");
  }
  return rows;
}

}  // namespace

fb::ColumnValues ColumnValuesTypeFor(ColumnType type) {
  switch (type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp: return fb::ColumnValues::Int64Vector;
    case ColumnType::kUInt64: return fb::ColumnValues::UInt64Vector;
    case ColumnType::kFloat64: return fb::ColumnValues::Float64Vector;
    case ColumnType::kString: return fb::ColumnValues::StringVector;
  }
  return fb::ColumnValues::NONE;
}

ColumnType ColumnTypeOf(const fb::ColumnData& column) {
  return static_cast<ColumnType>(column.type());
}

flatbuffers::Offset<fb::ColumnData> BuildColumnData(flatbuffers::FlatBufferBuilder& builder,
                                                    std::string_view name,
                                                    const ColumnVector& column) {
  flatbuffers::Offset<void> values;
  switch (column.type()) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      values = fb::CreateInt64Vector(builder, builder.CreateVector(column.int64s())).Union();
      break;
    case ColumnType::kUInt64:
      values = fb::CreateUInt64Vector(builder, builder.CreateVector(column.uint64s())).Union();
      break;
    case ColumnType::kFloat64:
      values = fb::CreateFloat64Vector(builder, builder.CreateVector(column.float64s())).Union();
      break;
    case ColumnType::kString: {
      const StringValues& strings = column.strings();
      auto offsets = builder.CreateVector(strings.offsets);
      auto bytes = builder.CreateVector(reinterpret_cast<const uint8_t*>(strings.bytes.data()),
                                        strings.bytes.size());
      values = fb::CreateStringVector(builder, offsets, bytes).Union();
      break;
    }
  }
  auto name_offset = builder.CreateString(name.data(), name.size());
  return fb::CreateColumnData(builder, name_offset, static_cast<fb::ColumnType>(column.type()),
                              ColumnValuesTypeFor(column.type()), values);
}

Result<size_t> ValidateColumnData(const fb::ColumnData& column, size_t index) {
  if (column.name() == nullptr || column.name()->size() == 0) {
    return ColumnError(column, index, "has no name");
  }
  uint8_t raw_type = static_cast<uint8_t>(column.type());
  if (!IsValidColumnType(raw_type)) {
    return ColumnError(column, index, "unknown column type " + std::to_string(raw_type));
  }
  ColumnType type = static_cast<ColumnType>(raw_type);
  fb::ColumnValues expected = ColumnValuesTypeFor(type);
  if (column.values_type() != expected) {
    uint8_t raw_member = static_cast<uint8_t>(column.values_type());
    std::string member = raw_member <= static_cast<uint8_t>(fb::ColumnValues::MAX)
                             ? fb::EnumNameColumnValues(column.values_type())
                             : "unknown member " + std::to_string(raw_member);
    return ColumnError(column, index,
                       "type " + std::string(ColumnTypeName(type)) + " needs values of " +
                           fb::EnumNameColumnValues(expected) + ", got " + member);
  }
  switch (expected) {
    case fb::ColumnValues::Int64Vector:
      return FixedWidthRows(column, index, column.values_as_Int64Vector());
    case fb::ColumnValues::UInt64Vector:
      return FixedWidthRows(column, index, column.values_as_UInt64Vector());
    case fb::ColumnValues::Float64Vector:
      return FixedWidthRows(column, index, column.values_as_Float64Vector());
    case fb::ColumnValues::StringVector:
      return StringRows(column, index, column.values_as_StringVector());
    case fb::ColumnValues::NONE: break;
  }
  return Status::Internal("no union member for column type " + std::to_string(raw_type));
}

Result<size_t> ValidateColumns(const ColumnDataVector* columns, DuplicateNames duplicates) {
  if (columns == nullptr || columns->size() == 0) {
    return Status::InvalidArgument("the batch has no columns");
  }
  std::unordered_map<std::string_view, size_t> first_index_of_name;
  first_index_of_name.reserve(columns->size());
  size_t rows = 0;
  for (flatbuffers::uoffset_t index = 0; index < columns->size(); ++index) {
    const fb::ColumnData* column = columns->Get(index);
    if (column == nullptr) {
      return Status::InvalidArgument("column #" + std::to_string(index) + " is missing");
    }
    ASSIGN_OR_RETURN(size_t column_rows, ValidateColumnData(*column, index));
    auto [position, inserted] = first_index_of_name.emplace(View(column->name()), index);
    if (!inserted && duplicates == DuplicateNames::kReject) {
      return ColumnError(*column, index,
                         "appears twice (columns #" + std::to_string(position->second) +
                             " and #" + std::to_string(index) + ")");
    }
    if (index == 0) {
      rows = column_rows;
    } else if (column_rows != rows) {
      const fb::ColumnData* first = columns->Get(0);
      return ColumnError(*column, index,
                         "has " + std::to_string(column_rows) + " rows but " +
                             ColumnLabel(*first, 0) + " has " + std::to_string(rows));
    }
  }
  return rows;
}

Status AppendColumnData(const fb::ColumnData& data, ColumnVector* column) {
  ColumnType type = ColumnTypeOf(data);
  if (column->type() != type) {
    return Status::InvalidArgument(ColumnLabel(data, 0) + ": values of type " +
                                   std::string(ColumnTypeName(type)) +
                                   " cannot be appended to a " +
                                   std::string(ColumnTypeName(column->type())) + " column");
  }
  switch (type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      AppendScalars(*data.values_as_Int64Vector()->values(), &column->int64s());
      return Status::Ok();
    case ColumnType::kUInt64:
      AppendScalars(*data.values_as_UInt64Vector()->values(), &column->uint64s());
      return Status::Ok();
    case ColumnType::kFloat64:
      AppendScalars(*data.values_as_Float64Vector()->values(), &column->float64s());
      return Status::Ok();
    case ColumnType::kString: break;
  }
  const fb::StringVector& values = *data.values_as_StringVector();
  StringValues& strings = column->strings();
  size_t base = strings.bytes.size();
  size_t added_bytes = values.bytes() == nullptr ? 0 : values.bytes()->size();
  if (base + added_bytes > UINT32_MAX) {
    return Status::ResourceExhausted(ColumnLabel(data, 0) + ": appending " +
                                     std::to_string(added_bytes) + " string bytes to " +
                                     std::to_string(base) +
                                     " would pass the 4 GiB that 32-bit offsets address");
  }
  const auto& offsets = *values.offsets();
  size_t old_rows = strings.offsets.size();
  strings.offsets.resize(old_rows + offsets.size() - 1);
  for (flatbuffers::uoffset_t i = 1; i < offsets.size(); ++i) {
    strings.offsets[old_rows + i - 1] = static_cast<uint32_t>(base + offsets.Get(i));
  }
  if (added_bytes > 0) {
    strings.bytes.append(reinterpret_cast<const char*>(values.bytes()->Data()), added_bytes);
  }
  return Status::Ok();
}

Result<ColumnVector> ColumnVectorFromData(const fb::ColumnData& data, size_t index) {
  ASSIGN_OR_RETURN(size_t rows, ValidateColumnData(data, index));
  ColumnVector column(ColumnTypeOf(data));
  column.Reserve(rows);
  RETURN_IF_ERROR(AppendColumnData(data, &column));
  return column;
}

}  // namespace backtrace::wire
