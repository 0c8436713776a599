#include "common/query/zone_map.h"

#include <cmath>
#include <string>

namespace backtrace::query {
namespace {

using ast::ComparisonOperator;

// Bounds of the non-NaN values of a zone, answering "are all values < x"
// and friends conservatively.
template <typename T>
struct Bounds {
  T low;
  T high;
  bool exact = true;  // low and high are the true minimum and maximum

  bool AllLess(const T& x) const { return high < x; }
  bool AllLessEqual(const T& x) const { return high <= x; }
  bool AllGreater(const T& x) const { return low > x; }
  bool AllGreaterEqual(const T& x) const { return low >= x; }
  bool Single(const T& x) const { return exact && low == x && high == x; }
};

// Strings: a truncated high bound stands for every string that starts with
// it, so "all values < x" needs x to exceed it without extending it.
template <>
struct Bounds<std::string> {
  std::string low;
  std::string high;
  bool exact = true;
  bool high_truncated = false;

  bool StartsWithHigh(const std::string& x) const { return x.compare(0, high.size(), high) == 0; }
  bool AllLess(const std::string& x) const {
    return high_truncated ? (high < x && !StartsWithHigh(x)) : high < x;
  }
  bool AllLessEqual(const std::string& x) const {
    return high_truncated ? (high < x && !StartsWithHigh(x)) : high <= x;
  }
  bool AllGreater(const std::string& x) const { return low > x; }
  bool AllGreaterEqual(const std::string& x) const { return low >= x; }
  bool Single(const std::string& x) const { return exact && low == x && high == x; }
};

template <typename T, typename B>
ZoneMatch Decide(const BoundPredicate& predicate, const B& bounds, bool has_nan) {
  auto value = [&](size_t i) -> const T& { return std::get<T>(predicate.values[i]); };
  bool none = false;
  bool all = false;
  switch (predicate.kind) {
    case ast::Predicate::Kind::kCompare: {
      const T& x = value(0);
      switch (predicate.op) {
        case ComparisonOperator::kEqual:
          none = bounds.AllLess(x) || bounds.AllGreater(x);
          all = bounds.Single(x) && !has_nan;
          break;
        case ComparisonOperator::kNotEqual:
          none = bounds.Single(x) && !has_nan;
          all = bounds.AllLess(x) || bounds.AllGreater(x);
          break;
        case ComparisonOperator::kLess:
          none = bounds.AllGreaterEqual(x);
          all = bounds.AllLess(x) && !has_nan;
          break;
        case ComparisonOperator::kLessEqual:
          none = bounds.AllGreater(x);
          all = bounds.AllLessEqual(x) && !has_nan;
          break;
        case ComparisonOperator::kGreater:
          none = bounds.AllLessEqual(x);
          all = bounds.AllGreater(x) && !has_nan;
          break;
        case ComparisonOperator::kGreaterEqual:
          none = bounds.AllLess(x);
          all = bounds.AllGreaterEqual(x) && !has_nan;
          break;
      }
      break;
    }
    case ast::Predicate::Kind::kBetween: {
      const T& low = value(0);
      const T& high = value(1);
      none = high < low || bounds.AllLess(low) || bounds.AllGreater(high);
      all = !(high < low) && bounds.AllGreaterEqual(low) && bounds.AllLessEqual(high) && !has_nan;
      break;
    }
    case ast::Predicate::Kind::kIn: {
      none = true;
      for (size_t i = 0; i < predicate.values.size(); ++i) {
        const T& x = value(i);
        if (!(bounds.AllLess(x) || bounds.AllGreater(x))) none = false;
        if (bounds.Single(x) && !has_nan) all = true;
      }
      break;
    }
  }
  if (none) return ZoneMatch::kNone;
  if (all) return ZoneMatch::kAll;
  return ZoneMatch::kSome;
}

template <typename T>
bool Holds(const BoundPredicate& predicate, const ZoneMap& zone) {
  if (!std::holds_alternative<T>(zone.min) || !std::holds_alternative<T>(zone.max)) return false;
  for (const Value& value : predicate.values) {
    if (!std::holds_alternative<T>(value)) return false;
  }
  return true;
}

template <typename T>
ZoneMatch DecideNumbers(const BoundPredicate& predicate, const ZoneMap& zone, bool has_nan) {
  if (!Holds<T>(predicate, zone)) return ZoneMatch::kSome;
  Bounds<T> bounds{std::get<T>(zone.min), std::get<T>(zone.max)};
  return Decide<T>(predicate, bounds, has_nan);
}

}  // namespace

ZoneMap ZoneMap::FromGranule(const column::GranuleInfo& granule) {
  ZoneMap zone;
  zone.min = granule.min;
  zone.max = granule.max;
  zone.has_nan = granule.has_nan;
  zone.all_nan = granule.all_nan;
  zone.min_truncated = granule.min_truncated;
  zone.max_truncated = granule.max_truncated;
  return zone;
}

ZoneMap ZoneMap::FromBlock(const ColumnStats& stats) {
  ZoneMap zone;
  zone.min = stats.min;
  zone.max = stats.max;
  zone.has_nan = stats.has_nan;
  if (const double* min = std::get_if<double>(&stats.min); min != nullptr && std::isnan(*min)) {
    zone.all_nan = true;
  }
  if (const std::string* min = std::get_if<std::string>(&stats.min)) {
    zone.min_truncated = min->size() >= column::kMaxZoneMapStringBytes;
  }
  if (const std::string* max = std::get_if<std::string>(&stats.max)) {
    zone.max_truncated = max->size() >= column::kMaxZoneMapStringBytes;
  }
  return zone;
}

ZoneMatch EvaluateZone(const BoundPredicate& predicate, ColumnType type, const ZoneMap& zone) {
  switch (type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      return DecideNumbers<int64_t>(predicate, zone, false);
    case ColumnType::kUInt64:
      return DecideNumbers<uint64_t>(predicate, zone, false);
    case ColumnType::kFloat64: {
      if (zone.all_nan) {
        bool not_equal = predicate.kind == ast::Predicate::Kind::kCompare &&
                         predicate.op == ComparisonOperator::kNotEqual;
        return not_equal ? ZoneMatch::kAll : ZoneMatch::kNone;
      }
      return DecideNumbers<double>(predicate, zone, zone.has_nan);
    }
    case ColumnType::kString: {
      if (!Holds<std::string>(predicate, zone)) return ZoneMatch::kSome;
      Bounds<std::string> bounds;
      bounds.low = std::get<std::string>(zone.min);
      bounds.high = std::get<std::string>(zone.max);
      bounds.exact = !zone.min_truncated && !zone.max_truncated;
      bounds.high_truncated = zone.max_truncated;
      return Decide<std::string>(predicate, bounds, false);
    }
  }
  return ZoneMatch::kSome;
}

}  // namespace backtrace::query
