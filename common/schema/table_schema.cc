#include "common/schema/table_schema.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace backtrace {
namespace {

// Quotes a name for a message; bytes outside printable ASCII become \xNN and
// long names are cut, so a hostile name cannot garble the message.
std::string Quote(std::string_view text) {
  constexpr size_t kShown = 80;
  std::string quoted = "'";
  for (size_t i = 0; i < text.size() && i < kShown; ++i) {
    unsigned char byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7f && byte != '\'' && byte != '\\') {
      quoted.push_back(static_cast<char>(byte));
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", byte);
      quoted += escaped;
    }
  }
  if (text.size() > kShown) quoted += "...";
  quoted += "'";
  return quoted;
}

std::string ToLowerAscii(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Splits on ',' keeping empty items (so "a,,b" has an empty second item).
std::vector<std::string_view> SplitCommas(std::string_view text) {
  std::vector<std::string_view> items;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) {
      items.push_back(text.substr(start));
      return items;
    }
    items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
}

std::string ColumnText(const ColumnDefinition& column) {
  std::string text = column.name;
  text += ':';
  text += ColumnTypeName(column.type);
  return text;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string text = "[";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += ", ";
    text += names[i];
  }
  text += "]";
  return text;
}

}  // namespace

Status ValidateName(std::string_view name, std::string_view what) {
  if (name.empty()) return Status::InvalidArgument(std::string(what) + " is empty");
  if (name.size() > kMaxNameBytes) {
    return Status::InvalidArgument(std::string(what) + " " + Quote(name) + " is " +
                                   std::to_string(name.size()) + " bytes long; at most " +
                                   std::to_string(kMaxNameBytes) + " are allowed");
  }
  if (name[0] >= '0' && name[0] <= '9') {
    return Status::InvalidArgument(std::string(what) + " " + Quote(name) +
                                   " starts with a digit; names start with a letter or '_'");
  }
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_';
    if (!allowed) {
      return Status::InvalidArgument(std::string(what) + " " + Quote(name) + " has " +
                                     Quote(name.substr(i, 1)) + " at byte " + std::to_string(i) +
                                     "; names use only letters, digits and '_'");
    }
  }
  return Status::Ok();
}

Status TableSchema::Validate() const {
  RETURN_IF_ERROR(ValidateName(name, "table name"));
  const std::string table = "table " + Quote(name);
  if (columns.empty()) return Status::InvalidArgument(table + " has no columns");
  if (columns.size() > kMaxColumns) {
    return Status::InvalidArgument(table + " has " + std::to_string(columns.size()) +
                                   " columns; at most " + std::to_string(kMaxColumns) +
                                   " are allowed");
  }
  std::map<std::string, size_t> index_by_lower_name;
  for (size_t i = 0; i < columns.size(); ++i) {
    const ColumnDefinition& column = columns[i];
    const std::string position = "column " + std::to_string(i + 1);
    RETURN_IF_ERROR(ValidateName(column.name, position + " name").WithContext(table));
    if (!IsValidColumnType(static_cast<uint8_t>(column.type))) {
      return Status::InvalidArgument(table + ": " + position + " " + Quote(column.name) +
                                     " has unknown type " +
                                     std::to_string(static_cast<int>(column.type)));
    }
    auto [existing, inserted] = index_by_lower_name.emplace(ToLowerAscii(column.name), i);
    if (!inserted) {
      const std::string& first = columns[existing->second].name;
      std::string message = table + ": duplicate column " + Quote(column.name) + " (columns " +
                            std::to_string(existing->second + 1) + " and " +
                            std::to_string(i + 1);
      if (first != column.name) message += ", " + Quote(first) + " differs only in case";
      return Status::InvalidArgument(message + ")");
    }
  }
  if (time_column.empty()) {
    return Status::InvalidArgument(table + " has no time column; name a column of type timestamp");
  }
  std::optional<size_t> time_index = ColumnIndex(time_column);
  if (!time_index) {
    return Status::InvalidArgument(table + ": time column " + Quote(time_column) +
                                   " is not one of its columns");
  }
  if (columns[*time_index].type != ColumnType::kTimestamp) {
    return Status::InvalidArgument(table + ": time column " + Quote(time_column) + " has type " +
                                   std::string(ColumnTypeName(columns[*time_index].type)) +
                                   "; the time column must be a timestamp");
  }
  std::vector<bool> in_sort_key(columns.size(), false);
  for (size_t i = 0; i < sort_key.size(); ++i) {
    std::optional<size_t> index = ColumnIndex(sort_key[i]);
    if (!index) {
      return Status::InvalidArgument(table + ": sort key entry " + std::to_string(i + 1) + " " +
                                     Quote(sort_key[i]) + " is not one of its columns");
    }
    if (in_sort_key[*index]) {
      return Status::InvalidArgument(table + ": sort key names column " + Quote(sort_key[i]) +
                                     " twice");
    }
    in_sort_key[*index] = true;
  }
  return Status::Ok();
}

