// Helpers shared by the query engine tests: a sink that keeps the whole
// result, random tables split into persisted and in-memory blocks, and a
// one-call way to run a query against a LocalCatalogue.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "common/query/local_table.h"
#include "common/query/query_engine.h"

namespace backtrace::query::testing {

// Keeps every batch; checks the batch shape against the announced columns.
class CollectingSink : public ResultSink {
 public:
  Status Begin(const std::vector<ResultColumn>& columns) override {
    EXPECT_FALSE(begun_) << "Begin called twice";
    begun_ = true;
    this->columns = columns;
    for (const auto& column : columns) values.emplace_back(column.type);
    return Status::Ok();
  }
  Status Write(const std::vector<ColumnVector>& batch) override {
    EXPECT_TRUE(begun_);
    EXPECT_EQ(batch.size(), columns.size());
    ++batches;
    size_t rows = batch.empty() ? 0 : batch[0].size();
    max_batch_rows = std::max(max_batch_rows, rows);
    for (size_t i = 0; i < batch.size() && i < values.size(); ++i) {
      EXPECT_EQ(batch[i].type(), columns[i].type);
      EXPECT_EQ(batch[i].size(), rows);
      for (size_t row = 0; row < batch[i].size(); ++row) values[i].Append(batch[i].ValueAt(row));
    }
    return Status::Ok();
  }

  size_t rows() const { return values.empty() ? 0 : values[0].size(); }
  Value At(size_t column, size_t row) const { return values[column].ValueAt(row); }

  std::vector<ResultColumn> columns;
  std::vector<ColumnVector> values;
  size_t batches = 0;
  size_t max_batch_rows = 0;

 private:
  bool begun_ = false;
};

// The columns of the test table "trades".
inline TableSchema TradesSchema(std::vector<std::string> sort_key) {
  TableSchema schema;
  schema.name = "trades";
  schema.columns = {{"ts", ColumnType::kTimestamp},
                    {"symbol", ColumnType::kString},
                    {"price", ColumnType::kFloat64},
                    {"qty", ColumnType::kInt64},
                    {"id", ColumnType::kUInt64}};
  schema.time_column = "ts";
  schema.sort_key = std::move(sort_key);
  return schema;
}

inline std::vector<ColumnVector> EmptyTradesColumns() {
  std::vector<ColumnVector> columns;
  for (auto type : {ColumnType::kTimestamp, ColumnType::kString, ColumnType::kFloat64,
                    ColumnType::kInt64, ColumnType::kUInt64}) {
    columns.emplace_back(type);
  }
  return columns;
}

// Rows [first, first + count) of `columns`.
inline std::vector<ColumnVector> SliceRows(const std::vector<ColumnVector>& columns, size_t first,
                                           size_t count) {
  std::vector<ColumnVector> slice;
  for (const auto& column : columns) {
    ColumnVector part(column.type());
    for (size_t row = first; row < first + count; ++row) part.Append(column.ValueAt(row));
    slice.push_back(std::move(part));
  }
  return slice;
}

inline const char* const kTestSymbols[] = {
    "BTC", "ETH", "SOL", "ADA", "XRP",
    // Longer than the 64-byte zone-map limit: its bounds are truncated.
    "LONG_SYMBOL_NAME_THAT_EXCEEDS_THE_ZONE_MAP_LIMIT_OF_SIXTY_FOUR_BYTES_A",
    "LONG_SYMBOL_NAME_THAT_EXCEEDS_THE_ZONE_MAP_LIMIT_OF_SIXTY_FOUR_BYTES_B",
};

// 2024-01-01T00:00:00Z.
inline constexpr int64_t kTestStart = 1704067200LL * 1000000000LL;

struct RandomTableOptions {
  uint64_t seed = 1;
  size_t rows = 5000;
  bool shuffled_times = false;
  bool nan_prices = true;
  bool duplicate_times = true;
};

// Random trades: timestamps rising by up to ~200 ms (or shuffled), a few
// symbols (skewed), prices with occasional NaN, signed quantities, ids.
inline std::vector<ColumnVector> RandomTrades(const RandomTableOptions& options) {
  std::mt19937_64 random(options.seed);
  auto below = [&](uint64_t bound) { return random() % bound; };
  std::vector<ColumnVector> columns = EmptyTradesColumns();
  int64_t time = kTestStart;
  for (size_t row = 0; row < options.rows; ++row) {
    time += options.duplicate_times && below(10) == 0 ? 0 : 1 + static_cast<int64_t>(below(200'000'000));
    columns[0].int64s().push_back(time);
    size_t symbol = below(4) == 0 ? below(std::size(kTestSymbols)) : below(2);
    columns[1].strings().push_back(kTestSymbols[symbol]);
    double price = 100.0 + static_cast<double>(below(100000)) / 100.0;
    if (options.nan_prices && below(100) == 0) price = std::nan("");
    if (below(200) == 0) price = -0.0;
    columns[2].float64s().push_back(price);
    columns[3].int64s().push_back(static_cast<int64_t>(below(2001)) - 500);
    columns[4].uint64s().push_back(below(100000));
  }
  if (options.shuffled_times) {
    auto& times = columns[0].int64s();
    std::shuffle(times.begin(), times.end(), random);
  }
  return columns;
}

inline Result<QueryStatistics> Run(Catalogue& catalogue, std::string_view sql, CollectingSink* sink,
                                   const QueryLimits& limits = {}) {
  return ExecuteQuery(sql, catalogue, *sink, limits);
}

}  // namespace backtrace::query::testing
