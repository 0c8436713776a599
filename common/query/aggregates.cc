#include "common/query/aggregates.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace backtrace::query {
namespace {

using Int128 = column::Int128;

// Per-type access to a slice's values and to a ColumnVector's storage.
template <typename T>
struct Access;

template <>
struct Access<int64_t> {
  static int64_t At(const ColumnSlice& slice, size_t row) { return slice.data<int64_t>()[row]; }
  static std::vector<int64_t>& Storage(ColumnVector* out) { return out->int64s(); }
  static int64_t FromValue(const Value& value) { return std::get<int64_t>(value); }
  static bool Less(int64_t a, int64_t b) { return a < b; }
};
template <>
struct Access<uint64_t> {
  static uint64_t At(const ColumnSlice& slice, size_t row) { return slice.data<uint64_t>()[row]; }
  static std::vector<uint64_t>& Storage(ColumnVector* out) { return out->uint64s(); }
  static uint64_t FromValue(const Value& value) { return std::get<uint64_t>(value); }
  static bool Less(uint64_t a, uint64_t b) { return a < b; }
};
template <>
struct Access<double> {
  static double At(const ColumnSlice& slice, size_t row) { return slice.data<double>()[row]; }
  static std::vector<double>& Storage(ColumnVector* out) { return out->float64s(); }
  static double FromValue(const Value& value) { return std::get<double>(value); }
  static bool Less(double a, double b) { return CompareDoubles(a, b) < 0; }
};
template <>
struct Access<std::string> {
  static std::string_view At(const ColumnSlice& slice, size_t row) { return slice.string(row); }
  static std::string FromValue(const Value& value) { return std::get<std::string>(value); }
  static bool Less(std::string_view a, std::string_view b) { return a < b; }
};

class CountState final : public AggregateState {
 public:
  void Resize(size_t groups) override { counts_.resize(groups, 0); }
  size_t BytesPerGroup() const override { return sizeof(int64_t); }
  void Update(const ColumnSlice&, const int64_t*, const uint32_t* groups, uint32_t group,
              size_t rows) override {
    if (groups == nullptr) {
      counts_[group] += static_cast<int64_t>(rows);
      return;
    }
    for (size_t i = 0; i < rows; ++i) ++counts_[groups[i]];
  }
  void UpdateFromStatistics(const column::GranuleInfo*, uint64_t rows, uint32_t group) override {
    counts_[group] += static_cast<int64_t>(rows);
  }
  Status Finish(size_t groups, ColumnVector* out) const override {
    out->int64s().assign(counts_.begin(), counts_.begin() + static_cast<ptrdiff_t>(groups));
    return Status::Ok();
  }

 private:
  std::vector<int64_t> counts_;
};

// sum or avg of int64 (timestamps included) or uint64 values: exact in 128
// bits.
template <typename In>
class IntegerSumState final : public AggregateState {
 public:
  IntegerSumState(std::string text, bool average) : text_(std::move(text)), average_(average) {}
  void Resize(size_t groups) override {
    sums_.resize(groups, 0);
    if (average_) counts_.resize(groups, 0);
  }
  size_t BytesPerGroup() const override { return sizeof(Int128) + (average_ ? 8 : 0); }
  void Update(const ColumnSlice& values, const int64_t*, const uint32_t* groups, uint32_t group,
              size_t rows) override {
    const In* data = values.data<In>();
    if (groups == nullptr) {
      Int128 sum = 0;
      for (size_t i = 0; i < rows; ++i) sum += data[i];
      sums_[group] += sum;
      if (average_) counts_[group] += rows;
      return;
    }
    for (size_t i = 0; i < rows; ++i) sums_[groups[i]] += data[i];
    if (average_) {
      for (size_t i = 0; i < rows; ++i) ++counts_[groups[i]];
    }
  }
  void UpdateFromStatistics(const column::GranuleInfo* granule, uint64_t rows,
                            uint32_t group) override {
    sums_[group] += granule->integer_sum;
    if (average_) counts_[group] += rows;
  }
  Status Finish(size_t groups, ColumnVector* out) const override {
    if (average_) {
      auto& target = out->float64s();
      for (size_t g = 0; g < groups; ++g) {
        target.push_back(static_cast<double>(sums_[g]) / static_cast<double>(counts_[g]));
      }
      return Status::Ok();
    }
    for (size_t g = 0; g < groups; ++g) {
      if constexpr (std::is_same_v<In, uint64_t>) {
        if (sums_[g] > static_cast<Int128>(std::numeric_limits<uint64_t>::max())) {
          return Status::InvalidArgument(text_ + " overflows uint64 (cast a value to float64, e.g. "
                                                 "sum(x * 1.0))");
        }
        out->uint64s().push_back(static_cast<uint64_t>(sums_[g]));
      } else {
        if (sums_[g] > std::numeric_limits<int64_t>::max() ||
            sums_[g] < std::numeric_limits<int64_t>::min()) {
          return Status::InvalidArgument(text_ + " overflows int64 (compute it in float64, e.g. "
                                                 "sum(x * 1.0))");
        }
        out->int64s().push_back(static_cast<int64_t>(sums_[g]));
      }
    }
    return Status::Ok();
  }

