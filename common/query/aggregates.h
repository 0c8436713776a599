// Aggregate states: the running count, sum, min, max, avg, first or last of
// one aggregate for every group, kept as arrays indexed by group id (one
// virtual call per batch, tight loops inside). docs/query_language.md
// ("Aggregates") defines the results; in short:
// - count → int64; sum of integers → int64 (uint64 for uint64), exact, an
//   error if the total does not fit; sum of float64 → float64;
//   avg → float64; min, max, first, last → the argument's type.
// - min and max of float64 skip NaN (NaN only if every value is NaN).
// - first and last take the value at the smallest / largest time; among
//   rows of equal time the smallest value is first and the largest last
//   (NaN above every number).
//
// Used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/base/status.h"
#include "common/column/column_file.h"
#include "common/query/bound_query.h"
#include "common/query/column_slice.h"

namespace backtrace::query {

class AggregateState {
 public:
  virtual ~AggregateState() = default;

  // Makes room for groups [0, groups); new groups start empty.
  virtual void Resize(size_t groups) = 0;
  // Bytes each group takes (for the memory limit), strings excluded.
  virtual size_t BytesPerGroup() const = 0;
  // Extra bytes held outside the arrays (string values).
  virtual size_t ExtraBytes() const { return 0; }

  // Adds `rows` rows: values of the argument (unused for count(*)), their
  // times (first and last only) and their groups (nullptr: every row is in
  // `group`).
  virtual void Update(const ColumnSlice& values, const int64_t* times, const uint32_t* groups,
                      uint32_t group, size_t rows) = 0;

  // Adds a whole granule of `rows` rows from its zone map and sums; only
  // when UsesStatistics() and StatisticsUsable(granule).
  virtual void UpdateFromStatistics(const column::GranuleInfo* granule, uint64_t rows,
                                    uint32_t group) = 0;

  // Writes the results of groups [0, groups) to *out (of result_type).
  // kInvalidArgument when an integer sum does not fit its type.
  [[nodiscard]] virtual Status Finish(size_t groups, ColumnVector* out) const = 0;
};

// Whether the aggregate can be answered from granule statistics at all
// (count, and sum/min/max/avg of a bare column).
bool UsesStatistics(const BoundAggregate& aggregate);
// Whether this granule's statistics are exact enough (untruncated strings).
bool StatisticsUsable(const BoundAggregate& aggregate, const column::GranuleInfo& granule);

std::unique_ptr<AggregateState> MakeAggregateState(const BoundAggregate& aggregate,
                                                   ColumnType argument_type);

// The total order first/last use to break ties and sort uses: NaN above
// every number. Returns <0, 0, >0.
int CompareDoubles(double a, double b);

}  // namespace backtrace::query
