// Vectorised filter kernels: each refines a Selection by one predicate over
// a whole batch in one tight loop (branch-free index writes, no per-row
// virtual calls). Float comparisons follow IEEE 754: NaN fails every
// comparison but !=.
//
// Stateless functions; callable from any thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/query/bound_query.h"
#include "common/query/column_slice.h"

namespace backtrace::query {

// Keeps the selected rows r whose column[r] satisfies `predicate` (`column`
// is indexed by the batch's row numbers; its type is the predicate's).
void FilterRows(const BoundPredicate& predicate, const ColumnSlice& column, Selection* selection);

// The same for values evaluated over the selected rows only: values[j]
// belongs to the j-th selected row.
void FilterCompacted(const BoundPredicate& predicate, const ColumnSlice& values,
                     Selection* selection);

// Dictionary-encoded strings: keeps the selected rows r with
// matches[codes[r]] != 0.
void FilterCodes(const uint32_t* codes, const std::vector<uint8_t>& matches, Selection* selection);

// Whether each dictionary entry satisfies a string predicate.
std::vector<uint8_t> MatchDictionary(const BoundPredicate& predicate, const StringValues& dictionary);

}  // namespace backtrace::query
