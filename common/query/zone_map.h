// Zone-map pruning: deciding from a block's or granule's min/max whether a
// predicate matches none, some or all of its rows. Used for blocks (the
// catalog's per-column statistics) and granules (the column files' index).
//
// The decision is conservative: kNone and kAll are returned only when they
// are certain, taking NaN rows of float columns and truncated string bounds
// into account (a NaN fails every comparison but !=).
//
// Stateless functions; callable from any thread.
#pragma once

#include "common/catalog/block_meta.h"
#include "common/column/column_file.h"
#include "common/query/bound_query.h"

namespace backtrace::query {

enum class ZoneMatch { kNone, kSome, kAll };

struct ZoneMap {
  Value min;
  Value max;
  bool has_nan = false;
  bool all_nan = false;
  bool min_truncated = false;  // min is a prefix of the true minimum
  bool max_truncated = false;  // max is a prefix of the true maximum

  static ZoneMap FromGranule(const column::GranuleInfo& granule);
  // Block statistics do not say whether a string bound was cut; one as long
  // as the zone-map limit is taken as cut.
  static ZoneMap FromBlock(const ColumnStats& stats);
};

// How `predicate` (whose subject is a bare column of type `type`) matches
// the rows described by `zone`. kSome when the zone's values are not of the
// type's alternative.
ZoneMatch EvaluateZone(const BoundPredicate& predicate, ColumnType type, const ZoneMap& zone);

}  // namespace backtrace::query
