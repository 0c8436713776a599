// Converting literals of the query text to typed values: a literal takes the
// type of the column or expression it is compared with, and one that does
// not fit that type is an error naming both (docs/query_language.md,
// "Literals").
//
// Stateless functions; callable from any thread.
#pragma once

#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/query/ast.h"
#include "common/schema/column_type.h"

namespace backtrace::query {

// Converts a literal expression (kInteger, kFloat or kString) to a Value of
// `type`'s alternative. `target` names what it is compared with in errors,
// e.g. "column qty". kInvalidArgument: "literal 100.5 does not fit column
// qty of type int64 (not a whole number)".
[[nodiscard]] Result<Value> LiteralAs(const ast::Expression& literal, ColumnType type,
                                      std::string_view target);

// The value of a number literal standing on its own in arithmetic: int64 if
// it fits, else uint64, else an error; float literals are float64. Sets
// *type accordingly.
[[nodiscard]] Result<Value> NumberLiteral(const ast::Expression& literal, ColumnType* type);

bool IsLiteral(const ast::Expression& expression);

}  // namespace backtrace::query