 private:
  std::string text_;
  bool average_;
  std::vector<Int128> sums_;
  std::vector<uint64_t> counts_;
};

class FloatSumState final : public AggregateState {
 public:
  explicit FloatSumState(bool average) : average_(average) {}
  void Resize(size_t groups) override {
    sums_.resize(groups, 0.0);
    if (average_) counts_.resize(groups, 0);
  }
  size_t BytesPerGroup() const override { return 8 + (average_ ? 8 : 0); }
  void Update(const ColumnSlice& values, const int64_t*, const uint32_t* groups, uint32_t group,
              size_t rows) override {
    const double* data = values.data<double>();
    if (groups == nullptr) {
      // Four lanes so the compiler can keep several additions in flight.
      double lanes[4] = {0, 0, 0, 0};
      size_t i = 0;
      for (; i + 4 <= rows; i += 4) {
        lanes[0] += data[i];
        lanes[1] += data[i + 1];
        lanes[2] += data[i + 2];
        lanes[3] += data[i + 3];
      }
      for (; i < rows; ++i) lanes[0] += data[i];
      sums_[group] += (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
      if (average_) counts_[group] += rows;
      return;
    }
    for (size_t i = 0; i < rows; ++i) sums_[groups[i]] += data[i];
    if (average_) {
      for (size_t i = 0; i < rows; ++i) ++counts_[groups[i]];
    }
  }
  void UpdateFromStatistics(const column::GranuleInfo* granule, uint64_t rows,
                            uint32_t group) override {
    sums_[group] += granule->float_sum;
    if (average_) counts_[group] += rows;
  }
  Status Finish(size_t groups, ColumnVector* out) const override {
    auto& target = out->float64s();
    for (size_t g = 0; g < groups; ++g) {
      target.push_back(average_ ? sums_[g] / static_cast<double>(counts_[g]) : sums_[g]);
    }
    return Status::Ok();
  }

 private:
  bool average_;
  std::vector<double> sums_;
  std::vector<uint64_t> counts_;
};

template <typename T, bool kMax>
class MinMaxState final : public AggregateState {
 public:
  void Resize(size_t groups) override {
    values_.resize(groups);
    has_.resize(groups, 0);
  }
  size_t BytesPerGroup() const override { return sizeof(T) + 1; }
  size_t ExtraBytes() const override { return string_bytes_; }

  void Update(const ColumnSlice& values, const int64_t*, const uint32_t* groups, uint32_t group,
              size_t rows) override {
    if constexpr (std::is_same_v<T, std::string>) {
      for (size_t i = 0; i < rows; ++i) Offer(groups ? groups[i] : group, values.string(i));
    } else {
      const T* data = values.data<T>();
      if (groups == nullptr && rows > 0) {
        bool has = false;
        T best{};
        for (size_t i = 0; i < rows; ++i) {
          T v = data[i];
          if constexpr (std::is_same_v<T, double>) {
            if (std::isnan(v)) continue;
          }
          if (!has || (kMax ? v > best : v < best)) best = v;
          has = true;
        }
        if (has) Offer(group, best);
        return;
      }
      for (size_t i = 0; i < rows; ++i) {
        if constexpr (std::is_same_v<T, double>) {
          if (std::isnan(data[i])) continue;
        }
        Offer(groups ? groups[i] : group, data[i]);
      }
    }
  }

  void UpdateFromStatistics(const column::GranuleInfo* granule, uint64_t, uint32_t group) override {
    if (granule->all_nan) return;
    const Value& bound = kMax ? granule->max : granule->min;
    if constexpr (std::is_same_v<T, std::string>) {
      Offer(group, std::string_view(std::get<std::string>(bound)));
    } else {
      Offer(group, Access<T>::FromValue(bound));
    }
  }

  Status Finish(size_t groups, ColumnVector* out) const override {
    for (size_t g = 0; g < groups; ++g) {
      if constexpr (std::is_same_v<T, std::string>) {
        out->strings().push_back(values_[g]);
      } else if constexpr (std::is_same_v<T, double>) {
        out->float64s().push_back(has_[g] ? values_[g] : std::numeric_limits<double>::quiet_NaN());
      } else {
        Access<T>::Storage(out).push_back(values_[g]);
      }
    }
    return Status::Ok();
  }

 private:
  template <typename V>
  void Offer(uint32_t group, const V& value) {
    if (has_[group] && !(kMax ? value > values_[group] : value < values_[group])) return;
    if constexpr (std::is_same_v<T, std::string>) {
      string_bytes_ += value.size();
      string_bytes_ -= values_[group].size();
    }
    values_[group] = T(value);
    has_[group] = 1;
  }

