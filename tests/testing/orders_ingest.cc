#include "tests/testing/orders_ingest.h"

#include <algorithm>

namespace backtrace::testing {

TableSchema NumberedOrdersSchema(const std::string& name) {
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

NumberedOrders::NumberedOrders(int64_t first, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    int64_t row = first + static_cast<int64_t>(i);
    ts.int64s().push_back(row);
    symbol.strings().push_back(kSymbols[row % 4]);
    price.float64s().push_back(100.0 + static_cast<double>(row % 10));
    qty.int64s().push_back(row + 1);
  }
}

std::vector<client::NamedColumn> NumberedOrders::columns() const {
  return {{"ts", &ts}, {"symbol", &symbol}, {"price", &price}, {"qty", &qty}};
}

Result<std::unique_ptr<client::IngestClient>> ConnectIngest(const std::string& socket_path) {
  client::IngestClientOptions options;
  options.socket_path = socket_path;
  return client::IngestClient::Connect(options);
}

Status IngestNumberedOrders(client::IngestClient* client, const std::string& table, int64_t first,
                            int64_t count, size_t batch_rows) {
  RETURN_IF_ERROR(client->CreateTable(NumberedOrdersSchema(table)));
  for (int64_t offset = 0; offset < count; offset += static_cast<int64_t>(batch_rows)) {
    size_t rows = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(batch_rows), count - offset));
    NumberedOrders batch(first + offset, rows);
    RETURN_IF_ERROR(client->Append(table, batch.columns()));
  }
  return client->Flush();
}

Result<std::unique_ptr<client::QueryClient>> ConnectQuery(const std::string& socket_path) {
  client::QueryClientOptions options;
  options.socket_path = socket_path;
  return client::QueryClient::Connect(options);
}

Result<int64_t> QueryInteger(client::QueryClient* client, const std::string& sql) {
  ASSIGN_OR_RETURN(client::QueryResult result, client->QueryAll(sql));
  if (result.rows() != 1 || result.values.size() != 1) {
    return Status::Internal("expected one value from " + sql + ", got " +
                            std::to_string(result.rows()) + " rows of " +
                            std::to_string(result.values.size()) + " columns");
  }
  const ColumnVector& column = result.values[0];
  switch (column.type()) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      return column.int64s()[0];
    case ColumnType::kUInt64:
      return static_cast<int64_t>(column.uint64s()[0]);
    default:
      return Status::Internal("the result of " + sql + " is not an integer");
  }
}

}  // namespace backtrace::testing
