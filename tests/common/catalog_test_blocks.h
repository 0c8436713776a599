// Schemas and block metadata shared by the catalog tests and the catalog
// helper program. Plain functions; any thread.
#pragma once

#include <cstdint>
#include <string>

#include "common/catalog/block_meta.h"
#include "common/schema/table_schema.h"

namespace backtrace::testing {

// ts:timestamp, symbol:string, price:float64, qty:int64; sorted by symbol, ts.
inline TableSchema TradesSchema(const std::string& name = "trades") {
  TableSchema schema;
  schema.name = name;
  schema.columns = {{"ts", ColumnType::kTimestamp},
                    {"symbol", ColumnType::kString},
                    {"price", ColumnType::kFloat64},
                    {"qty", ColumnType::kInt64}};
  schema.time_column = "ts";
  schema.sort_key = {"symbol", "ts"};
  return schema;
}

// A block of TradesSchema with statistics consistent with its arguments.
inline BlockMeta MakeBlock(uint64_t table_id, uint64_t block_id, int64_t min_time,
                           int64_t max_time, uint64_t rows) {
  BlockMeta block;
  block.table_id = table_id;
  block.block_id = block_id;
  block.row_count = rows;
  block.min_time = min_time;
  block.max_time = max_time;
  block.created_unix_nanos = 1'700'000'000'000'000'000 + static_cast<int64_t>(block_id);
  block.columns = {
      {0, Value(min_time), Value(max_time), false, rows * 2, rows * 8},
      {1, Value(std::string("AAPL")), Value(std::string("MSFT")), false, rows, rows * 4},
      {2, Value(1.5), Value(2.5 + static_cast<double>(block_id)), false, rows * 3, rows * 8},
      {3, Value(int64_t{1}), Value(static_cast<int64_t>(rows)), false, rows, rows * 8},
  };
  return block;
}

}  // namespace backtrace::testing