  std::vector<T> values_;
  std::vector<uint8_t> has_;
  size_t string_bytes_ = 0;
};

template <typename T, bool kLast>
class FirstLastState final : public AggregateState {
 public:
  void Resize(size_t groups) override {
    times_.resize(groups, 0);
    values_.resize(groups);
    has_.resize(groups, 0);
  }
  size_t BytesPerGroup() const override { return 8 + sizeof(T) + 1; }
  size_t ExtraBytes() const override { return string_bytes_; }

  void Update(const ColumnSlice& values, const int64_t* times, const uint32_t* groups,
              uint32_t group, size_t rows) override {
    for (size_t i = 0; i < rows; ++i) {
      uint32_t g = groups ? groups[i] : group;
      int64_t time = times[i];
      auto value = Access<T>::At(values, i);
      if (has_[g]) {
        int64_t best_time = times_[g];
        if (kLast ? time < best_time : time > best_time) continue;
        if (time == best_time) {
          bool better = kLast ? Access<T>::Less(values_[g], value) : Access<T>::Less(value, values_[g]);
          if (!better) continue;
        }
      }
      if constexpr (std::is_same_v<T, std::string>) {
        string_bytes_ += value.size();
        string_bytes_ -= values_[g].size();
      }
      times_[g] = time;
      values_[g] = T(value);
      has_[g] = 1;
    }
  }

  void UpdateFromStatistics(const column::GranuleInfo*, uint64_t, uint32_t) override {}

  Status Finish(size_t groups, ColumnVector* out) const override {
    for (size_t g = 0; g < groups; ++g) {
      if constexpr (std::is_same_v<T, std::string>) {
        out->strings().push_back(values_[g]);
      } else {
        Access<T>::Storage(out).push_back(values_[g]);
      }
    }
    return Status::Ok();
  }

 private:
  std::vector<int64_t> times_;
  std::vector<T> values_;
  std::vector<uint8_t> has_;
  size_t string_bytes_ = 0;
};

template <template <typename, bool> class State, bool kFlag>
std::unique_ptr<AggregateState> ByType(ColumnType type) {
  switch (type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      return std::make_unique<State<int64_t, kFlag>>();
    case ColumnType::kUInt64:
      return std::make_unique<State<uint64_t, kFlag>>();
    case ColumnType::kFloat64:
      return std::make_unique<State<double, kFlag>>();
    case ColumnType::kString:
      return std::make_unique<State<std::string, kFlag>>();
  }
  return nullptr;
}

}  // namespace

int CompareDoubles(double a, double b) {
  bool a_nan = std::isnan(a);
  bool b_nan = std::isnan(b);
  if (a_nan || b_nan) return a_nan == b_nan ? 0 : (a_nan ? 1 : -1);
  return a < b ? -1 : (a > b ? 1 : 0);
}

bool UsesStatistics(const BoundAggregate& aggregate) {
  switch (aggregate.kind) {
    case AggregateKind::kCountStar:
    case AggregateKind::kCount:
      return true;
    case AggregateKind::kSum:
    case AggregateKind::kAvg:
    case AggregateKind::kMin:
    case AggregateKind::kMax:
      return aggregate.argument.IsSlot();
    default:
      return false;
  }
}

bool StatisticsUsable(const BoundAggregate& aggregate, const column::GranuleInfo& granule) {
  if (aggregate.kind == AggregateKind::kMin) return !granule.min_truncated;
  if (aggregate.kind == AggregateKind::kMax) return !granule.max_truncated;
  return true;
}

std::unique_ptr<AggregateState> MakeAggregateState(const BoundAggregate& aggregate,
                                                   ColumnType argument_type) {
  switch (aggregate.kind) {
    case AggregateKind::kCountStar:
    case AggregateKind::kCount:
      return std::make_unique<CountState>();
    case AggregateKind::kSum:
    case AggregateKind::kAvg: {
      bool average = aggregate.kind == AggregateKind::kAvg;
      if (argument_type == ColumnType::kFloat64) return std::make_unique<FloatSumState>(average);
      if (argument_type == ColumnType::kUInt64) {
        return std::make_unique<IntegerSumState<uint64_t>>(aggregate.text, average);
      }
      return std::make_unique<IntegerSumState<int64_t>>(aggregate.text, average);
    }
    case AggregateKind::kMin:
      return ByType<MinMaxState, false>(argument_type);
    case AggregateKind::kMax:
      return ByType<MinMaxState, true>(argument_type);
    case AggregateKind::kFirst:
      return ByType<FirstLastState, false>(argument_type);
    case AggregateKind::kLast:
      return ByType<FirstLastState, true>(argument_type);
  }
  return nullptr;
}

}  // namespace backtrace::query