std::optional<size_t> TableSchema::ColumnIndex(std::string_view column_name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == column_name) return i;
  }
  return std::nullopt;
}

std::vector<std::string> TableSchema::SortKeyColumns() const {
  std::vector<std::string> effective = sort_key;
  if (std::find(effective.begin(), effective.end(), time_column) == effective.end()) {
    effective.push_back(time_column);
  }
  return effective;
}

TableSchema TableSchema::Normalized() const {
  TableSchema copy = *this;
  copy.sort_key = SortKeyColumns();
  return copy;
}

std::string TableSchema::ColumnListString() const {
  std::string text;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) text += ',';
    text += ColumnText(columns[i]);
  }
  return text;
}

std::string TableSchema::DescribeDifference(const TableSchema& other, std::string_view this_label,
                                            std::string_view other_label) const {
  // Built by appending: g++ 12 warns falsely (-Wrestrict) on "literal" + string.
  std::string middle = " ";
  middle.append(this_label).append(" and ");
  std::string end = " ";
  end.append(other_label);
  if (name != other.name) return "the table name is " + Quote(name) + middle + Quote(other.name) + end;
  if (columns.size() != other.columns.size()) {
    return "there are " + std::to_string(columns.size()) + " columns" + middle +
           std::to_string(other.columns.size()) + end;
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] != other.columns[i]) {
      return "column " + std::to_string(i + 1) + " is " + Quote(ColumnText(columns[i])) + middle +
             Quote(ColumnText(other.columns[i])) + end;
    }
  }
  if (time_column != other.time_column) {
    return "the time column is " + Quote(time_column) + middle + Quote(other.time_column) + end;
  }
  std::vector<std::string> mine = SortKeyColumns();
  std::vector<std::string> theirs = other.SortKeyColumns();
  if (mine != theirs) return "the sort key is " + JoinNames(mine) + middle + JoinNames(theirs) + end;
  return {};
}

bool TableSchema::operator==(const TableSchema& other) const {
  return name == other.name && columns == other.columns && time_column == other.time_column &&
         SortKeyColumns() == other.SortKeyColumns();
}

Result<std::vector<ColumnDefinition>> ParseColumnList(std::string_view text) {
  if (Trim(text).empty()) return Status::InvalidArgument("the column list is empty");
  std::vector<ColumnDefinition> columns;
  std::vector<std::string_view> items = SplitCommas(text);
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string position = "column " + std::to_string(i + 1);
    std::string_view item = Trim(items[i]);
    if (item.empty()) {
      return Status::InvalidArgument(position + " of the column list is empty (two commas in a row?)");
    }
    size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument(position + " " + Quote(item) +
                                     " has no type; write name:type, e.g. price:float64");
    }
    std::string_view column_name = Trim(item.substr(0, colon));
    std::string_view type_name = Trim(item.substr(colon + 1));
    if (column_name.empty()) {
      return Status::InvalidArgument(position + " " + Quote(item) + " has no name before ':'");
    }
    std::optional<ColumnType> type = ColumnTypeFromName(type_name);
    if (!type) {
      return Status::InvalidArgument(position + " " + Quote(item) + " has unknown type " +
                                     Quote(type_name) +
                                     "; the types are int64, uint64, float64, string, timestamp");
    }
    columns.push_back(ColumnDefinition{std::string(column_name), *type});
  }
  return columns;
}

Result<TableSchema> ParseTableSchema(std::string_view table_name, std::string_view column_list,
                                     std::string_view time_column, std::string_view sort_key) {
  TableSchema schema;
  schema.name = std::string(Trim(table_name));
  ASSIGN_OR_RETURN(schema.columns, ParseColumnList(column_list));
  schema.time_column = std::string(Trim(time_column));
  if (schema.time_column.empty()) {
    for (const ColumnDefinition& column : schema.columns) {
      if (column.type == ColumnType::kTimestamp) {
        schema.time_column = column.name;
        break;
      }
    }
    if (schema.time_column.empty()) {
      return Status::InvalidArgument("table " + Quote(schema.name) +
                                     " has no time column: no column has type timestamp");
    }
  }
  if (!Trim(sort_key).empty()) {
    std::vector<std::string_view> items = SplitCommas(sort_key);
    for (size_t i = 0; i < items.size(); ++i) {
      std::string_view item = Trim(items[i]);
      if (item.empty()) {
        return Status::InvalidArgument("sort key entry " + std::to_string(i + 1) +
                                       " is empty (two commas in a row?)");
      }
      schema.sort_key.emplace_back(item);
    }
  }
  RETURN_IF_ERROR(schema.Validate());
  return schema;
}

}  // namespace backtrace
