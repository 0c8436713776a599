// The query engine end to end over LocalTable: results of specific
// queries, pruning figures, statistics-only answers, streaming, limits and
// errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "common/column/column_file_reader.h"
#include "tests/common/query_testing.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace::query::testing {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

// A table whose rows are built explicitly.
class EngineTest : public ::testing::Test {
 protected:
  void MakeTable(std::vector<std::string> sort_key = {"symbol", "ts"}) {
    auto table = LocalTable::Create(directory_.path() + "/trades", TradesSchema(std::move(sort_key)));
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    table_ = *table;
    catalogue_.Add(table_);
  }

  static void AddRow(std::vector<ColumnVector>* columns, int64_t ts, std::string_view symbol,
                     double price, int64_t qty, uint64_t id = 0) {
    (*columns)[0].int64s().push_back(ts);
    (*columns)[1].strings().push_back(symbol);
    (*columns)[2].float64s().push_back(price);
    (*columns)[3].int64s().push_back(qty);
    (*columns)[4].uint64s().push_back(id);
  }

  // `blocks` persisted blocks of `rows_per_block` rows with rising times,
  // one second apart, symbols alternating BTC/ETH, qty = row number.
  void AddSequentialBlocks(size_t blocks, size_t rows_per_block, uint32_t granule_rows) {
    column::ColumnFileOptions options;
    options.granule_rows = granule_rows;
    for (size_t block = 0; block < blocks; ++block) {
      auto columns = EmptyTradesColumns();
      for (size_t row = 0; row < rows_per_block; ++row) {
        int64_t n = static_cast<int64_t>(block * rows_per_block + row);
        AddRow(&columns, kTestStart + n * kSecond, n % 2 == 0 ? "BTC" : "ETH", 100.0 + n, n);
      }
      ASSERT_TRUE(table_->AddBlock(std::move(columns), options).ok());
    }
  }

  Result<QueryStatistics> Query(std::string_view sql, const QueryLimits& limits = {}) {
    sink_ = CollectingSink();
    return testing::Run(catalogue_, sql, &sink_, limits);
  }

  Value Cell(size_t column, size_t row) const { return sink_.At(column, row); }

  backtrace::testing::TemporaryDirectory directory_;
  std::shared_ptr<LocalTable> table_;
  LocalCatalogue catalogue_;
  CollectingSink sink_;
};

TEST_F(EngineTest, UnknownTableIsNamed) {
  MakeTable();
  auto result = Query("SELECT * FROM orders");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
  EXPECT_NE(result.status().message().find("'orders'"), std::string::npos);
}

TEST_F(EngineTest, UnknownColumnIsNamed) {
  MakeTable();
  auto result = Query("SELECT count(*) FROM trades WHERE volume > 3");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
  EXPECT_NE(result.status().message().find("column 'volume' does not exist in table trades"),
            std::string::npos);
}

TEST_F(EngineTest, NarrowTimeRangeScansOnlyTheBlocksAndGranulesItOverlaps) {
  MakeTable({"ts"});
  AddSequentialBlocks(20, 1000, 100);
  // Rows 7250..7349: inside block 7, granules 2 and 3 of it.
  auto result = Query("SELECT count(*), sum(qty) FROM trades WHERE ts BETWEEN " +
                      std::to_string(kTestStart + 7250 * kSecond) + " AND " +
                      std::to_string(kTestStart + 7349 * kSecond));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Cell(0, 0), Value(int64_t{100}));
  EXPECT_EQ(Cell(1, 0), Value(int64_t{(7250 + 7349) * 50}));
  EXPECT_EQ(result->blocks_total, 20u);
  EXPECT_EQ(result->blocks_scanned, 1u);
  EXPECT_EQ(result->blocks_pruned, 19u);
  EXPECT_EQ(result->granules_total, 10u);
  EXPECT_EQ(result->granules_skipped, 8u);
  EXPECT_EQ(result->rows_scanned, 200u);
  EXPECT_EQ(table_->list_calls(), 1u);
}

TEST_F(EngineTest, SymbolPredicateSkipsGranulesOfTablesSortedBySymbol) {
  MakeTable({"symbol", "ts"});
  AddSequentialBlocks(2, 1000, 100);  // per block: 500 BTC rows then 500 ETH rows
  auto result = Query("SELECT count(*) FROM trades WHERE symbol = 'ETH' AND qty > 10");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Cell(0, 0), Value(int64_t{995}));
  EXPECT_EQ(result->granules_total, 20u);
  EXPECT_EQ(result->granules_skipped, 10u);
}

