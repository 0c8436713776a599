// EXPLAIN: the text of a query's plan and of what pruning skips, one line
// per row of the "plan" result column (docs/query_language.md, "EXPLAIN").
//
// Stateless; callable from any thread.
#pragma once

#include <string>
#include <vector>

#include "common/query/bound_query.h"
#include "common/query/table_scan.h"

namespace backtrace::query {

// The plan of `plan` and the counters of a pruning-only scan of its table.
std::vector<std::string> ExplainPlan(const QueryPlan& plan, const ScanCounters& counters);

}  // namespace backtrace::query
