#include "daemon/append_validation.h"

#include <string>

#include "common/wire/column_data.h"

namespace backtrace::daemon {

Result<std::vector<uint32_t>> MatchAppendToSchema(const fb::Append& append,
                                                  const TableSchema& schema, size_t rows) {
  const auto* columns = append.columns();
  const std::string table = schema.name;
  std::vector<uint32_t> mapping(schema.columns.size(), UINT32_MAX);
  for (uint32_t index = 0; index < columns->size(); ++index) {
    const fb::ColumnData& data = *columns->Get(index);
    std::string name = data.name()->str();
    auto position = schema.ColumnIndex(name);
    if (!position) {
      return Status::InvalidArgument("column \"" + name + "\" is not a column of table " + table);
    }
    ColumnType batch_type = wire::ColumnTypeOf(data);
    ColumnType table_type = schema.columns[*position].type;
    if (batch_type != table_type) {
      return Status::InvalidArgument("column \"" + name + "\" is " +
                                     std::string(ColumnTypeName(batch_type)) +
                                     " in the batch but " + std::string(ColumnTypeName(table_type)) +
                                     " in table " + table);
    }
    mapping[*position] = index;
  }
  for (size_t position = 0; position < mapping.size(); ++position) {
    if (mapping[position] == UINT32_MAX) {
      return Status::InvalidArgument("column \"" + schema.columns[position].name + "\" of table " +
                                     table + " is missing from the batch");
    }
  }
  auto time_position = schema.ColumnIndex(schema.time_column);
  const fb::ColumnData& time_data = *columns->Get(mapping[*time_position]);
  const auto* values = time_data.values_as_Int64Vector()->values();
  for (size_t row = 0; row < rows; ++row) {
    int64_t value = values->Get(static_cast<flatbuffers::uoffset_t>(row));
    if (value < kMinTimestamp || value > kMaxTimestamp) {
      return Status::InvalidArgument("column \"" + schema.time_column + "\" row " +
                                     std::to_string(row) + ": timestamp " + std::to_string(value) +
                                     " is outside the accepted range (1800-01-01 to 2262-04-11)");
    }
  }
  return mapping;
}

}  // namespace backtrace::daemon
