// The parser of the query language (docs/query_language.md): a recursive
// descent over the lexer's tokens building an ast::Statement. It checks
// syntax only; names and types are checked by the binder.
//
// Stateless; callable from any thread. Safe on any input (fuzzed): errors
// are values, recursion depth is bounded.
#pragma once

#include <string_view>

#include "common/base/status.h"
#include "common/query/ast.h"

namespace backtrace::query {

// Parses one SELECT or EXPLAIN SELECT statement (an optional trailing ';').
// A syntax error is kInvalidArgument "syntax error at column N: expected X,
// found Y" (line and column for multi-line text).
[[nodiscard]] Result<ast::Statement> ParseStatement(std::string_view sql);

}  // namespace backtrace::query