TEST_F(EngineTest, BlockMinMaxPrunesBlocksOutsideAColumnRange) {
  MakeTable({"ts"});
  AddSequentialBlocks(5, 100, 10);
  auto result = Query("SELECT count(*) FROM trades WHERE qty >= 250 AND qty < 260");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Cell(0, 0), Value(int64_t{10}));
  EXPECT_EQ(result->blocks_scanned, 1u);
  EXPECT_EQ(result->blocks_pruned, 4u);
  EXPECT_EQ(result->granules_skipped, 9u);
}

// Granules that match wholly are answered from the index: damaging their
// values does not change the answer, while a query that must decode them
// reports the damage.
TEST_F(EngineTest, WhollyMatchingGranulesAreAnsweredWithoutDecoding) {
  MakeTable({"ts"});
  AddSequentialBlocks(1, 1000, 100);
  auto reader = column::ColumnFileReader::Open(directory_.path() + "/trades/1/qty.col");
  ASSERT_TRUE(reader.ok());
  const column::GranuleInfo granule = (*reader)->granule(4);
  reader->reset();
  {
    std::fstream file(directory_.path() + "/trades/1/qty.col",
                      std::ios::in | std::ios::out | std::ios::binary);
    const auto position = static_cast<std::streamoff>(granule.offset + granule.stored_bytes / 2);
    char byte = 0;
    file.seekg(position);
    file.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x5a);
    file.seekp(position);
    file.write(&byte, 1);
  }
  auto result = Query("SELECT count(*), sum(qty), min(qty), max(qty), avg(qty) FROM trades");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(Cell(0, 0), Value(int64_t{1000}));
  EXPECT_EQ(Cell(1, 0), Value(int64_t{999 * 1000 / 2}));
  EXPECT_EQ(Cell(2, 0), Value(int64_t{0}));
  EXPECT_EQ(Cell(3, 0), Value(int64_t{999}));
  EXPECT_EQ(Cell(4, 0), Value(999.0 / 2));
  auto decoded = Query("SELECT sum(qty * 2) FROM trades");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(decoded.status().message().find("qty.col"), std::string::npos);
  EXPECT_NE(decoded.status().message().find("granule 4"), std::string::npos);
}

TEST_F(EngineTest, OhlcvBarsPerMinute) {
  MakeTable();
  auto columns = EmptyTradesColumns();
  const int64_t minute = 60 * kSecond;
  AddRow(&columns, kTestStart + 5 * kSecond, "BTC", 100, 1);
  AddRow(&columns, kTestStart + 20 * kSecond, "BTC", 105, 2);
  AddRow(&columns, kTestStart + 30 * kSecond, "ETH", 7, 50);
  AddRow(&columns, kTestStart + 40 * kSecond, "BTC", 98, 3);
  AddRow(&columns, kTestStart + 59 * kSecond, "BTC", 101, 4);
  AddRow(&columns, kTestStart + minute + 1, "BTC", 110, 5);
  AddRow(&columns, kTestStart + 3 * minute, "BTC", 90, 6);
  ASSERT_TRUE(table_->AddBlock(columns).ok());
  auto result = Query(
      "SELECT ts, first(price) AS open, max(price) AS high, min(price) AS low, "
      "last(price) AS close, sum(qty) AS volume FROM trades WHERE symbol = 'BTC' SAMPLE BY 1m");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(sink_.rows(), 3u);
  EXPECT_EQ(sink_.columns[0].name, "ts");
  EXPECT_EQ(sink_.columns[0].type, ColumnType::kTimestamp);
  EXPECT_EQ(Cell(0, 0), Value(kTestStart));
  EXPECT_EQ(Cell(1, 0), Value(100.0));
  EXPECT_EQ(Cell(2, 0), Value(105.0));
  EXPECT_EQ(Cell(3, 0), Value(98.0));
  EXPECT_EQ(Cell(4, 0), Value(101.0));
  EXPECT_EQ(Cell(5, 0), Value(int64_t{10}));
  EXPECT_EQ(Cell(0, 1), Value(kTestStart + minute));
  EXPECT_EQ(Cell(0, 2), Value(kTestStart + 3 * minute));
  EXPECT_EQ(Cell(5, 2), Value(int64_t{6}));
}

TEST_F(EngineTest, VolumeWeightedAveragePrice) {
  MakeTable();
  auto columns = EmptyTradesColumns();
  AddRow(&columns, kTestStart, "BTC", 10, 1);
  AddRow(&columns, kTestStart + 1, "BTC", 20, 3);
  AddRow(&columns, kTestStart + 2, "ETH", 5, 2);
  ASSERT_TRUE(table_->AddBlock(columns).ok());
  ASSERT_TRUE(table_->AddInMemoryBlock(columns).ok());
  auto result = Query("SELECT symbol, sum(price * qty) / sum(qty) AS vwap FROM trades GROUP BY symbol");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(sink_.rows(), 2u);
  EXPECT_EQ(Cell(0, 0), Value(std::string("BTC")));
  EXPECT_EQ(Cell(1, 0), Value(17.5));
  EXPECT_EQ(Cell(0, 1), Value(std::string("ETH")));
  EXPECT_EQ(Cell(1, 1), Value(5.0));
  EXPECT_EQ(result->blocks_total, 2u);
}

