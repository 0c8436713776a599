// Sorting result rows for ORDER BY (and grouped results by their keys).
// Rows are compared key by key; rows equal on every key are ordered by the
// remaining columns from left to right, ascending, so that the order (and
// what LIMIT keeps) is fully determined by the values. Numbers compare by
// value (NaN above every number), strings byte-wise, timestamps as
// integers.
//
// Stateless; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/schema/column_vector.h"

namespace backtrace::query {

struct SortKey {
  size_t column = 0;
  bool descending = false;
};

// The row numbers [0, rows) of `columns` in sorted order, only the first
// `limit` of them (all when limit >= rows).
std::vector<uint32_t> SortRows(const std::vector<const ColumnVector*>& columns,
                               const std::vector<SortKey>& keys, size_t rows, size_t limit);

// Keeps rows `order` of each column, in that order.
void PermuteColumns(const std::vector<uint32_t>& order, std::vector<ColumnVector>* columns);

}  // namespace backtrace::query
