#include "common/query/filter_kernels.h"

#include <algorithm>
#include <string>

namespace backtrace::query {
namespace {

using ast::ComparisonOperator;

// values[Index(j)] is tested for the j-th candidate row.
template <bool kCompacted, typename T, typename Predicate>
void Refine(const T* values, Selection* selection, Predicate predicate) {
  size_t kept = 0;
  if (selection->all) {
    const size_t rows = selection->rows;
    selection->indices.resize(rows);
    uint32_t* out = selection->indices.data();
    for (size_t row = 0; row < rows; ++row) {
      out[kept] = static_cast<uint32_t>(row);
      kept += predicate(values[row]) ? 1 : 0;
    }
    selection->indices.resize(kept);
    selection->all = kept == rows;
    return;
  }
  uint32_t* indices = selection->indices.data();
  const size_t count = selection->indices.size();
  for (size_t j = 0; j < count; ++j) {
    uint32_t row = indices[j];
    indices[kept] = row;
    kept += predicate(values[kCompacted ? j : row]) ? 1 : 0;
  }
  selection->indices.resize(kept);
}

template <bool kCompacted, typename T, typename Get>
void FilterTyped(const BoundPredicate& predicate, const T* values, Selection* selection, Get get) {
  switch (predicate.kind) {
    case ast::Predicate::Kind::kCompare: {
      const T x = get(predicate.values[0]);
      switch (predicate.op) {
        case ComparisonOperator::kEqual:
          return Refine<kCompacted>(values, selection, [x](const T& v) { return v == x; });
        case ComparisonOperator::kNotEqual:
          return Refine<kCompacted>(values, selection, [x](const T& v) { return v != x; });
        case ComparisonOperator::kLess:
          return Refine<kCompacted>(values, selection, [x](const T& v) { return v < x; });
        case ComparisonOperator::kLessEqual:
          return Refine<kCompacted>(values, selection, [x](const T& v) { return v <= x; });
        case ComparisonOperator::kGreater:
          return Refine<kCompacted>(values, selection, [x](const T& v) { return v > x; });
        case ComparisonOperator::kGreaterEqual:
          return Refine<kCompacted>(values, selection, [x](const T& v) { return v >= x; });
      }
      return;
    }
    case ast::Predicate::Kind::kBetween: {
      const T low = get(predicate.values[0]);
      const T high = get(predicate.values[1]);
      return Refine<kCompacted>(values, selection,
                                [low, high](const T& v) { return low <= v && v <= high; });
    }
    case ast::Predicate::Kind::kIn: {
      std::vector<T> list;
      for (const Value& value : predicate.values) list.push_back(get(value));
      if (list.size() <= 8) {
        return Refine<kCompacted>(values, selection, [&list](const T& v) {
          bool found = false;
          for (const T& x : list) found |= v == x;
          return found;
        });
      }
      return Refine<kCompacted>(values, selection, [&list](const T& v) {
        return std::binary_search(list.begin(), list.end(), v);
      });
    }
  }
}

template <bool kCompacted>
void FilterStrings(const BoundPredicate& predicate, const ColumnSlice& column, Selection* selection) {
  struct Values {
    const ColumnSlice* slice;
    std::string_view operator[](size_t row) const { return slice->string(row); }
  };
  Values values{&column};
  auto run = [&](auto test) {
    size_t kept = 0;
    if (selection->all) {
      const size_t rows = selection->rows;
      selection->indices.resize(rows);
      uint32_t* out = selection->indices.data();
      for (size_t row = 0; row < rows; ++row) {
        out[kept] = static_cast<uint32_t>(row);
        kept += test(values[row]) ? 1 : 0;
      }
      selection->indices.resize(kept);
      selection->all = kept == rows;
      return;
    }
    uint32_t* indices = selection->indices.data();
    const size_t count = selection->indices.size();
    for (size_t j = 0; j < count; ++j) {
      uint32_t row = indices[j];
      indices[kept] = row;
      kept += test(values[kCompacted ? j : row]) ? 1 : 0;
    }
    selection->indices.resize(kept);
  };
  switch (predicate.kind) {
    case ast::Predicate::Kind::kCompare: {
      std::string_view x = std::get<std::string>(predicate.values[0]);
      switch (predicate.op) {
        case ComparisonOperator::kEqual: return run([x](std::string_view v) { return v == x; });
        case ComparisonOperator::kNotEqual: return run([x](std::string_view v) { return v != x; });
        case ComparisonOperator::kLess: return run([x](std::string_view v) { return v < x; });
        case ComparisonOperator::kLessEqual: return run([x](std::string_view v) { return v <= x; });
        case ComparisonOperator::kGreater: return run([x](std::string_view v) { return v > x; });
        case ComparisonOperator::kGreaterEqual: return run([x](std::string_view v) { return v >= x; });
      }
      return;
    }
    case ast::Predicate::Kind::kBetween: {
      std::string_view low = std::get<std::string>(predicate.values[0]);
      std::string_view high = std::get<std::string>(predicate.values[1]);
      return run([low, high](std::string_view v) { return low <= v && v <= high; });
    }
    case ast::Predicate::Kind::kIn: {
      std::vector<std::string_view> list;
      for (const Value& value : predicate.values) list.push_back(std::get<std::string>(value));
      return run([&list](std::string_view v) {
        return std::binary_search(list.begin(), list.end(), v);
      });
    }
  }
}

template <bool kCompacted>
void Filter(const BoundPredicate& predicate, const ColumnSlice& column, Selection* selection) {
  switch (column.type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      return FilterTyped<kCompacted>(predicate, column.data<int64_t>(), selection,
                                     [](const Value& v) { return std::get<int64_t>(v); });
    case ColumnType::kUInt64:
      return FilterTyped<kCompacted>(predicate, column.data<uint64_t>(), selection,
                                     [](const Value& v) { return std::get<uint64_t>(v); });
    case ColumnType::kFloat64:
      return FilterTyped<kCompacted>(predicate, column.data<double>(), selection,
                                     [](const Value& v) { return std::get<double>(v); });
    case ColumnType::kString:
      return FilterStrings<kCompacted>(predicate, column, selection);
  }
}

}  // namespace

void FilterRows(const BoundPredicate& predicate, const ColumnSlice& column, Selection* selection) {
  Filter<false>(predicate, column, selection);
}

void FilterCompacted(const BoundPredicate& predicate, const ColumnSlice& values,
                     Selection* selection) {
  Filter<true>(predicate, values, selection);
}

void FilterCodes(const uint32_t* codes, const std::vector<uint8_t>& matches, Selection* selection) {
  const uint8_t* match = matches.data();
  Refine<false>(codes, selection, [match](uint32_t code) { return match[code] != 0; });
}

std::vector<uint8_t> MatchDictionary(const BoundPredicate& predicate, const StringValues& dictionary) {
  ColumnSlice slice;
  slice.type = ColumnType::kString;
  slice.rows = dictionary.size();
  slice.offsets = dictionary.offsets.data();
  slice.bytes = dictionary.bytes.data();
  Selection selection;
  selection.Reset(dictionary.size());
  FilterRows(predicate, slice, &selection);
  std::vector<uint8_t> matches(dictionary.size(), selection.all ? 1 : 0);
  if (!selection.all) {
    for (uint32_t entry : selection.indices) matches[entry] = 1;
  }
  return matches;
}

}  // namespace backtrace::query
