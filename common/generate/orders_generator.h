// OrdersGenerator: a deterministic generator of the synthetic "orders" table
// used by benchmarks, tests and `backtrace gen orders`:
//   ts      timestamp  starts at 2024-01-01T00:00:00Z, rises by 1..2000 µs per row
//   symbol  string     one of 100 tickers; BTC about 30% of rows, ETH 12%,
//                      SOL 6%, the other 97 share the rest evenly
//   price   float64    a random walk per symbol in whole cents; BTC stays
//                      within 40000..50000, others within half and one and a
//                      half times their starting price
//   qty     int64      uniform in 1..1000
// The same seed always yields the same rows, on every platform (the
// generator uses its own integer PRNG, not <random> distributions), and the
// state carries across chunks: chunks of any sizes concatenate to the same
// table. No I/O.
//
// One generator is used by one thread at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/schema/column_type.h"
#include "common/schema/column_vector.h"

namespace backtrace::generate {

// 2024-01-01T00:00:00Z in nanoseconds since the Unix epoch.
inline constexpr int64_t kOrdersStartTimestamp = 1704067200LL * 1000000000LL;
inline constexpr size_t kOrdersSymbolCount = 100;

struct OrdersColumn {
  std::string_view name;
  ColumnType type;
};
inline constexpr std::array<OrdersColumn, 4> kOrdersColumns{{
    {"ts", ColumnType::kTimestamp},
    {"symbol", ColumnType::kString},
    {"price", ColumnType::kFloat64},
    {"qty", ColumnType::kInt64},
}};

// One chunk of rows, one vector per column in kOrdersColumns order.
struct OrdersChunk {
  ColumnVector ts{ColumnType::kTimestamp};
  ColumnVector symbol{ColumnType::kString};
  ColumnVector price{ColumnType::kFloat64};
  ColumnVector qty{ColumnType::kInt64};

  size_t rows() const { return ts.size(); }
};

class OrdersGenerator {
 public:
  explicit OrdersGenerator(uint64_t seed);

  // Replaces the contents of *chunk with the next `rows` rows of the table.
  void Next(size_t rows, OrdersChunk* chunk);

  // Rows generated so far.
  uint64_t rows_generated() const { return rows_generated_; }

  // The 100 tickers; index 0 is BTC, 1 ETH, 2 SOL.
  static const std::array<std::string_view, kOrdersSymbolCount>& Symbols();

 private:
  uint64_t NextRandom();
  // Uniform in [0, bound).
  uint64_t NextBelow(uint64_t bound);
  size_t NextSymbol();

  struct Walk {
    int64_t cents;
    int64_t lower;
    int64_t upper;
    int64_t max_step;
  };

  uint64_t random_state_;
  int64_t next_timestamp_ = kOrdersStartTimestamp;
  uint64_t rows_generated_ = 0;
  std::vector<Walk> walks_;
};

}  // namespace backtrace::generate
