#include "common/query/row_sorter.h"

#include <algorithm>
#include <numeric>

#include "common/query/aggregates.h"

namespace backtrace::query {
namespace {

int CompareCells(const ColumnVector& column, uint32_t a, uint32_t b) {
  switch (column.type()) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp: {
      int64_t x = column.int64s()[a], y = column.int64s()[b];
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case ColumnType::kUInt64: {
      uint64_t x = column.uint64s()[a], y = column.uint64s()[b];
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case ColumnType::kFloat64:
      return CompareDoubles(column.float64s()[a], column.float64s()[b]);
    case ColumnType::kString: {
      int c = column.strings().at(a).compare(column.strings().at(b));
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
  }
  return 0;
}

}  // namespace

std::vector<uint32_t> SortRows(const std::vector<const ColumnVector*>& columns,
                               const std::vector<SortKey>& keys, size_t rows, size_t limit) {
  std::vector<uint32_t> order(rows);
  std::iota(order.begin(), order.end(), 0u);
  auto less = [&](uint32_t a, uint32_t b) {
    for (const SortKey& key : keys) {
      int c = CompareCells(*columns[key.column], a, b);
      if (c != 0) return key.descending ? c > 0 : c < 0;
    }
    for (const ColumnVector* column : columns) {
      int c = CompareCells(*column, a, b);
      if (c != 0) return c < 0;
    }
    return false;
  };
  if (limit < rows) {
    std::partial_sort(order.begin(), order.begin() + static_cast<ptrdiff_t>(limit), order.end(), less);
    order.resize(limit);
  } else {
    std::sort(order.begin(), order.end(), less);
  }
  return order;
}

void PermuteColumns(const std::vector<uint32_t>& order, std::vector<ColumnVector>* columns) {
  for (ColumnVector& column : *columns) {
    ColumnVector permuted(column.type());
    permuted.Reserve(order.size());
    switch (column.type()) {
      case ColumnType::kInt64:
      case ColumnType::kTimestamp:
        for (uint32_t row : order) permuted.int64s().push_back(column.int64s()[row]);
        break;
      case ColumnType::kUInt64:
        for (uint32_t row : order) permuted.uint64s().push_back(column.uint64s()[row]);
        break;
      case ColumnType::kFloat64:
        for (uint32_t row : order) permuted.float64s().push_back(column.float64s()[row]);
        break;
      case ColumnType::kString:
        for (uint32_t row : order) permuted.strings().push_back(column.strings().at(row));
        break;
    }
    column = std::move(permuted);
  }
}

}  // namespace backtrace::query
