#include "common/schema/table_schema_codec.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace backtrace {

flatbuffers::Offset<fb::TableSchema> BuildTableSchema(flatbuffers::FlatBufferBuilder& builder,
                                                      const TableSchema& schema) {
  std::vector<flatbuffers::Offset<fb::ColumnDefinition>> columns;
  columns.reserve(schema.columns.size());
  for (const ColumnDefinition& column : schema.columns) {
    columns.push_back(fb::CreateColumnDefinition(builder, builder.CreateString(column.name),
                                                 static_cast<fb::ColumnType>(column.type)));
  }
  std::vector<flatbuffers::Offset<flatbuffers::String>> sort_key;
  sort_key.reserve(schema.sort_key.size());
  for (const std::string& name : schema.sort_key) sort_key.push_back(builder.CreateString(name));
  auto name = builder.CreateString(schema.name);
  auto column_vector = builder.CreateVector(columns);
  auto time_column = builder.CreateString(schema.time_column);
  auto sort_key_vector = builder.CreateVector(sort_key);
  return fb::CreateTableSchema(builder, name, column_vector, time_column, sort_key_vector);
}

std::string SerializeTableSchema(const TableSchema& schema) {
  flatbuffers::FlatBufferBuilder builder(256);
  builder.Finish(BuildTableSchema(builder, schema));
  return std::string(reinterpret_cast<const char*>(builder.GetBufferPointer()), builder.GetSize());
}

Result<TableSchema> TableSchemaFromFlatBuffer(const fb::TableSchema& message) {
  TableSchema schema;
  if (message.name() == nullptr) return Status::InvalidArgument("table schema has no name");
  schema.name = message.name()->str();
  if (message.columns() != nullptr) {
    if (message.columns()->size() > kMaxColumns) {
      return Status::InvalidArgument("table schema '" + schema.name + "' has " +
                                     std::to_string(message.columns()->size()) +
                                     " columns; at most " + std::to_string(kMaxColumns) +
                                     " are allowed");
    }
    schema.columns.reserve(message.columns()->size());
    for (flatbuffers::uoffset_t i = 0; i < message.columns()->size(); ++i) {
      const fb::ColumnDefinition* column = message.columns()->Get(i);
      const std::string position = "column " + std::to_string(i + 1);
      if (column == nullptr || column->name() == nullptr) {
        return Status::InvalidArgument("table schema '" + schema.name + "': " + position +
                                       " has no name");
      }
      uint8_t raw_type = static_cast<uint8_t>(column->type());
      if (!IsValidColumnType(raw_type)) {
        return Status::InvalidArgument("table schema '" + schema.name + "': " + position +
                                       " has unknown type " + std::to_string(raw_type));
      }
      schema.columns.push_back(ColumnDefinition{column->name()->str(),
                                                static_cast<ColumnType>(raw_type)});
    }
  }
  if (message.time_column() != nullptr) schema.time_column = message.time_column()->str();
  if (message.sort_key() != nullptr) {
    if (message.sort_key()->size() > kMaxColumns) {
      return Status::InvalidArgument("table schema '" + schema.name + "' has a sort key of " +
                                     std::to_string(message.sort_key()->size()) + " entries");
    }
    for (flatbuffers::uoffset_t i = 0; i < message.sort_key()->size(); ++i) {
      const flatbuffers::String* entry = message.sort_key()->Get(i);
      if (entry == nullptr) {
        return Status::InvalidArgument("table schema '" + schema.name + "': sort key entry " +
                                       std::to_string(i + 1) + " is missing");
      }
      schema.sort_key.push_back(entry->str());
    }
  }
  Status valid = schema.Validate();
  if (!valid.ok()) return valid.WithContext("table schema");
  return schema;
}

Result<TableSchema> DeserializeTableSchema(std::string_view bytes) {
  // A buffer larger than any valid schema is refused before the Verifier,
  // which asserts sizes below 2 GiB.
  constexpr size_t kMaxSchemaBytes = 16 << 20;
  if (bytes.size() < 8) {
    return Status::InvalidArgument("table schema buffer of " + std::to_string(bytes.size()) +
                                   " bytes is too short to be a FlatBuffer");
  }
  if (bytes.size() > kMaxSchemaBytes) {
    return Status::InvalidArgument("table schema buffer of " + std::to_string(bytes.size()) +
                                   " bytes exceeds the limit of " +
                                   std::to_string(kMaxSchemaBytes));
  }
  // FlatBuffers reads scalars in place, so the bytes are copied to 8-aligned
  // memory (callers may hand a slice of a larger value at any offset).
  std::vector<uint64_t> aligned((bytes.size() + 7) / 8);
  std::memcpy(aligned.data(), bytes.data(), bytes.size());
  const auto* data = reinterpret_cast<const uint8_t*>(aligned.data());
  flatbuffers::Verifier::Options options;
  options.max_depth = 8;
  options.max_tables = 4 * kMaxColumns;
  flatbuffers::Verifier verifier(data, bytes.size(), options);
  if (!fb::VerifyTableSchemaBuffer(verifier)) {
    return Status::InvalidArgument("table schema buffer of " + std::to_string(bytes.size()) +
                                   " bytes fails FlatBuffers verification");
  }
  return TableSchemaFromFlatBuffer(*fb::GetTableSchema(data));
}

}  // namespace backtrace
