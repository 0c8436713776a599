// Helpers for tests that query a real daemon: an orders table whose rows
// are numbered (ts = row number in nanoseconds, so every row is
// identifiable and time ranges select rows by number), ingested through the
// real client, and small query calls through the real query client.
//
// Single-threaded use per object; the functions are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/client/ingest_client.h"
#include "common/client/query_client.h"
#include "common/schema/column_vector.h"
#include "common/schema/table_schema.h"

namespace backtrace::testing {

// orders-like schema under `name`: ts timestamp, symbol string, price
// float64, qty int64; sorted by symbol, ts.
TableSchema NumberedOrdersSchema(const std::string& name);

// Row r: ts = r, symbol = kSymbols[r % 4], price = 100 + r % 10, qty = r + 1.
struct NumberedOrders {
  static constexpr const char* kSymbols[] = {"AAA", "BBB", "CCC", "DDD"};
  ColumnVector ts{ColumnType::kTimestamp};
  ColumnVector symbol{ColumnType::kString};
  ColumnVector price{ColumnType::kFloat64};
  ColumnVector qty{ColumnType::kInt64};

  NumberedOrders(int64_t first, size_t count);
  std::vector<client::NamedColumn> columns() const;
};

// Connects an ingest client (no producer id).
Result<std::unique_ptr<client::IngestClient>> ConnectIngest(const std::string& socket_path);

// Creates the table and appends rows [first, first + count) in batches of
// batch_rows, then waits for every Ack.
Status IngestNumberedOrders(client::IngestClient* client, const std::string& table, int64_t first,
                            int64_t count, size_t batch_rows);

// Connects a query client.
Result<std::unique_ptr<client::QueryClient>> ConnectQuery(const std::string& socket_path);

// Runs a query whose result is one row of one integer column (count(*),
// sum of an int64 column) and returns that value.
Result<int64_t> QueryInteger(client::QueryClient* client, const std::string& sql);

}  // namespace backtrace::testing
