// Checks of an Append against its table's schema, the third step of
// receiving a batch (after wire::VerifyRequest and wire::ValidateRequest):
// every schema column present exactly once with its type, no column the
// schema lacks, and every time column value within the accepted range.
// Nothing of a batch that fails is written anywhere.
//
// Stateless; callable from any thread.
#pragma once

#include <cstdint>
#include <vector>

#include "common/base/status.h"
#include "common/schema/table_schema.h"
#include "common/wire/ingest_generated.h"

namespace backtrace::daemon {

// The earliest and latest accepted timestamps: 1800-01-01T00:00:00Z and the
// last nanosecond that int64 holds less one (INT64_MIN and INT64_MAX stay
// free as open-range markers).
inline constexpr int64_t kMinTimestamp = -5364662400LL * 1000000000LL;
inline constexpr int64_t kMaxTimestamp = INT64_MAX - 1;

// For a verified and wire-validated Append of `rows` rows: returns, for each
// schema column in schema order, the index of the batch column that holds
// it. kInvalidArgument naming the column and the problem otherwise
// ("column \"qty\" is float64 in the batch but int64 in table orders").
[[nodiscard]] Result<std::vector<uint32_t>> MatchAppendToSchema(const fb::Append& append,
                                                                const TableSchema& schema,
                                                                size_t rows);

}  // namespace backtrace::daemon