TEST_F(EngineTest, CountOverNoRowsIsZeroAndMinOverNoRowsIsNoRow) {
  MakeTable();
  AddSequentialBlocks(1, 10, 4);
  ASSERT_TRUE(Query("SELECT count(*), sum(qty), sum(price) FROM trades WHERE qty > 100").ok());
  ASSERT_EQ(sink_.rows(), 1u);
  EXPECT_EQ(Cell(0, 0), Value(int64_t{0}));
  EXPECT_EQ(Cell(1, 0), Value(int64_t{0}));
  EXPECT_EQ(Cell(2, 0), Value(0.0));
  ASSERT_TRUE(Query("SELECT count(*), min(qty) FROM trades WHERE qty > 100").ok());
  EXPECT_EQ(sink_.rows(), 0u);
}

TEST_F(EngineTest, DivisionIsFloatAndFollowsIeeeAtZero) {
  MakeTable();
  auto columns = EmptyTradesColumns();
  AddRow(&columns, kTestStart, "BTC", 1.0, 0);
  ASSERT_TRUE(table_->AddBlock(columns).ok());
  ASSERT_TRUE(Query("SELECT 7 / 2, price / qty, qty / qty, -price / qty FROM trades").ok());
  EXPECT_EQ(Cell(0, 0), Value(3.5));
  EXPECT_TRUE(std::isinf(std::get<double>(Cell(1, 0))));
  EXPECT_TRUE(std::isnan(std::get<double>(Cell(2, 0))));
  EXPECT_LT(std::get<double>(Cell(3, 0)), 0);
}

TEST_F(EngineTest, IntegerOverflowIsAnError) {
  MakeTable();
  auto columns = EmptyTradesColumns();
  AddRow(&columns, kTestStart, "BTC", 1.0, INT64_MAX / 2 + 1);
  AddRow(&columns, kTestStart + 1, "BTC", 1.0, INT64_MAX / 2 + 1);
  ASSERT_TRUE(table_->AddBlock(columns).ok());
  auto product = Query("SELECT qty * 2 FROM trades");
  ASSERT_FALSE(product.ok());
  EXPECT_NE(product.status().message().find("integer overflow"), std::string::npos);
  auto sum = Query("SELECT sum(qty) FROM trades");
  ASSERT_FALSE(sum.ok());
  EXPECT_NE(sum.status().message().find("sum(qty) overflows int64"), std::string::npos);
  ASSERT_TRUE(Query("SELECT sum(qty * 1.0) FROM trades").ok());
  EXPECT_EQ(Cell(0, 0), Value(static_cast<double>(INT64_MAX) + 1.0));
}

TEST_F(EngineTest, SelectStarStreamsInBoundedBatches) {
  MakeTable({"ts"});
  AddSequentialBlocks(4, 5000, 1000);
  QueryLimits limits;
  limits.batch_rows = 777;
  limits.memory_bytes = 64 * 1024;  // far less than the table
  auto result = Query("SELECT * FROM trades", limits);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(sink_.rows(), 20000u);
  EXPECT_EQ(result->rows_returned, 20000u);
  EXPECT_EQ(sink_.max_batch_rows, 777u);
  EXPECT_EQ(sink_.columns.size(), 5u);
  EXPECT_EQ(sink_.columns[0].type, ColumnType::kTimestamp);
}

TEST_F(EngineTest, LimitWithoutOrderStopsTheScan) {
  MakeTable({"ts"});
  AddSequentialBlocks(10, 1000, 100);
  auto result = Query("SELECT ts, qty FROM trades LIMIT 150");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(sink_.rows(), 150u);
  EXPECT_EQ(result->rows_scanned, 200u);
}

TEST_F(EngineTest, OrderByLimitKeepsTheTopRows) {
  MakeTable({"ts"});
  AddSequentialBlocks(3, 1000, 100);
  ASSERT_TRUE(Query("SELECT qty, price FROM trades WHERE symbol = 'BTC' ORDER BY qty DESC LIMIT 3").ok());
  ASSERT_EQ(sink_.rows(), 3u);
  EXPECT_EQ(Cell(0, 0), Value(int64_t{2998}));
  EXPECT_EQ(Cell(0, 2), Value(int64_t{2994}));
}

