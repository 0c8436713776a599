// The query engine in process over the synthetic orders table: 10M rows
// (BACKTRACE_QUERY_BENCHMARK_ROWS overrides) from OrdersGenerator, written
// as persisted blocks of about 1M rows sorted by (symbol, ts) to a temporary
// directory, then queries Q1..Q6 run against it, reporting time per query.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "common/base/file.h"
#include "common/generate/orders_generator.h"
#include "common/query/local_table.h"
#include "common/query/query_engine.h"

namespace backtrace::query {
namespace {

constexpr size_t kBlockRows = 1'000'000;

class CountingSink : public ResultSink {
 public:
  Status Begin(const std::vector<ResultColumn>&) override { return Status::Ok(); }
  Status Write(const std::vector<ColumnVector>& batch) override {
    rows += batch.empty() ? 0 : batch[0].size();
    return Status::Ok();
  }
  uint64_t rows = 0;
};

struct Orders {
  std::string directory;
  std::shared_ptr<LocalTable> table;
  LocalCatalogue catalogue;
};

Orders* BuildOrders() {
  size_t rows = 10'000'000;
  if (const char* text = std::getenv("BACKTRACE_QUERY_BENCHMARK_ROWS")) rows = std::strtoull(text, nullptr, 10);
  char pattern[] = "/tmp/backtrace-query-benchmark-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) std::abort();
  auto* orders = new Orders;
  orders->directory = pattern;
  TableSchema schema;
  schema.name = "orders";
  for (const auto& column : generate::kOrdersColumns) {
    schema.columns.push_back(ColumnDefinition{std::string(column.name), column.type});
  }
  schema.time_column = "ts";
  schema.sort_key = {"symbol", "ts"};
  auto table = LocalTable::Create(orders->directory + "/orders", schema);
  if (!table.ok()) std::abort();
  orders->table = *table;
  generate::OrdersGenerator generator(42);
  for (size_t first = 0; first < rows; first += kBlockRows) {
    generate::OrdersChunk chunk;
    generator.Next(std::min(kBlockRows, rows - first), &chunk);
    std::vector<ColumnVector> columns;
    columns.push_back(std::move(chunk.ts));
    columns.push_back(std::move(chunk.symbol));
    columns.push_back(std::move(chunk.price));
    columns.push_back(std::move(chunk.qty));
    Status status = orders->table->AddBlock(std::move(columns));
    if (!status.ok()) {
      std::fprintf(stderr, "%s\n", status.ToString().c_str());
      std::abort();
    }
  }
  orders->catalogue.Add(orders->table);
  return orders;
}

Orders& Data() {
  static Orders* orders = BuildOrders();
  return *orders;
}

void RunQuery(benchmark::State& state, const char* sql) {
  Orders& orders = Data();
  uint64_t rows = 0;
  QueryStatistics statistics;
  for (auto _ : state) {
    CountingSink sink;
    auto result = ExecuteQuery(sql, orders.catalogue, sink, QueryLimits{});
    if (!result.ok()) {
      state.SkipWithError(result.status().ToString().c_str());
      return;
    }
    statistics = *result;
    rows = sink.rows;
  }
  state.counters["result_rows"] = static_cast<double>(rows);
  state.counters["rows_scanned"] = static_cast<double>(statistics.rows_scanned);
  state.counters["granules_skipped"] = static_cast<double>(statistics.granules_skipped);
  state.counters["granules_total"] = static_cast<double>(statistics.granules_total);
}

BENCHMARK_CAPTURE(RunQuery, Q1_count_btc_qty_price,
                  "SELECT count(*) FROM orders WHERE symbol = 'BTC' AND qty > 100 AND price > 45000")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(RunQuery, Q2_count_sum_one_hour,
                  "SELECT count(*), sum(qty) FROM orders WHERE ts >= '2024-01-01T01:00:00Z' AND "
                  "ts < '2024-01-01T02:00:00Z'")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(RunQuery, Q3_per_symbol_stats,
                  "SELECT symbol, count(*), min(price), max(price), avg(price) FROM orders "
                  "GROUP BY symbol")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(RunQuery, Q4_btc_ohlcv_1m,
                  "SELECT ts, first(price) AS open, max(price) AS high, min(price) AS low, "
                  "last(price) AS close, sum(qty) AS volume FROM orders WHERE symbol = 'BTC' "
                  "SAMPLE BY 1m")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(RunQuery, Q5_sum_notional, "SELECT sum(price * qty) FROM orders")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(RunQuery, Q6_eth_rows_ten_minutes,
                  "SELECT * FROM orders WHERE symbol = 'ETH' AND ts >= '2024-01-01T01:00:00Z' AND "
                  "ts < '2024-01-01T01:10:00Z'")
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace backtrace::query

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  (void)backtrace::io::RemoveTree(backtrace::query::Data().directory);
  return 0;
}
