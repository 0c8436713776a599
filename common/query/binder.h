// The binder: resolves a parsed statement against the table's schema and
// builds the QueryPlan the executor runs (bound_query.h). It decides the
// query's shape (projection or aggregation, group keys, outputs, order),
// types every expression and literal, and derives the time range of the
// predicates.
//
// Stateless; callable from any thread.
#pragma once

#include <string_view>

#include "common/base/status.h"
#include "common/query/ast.h"
#include "common/query/bound_query.h"
#include "common/schema/table_schema.h"

namespace backtrace::query {

// Binds `statement` (consumed: its column names are rewritten to the
// schema's spelling) against `schema`. `sql` is the statement's text, for
// positions in messages. Errors: kNotFound for an unknown column ("column
// 'prce' does not exist in table orders (at column 8)"), kInvalidArgument
// for everything else that does not fit (types, literals, aggregates out of
// place, duplicate result names...), each naming what is wrong.
[[nodiscard]] Result<QueryPlan> Bind(ast::Statement statement, const TableSchema& schema,
                                     std::string_view sql);

}  // namespace backtrace::query