TEST_F(EngineTest, MemoryLimitStopsALargeGroupBy) {
  MakeTable({"ts"});
  AddSequentialBlocks(2, 5000, 1000);
  QueryLimits limits;
  limits.memory_bytes = 100 * 1024;
  auto result = Query("SELECT qty, count(*) FROM trades GROUP BY qty", limits);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(result.status().message().find("query memory limit of 102400 bytes exceeded by GROUP BY"),
            std::string::npos)
      << result.status().message();
}

TEST_F(EngineTest, MemoryLimitStopsALargeSort) {
  MakeTable({"ts"});
  AddSequentialBlocks(2, 5000, 1000);
  QueryLimits limits;
  limits.memory_bytes = 100 * 1024;
  auto result = Query("SELECT * FROM trades ORDER BY price DESC", limits);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(result.status().message().find("ORDER BY"), std::string::npos);
}

TEST_F(EngineTest, PassedDeadlineAbortsTheQuery) {
  MakeTable({"ts"});
  AddSequentialBlocks(1, 100, 10);
  QueryLimits limits;
  limits.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  auto result = Query("SELECT count(*) FROM trades", limits);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kAborted);
  EXPECT_NE(result.status().message().find("query timeout after"), std::string::npos);
}

TEST_F(EngineTest, ExplainPrintsThePlanAndWhatPruningSkips) {
  MakeTable({"ts"});
  AddSequentialBlocks(10, 1000, 100);
  auto columns = EmptyTradesColumns();
  AddRow(&columns, kTestStart + 20000 * kSecond, "BTC", 1, 1);
  ASSERT_TRUE(table_->AddInMemoryBlock(columns).ok());
  auto result = Query("EXPLAIN SELECT count(*) FROM trades WHERE ts >= " +
                      std::to_string(kTestStart + 8900 * kSecond) + " AND qty < 9000");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(sink_.columns.size(), 1u);
  EXPECT_EQ(sink_.columns[0].name, "plan");
  std::string text;
  for (size_t row = 0; row < sink_.rows(); ++row) text += std::get<std::string>(Cell(0, row)) + "\n";
  EXPECT_NE(text.find("Scan trades"), std::string::npos) << text;
  EXPECT_NE(text.find("columns read: ts, qty"), std::string::npos) << text;
  EXPECT_NE(text.find("Aggregate: count(*)"), std::string::npos) << text;
  EXPECT_NE(text.find("blocks: 11 total (10 persisted, 1 in memory), 8 outside the time range, "
                      "1 pruned by column min/max, 2 to scan"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("granules: 11 in the blocks to scan, 9 skipped by zone maps, 1 matching wholly, "
                      "1 to filter row by row"),
            std::string::npos)
      << text;
  EXPECT_EQ(result->rows_returned, sink_.rows());
}

TEST_F(EngineTest, DamagedColumnFileIsReportedAsCorruption) {
  MakeTable({"ts"});
  AddSequentialBlocks(1, 100, 10);
  {
    std::ofstream file(directory_.path() + "/trades/1/price.col", std::ios::trunc);
    file << "not a column file";
  }
  auto result = Query("SELECT max(price * 2) FROM trades");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kCorruption);
  EXPECT_NE(result.status().message().find("price.col"), std::string::npos);
}

class FailingSink : public ResultSink {
 public:
  Status Begin(const std::vector<ResultColumn>&) override { return Status::Ok(); }
  Status Write(const std::vector<ColumnVector>&) override {
    return Status::IoError("client went away");
  }
};

TEST_F(EngineTest, SinkErrorsEndTheQuery) {
  MakeTable({"ts"});
  AddSequentialBlocks(1, 100, 10);
  FailingSink sink;
  auto result = ExecuteQuery("SELECT * FROM trades", catalogue_, sink, QueryLimits{});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kIoError);
}

TEST_F(EngineTest, FloatComparisonsFollowIeeeForNaN) {
  MakeTable();
  auto columns = EmptyTradesColumns();
  AddRow(&columns, kTestStart, "BTC", std::nan(""), 1);
  AddRow(&columns, kTestStart + 1, "BTC", 5, 2);
  ASSERT_TRUE(table_->AddBlock(columns).ok());
  ASSERT_TRUE(Query("SELECT count(*) FROM trades WHERE price != 5").ok());
  EXPECT_EQ(Cell(0, 0), Value(int64_t{1}));
  ASSERT_TRUE(Query("SELECT count(*) FROM trades WHERE price < 100").ok());
  EXPECT_EQ(Cell(0, 0), Value(int64_t{1}));
  ASSERT_TRUE(Query("SELECT min(price), max(price), sum(price) FROM trades").ok());
  EXPECT_EQ(Cell(0, 0), Value(5.0));
  EXPECT_EQ(Cell(1, 0), Value(5.0));
  EXPECT_TRUE(std::isnan(std::get<double>(Cell(2, 0))));
}

}  // namespace
}  // namespace backtrace::query::testing
