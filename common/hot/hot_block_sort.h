// The order of a hot block's rows by a table's sort key: the permutation in
// which the compactor writes a frozen block's rows to its column files.
//
// SortedRowOrder returns exactly what std::stable_sort of the row numbers
// 0..n-1 would return with this comparison: the key columns in turn, each
// compared by value — signed for int64 and timestamp, unsigned for uint64,
// bytewise (as unsigned bytes, a shorter prefix first) for strings, and
// numerically for float64 with -0.0 equal to +0.0 and every NaN equal to
// each other and after every number — and rows equal in every key column
// in their original order.
//
// It gets there without comparisons: each key column is mapped to 64-bit
// keys that order the same way (strings by the rank of each distinct
// value), and the rows are stable-radix-sorted by the key columns from the
// last to the first, skipping the trailing key columns by which the rows
// already arrive in order (time-ordered appends sorted by (symbol, ts) need
// one pass over the symbol ranks) and the digits in which no two keys
// differ.
//
// Stateless; callable from any thread. The view must outlive the call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/hot/hot_block_view.h"

namespace backtrace::hot {

// The row order of `view` by the columns `key_columns` (indexes into the
// view, most significant first). An empty key keeps the rows as they are.
std::vector<uint32_t> SortedRowOrder(const HotBlockView& view, std::span<const size_t> key_columns);

}  // namespace backtrace::hot
