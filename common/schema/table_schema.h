// TableSchema: the definition of one table — its name, its columns, which
// column is the time column and the key its blocks are sorted by. Schemas are
// validated before they are stored (catalog) or sent (ingest protocol), and
// every validation error names what is wrong.
//
// Rules (Validate):
// - Table and column names are 1..64 bytes of ASCII letters, digits and '_',
//   and do not start with a digit.
// - A table has 1..1024 columns. Column names are unique, compared without
//   regard to ASCII case ("Price" and "price" may not both exist, so that SQL
//   can treat identifiers case-insensitively later).
// - The time column names an existing column of type timestamp.
// - The sort key lists existing columns, each at most once. If it does not
//   include the time column, the time column is appended implicitly: the
//   effective sort key (SortKeyColumns) always contains it. An empty sort key
//   therefore means "by time".
//
// Two schemas are equal when name, columns and time column are equal and
// their effective sort keys are equal (so `[]` equals `[ts]` when ts is the
// time column).
//
// Plain values; callable from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/schema/column_type.h"

namespace backtrace {

inline constexpr size_t kMaxNameBytes = 64;
inline constexpr size_t kMaxColumns = 1024;

struct ColumnDefinition {
  std::string name;
  ColumnType type = ColumnType::kInt64;

  bool operator==(const ColumnDefinition&) const = default;
};

struct TableSchema {
  std::string name;
  std::vector<ColumnDefinition> columns;
  std::string time_column;
  // Column names, most significant first. See the rules above.
  std::vector<std::string> sort_key;

  // OK, or kInvalidArgument whose message names the table, the column or the
  // sort key entry that breaks a rule and says which rule.
  [[nodiscard]] Status Validate() const;

  // Index of the column with exactly this name (case-sensitive), if any.
  std::optional<size_t> ColumnIndex(std::string_view column_name) const;

  // The effective sort key: sort_key, plus the time column at the end if
  // sort_key does not name it. Meaningful for a schema that validates.
  std::vector<std::string> SortKeyColumns() const;

  // A copy whose sort_key is the effective sort key.
  TableSchema Normalized() const;

  // "ts:timestamp,symbol:string" — the CLI column list form.
  std::string ColumnListString() const;

  // Empty when *this == other; otherwise one sentence naming the first
  // difference, e.g. "column 3 is 'price:float64' here and 'price:int64'
  // there" with the default labels. For error messages.
  std::string DescribeDifference(const TableSchema& other, std::string_view this_label = "here",
                                 std::string_view other_label = "there") const;

  bool operator==(const TableSchema& other) const;
};

// Checks one table or column name against the naming rule. `what` names the
// thing in the message, e.g. "table name" or "column 3 name".
[[nodiscard]] Status ValidateName(std::string_view name, std::string_view what);

// Parses the CLI column list form `ts:timestamp,symbol:string,price:float64`
// (spaces around items, names and types are ignored). Errors name the item by
// position and text: an empty item, an item without ':', an empty name, an
// unknown type. Names are not checked here (Validate does).
[[nodiscard]] Result<std::vector<ColumnDefinition>> ParseColumnList(std::string_view text);

// Builds and validates a schema from CLI arguments. `time_column` empty means
// the first column of type timestamp; `sort_key` is a comma-separated column
// list, empty meaning the time column alone.
[[nodiscard]] Result<TableSchema> ParseTableSchema(std::string_view table_name,
                                                   std::string_view column_list,
                                                   std::string_view time_column = {},
                                                   std::string_view sort_key = {});

}  // namespace backtrace
