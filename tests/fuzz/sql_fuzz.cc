// Fuzz target "sql": the query language front to back. The input is SQL
// text; it is parsed (common/query/parser.h), bound against a fixed table
// schema (common/query/binder.h), and, when it binds, run by the query
// engine (common/query/query_engine.h) over a small table with a persisted
// block (several granules, extreme values, NaN, -0.0) and an in-memory
// block, under a memory limit and a deadline. The result stream must keep
// the ResultSink contract: Begin once, then batches of the announced types
// and equal lengths within batch_rows.
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/query/binder.h"
#include "common/query/local_table.h"
#include "common/query/parser.h"
#include "common/query/query_engine.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace::fuzz {
namespace {

constexpr int64_t kStart = 1704067200LL * 1000000000LL;  // 2024-01-01T00:00:00Z

std::vector<ColumnVector> Rows(size_t count, uint64_t seed) {
  std::vector<ColumnVector> columns;
  for (ColumnType type : {ColumnType::kTimestamp, ColumnType::kString, ColumnType::kFloat64,
                          ColumnType::kInt64, ColumnType::kUInt64}) {
    columns.emplace_back(type);
  }
  // The last symbol is longer than a zone map keeps (64 bytes).
  static const std::string kLong(80, 'z');
  const char* kSymbols[] = {"BTC", "ETH", "", "SOL", kLong.c_str()};
  constexpr double kPrices[] = {100.5, -0.0, 0.0, 1e308, -1e308, 3.25, 7.0};
  constexpr int64_t kQuantities[] = {1, -1, 0, 1000, std::numeric_limits<int64_t>::max(),
                                     std::numeric_limits<int64_t>::min(), 42};
  constexpr uint64_t kIds[] = {0, 1, std::numeric_limits<uint64_t>::max(), 1ull << 63, 7};
  uint64_t state = seed;
  for (size_t row = 0; row < count; ++row) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t random = state >> 17;
    columns[0].int64s().push_back(kStart + static_cast<int64_t>(row / 2) * 60'000'000'000LL +
                                  static_cast<int64_t>(random % 1000));
    columns[1].strings().push_back(kSymbols[random % std::size(kSymbols)]);
    double price = kPrices[(random >> 8) % std::size(kPrices)];
    if ((random >> 12) % 9 == 0) price = std::nan("");
    columns[2].float64s().push_back(price);
    columns[3].int64s().push_back(kQuantities[(random >> 16) % std::size(kQuantities)]);
    columns[4].uint64s().push_back(kIds[(random >> 20) % std::size(kIds)]);
  }
  return columns;
}

struct Fixture {
  testing::TemporaryDirectory directory;
  TableSchema schema;
  query::LocalCatalogue catalogue;
};

Fixture& TheFixture() {
  // Destroyed at exit, which removes the table's directory.
  static const std::unique_ptr<Fixture> fixture = [] {
    auto created = std::make_unique<Fixture>();
    auto schema = ParseTableSchema("trades", "ts:timestamp,symbol:string,price:float64,"
                                   "qty:int64,id:uint64", "ts", "symbol,ts");
    FUZZ_CHECK(schema.ok());
    created->schema = *schema;
    auto table = query::LocalTable::Create(created->directory.Join("trades"), *schema);
    FUZZ_CHECK(table.ok());
    column::ColumnFileOptions options;
    options.granule_rows = 8;
    FUZZ_CHECK((*table)->AddBlock(Rows(40, 1), options).ok());
    FUZZ_CHECK((*table)->AddBlock(Rows(5, 2), options).ok());
    FUZZ_CHECK((*table)->AddInMemoryBlock(Rows(12, 3)).ok());
    created->catalogue.Add(*table);
    return created;
  }();
  return *fixture;
}

class CheckingSink : public query::ResultSink {
 public:
  explicit CheckingSink(size_t batch_rows) : batch_rows_(batch_rows) {}
  Status Begin(const std::vector<query::ResultColumn>& columns) override {
    FUZZ_CHECK(!begun_);
    FUZZ_CHECK(!columns.empty());
    begun_ = true;
    columns_ = columns;
    return Status::Ok();
  }
  Status Write(const std::vector<ColumnVector>& batch) override {
    FUZZ_CHECK(begun_);
    FUZZ_CHECK(batch.size() == columns_.size());
    for (size_t index = 0; index < batch.size(); ++index) {
      FUZZ_CHECK(batch[index].type() == columns_[index].type);
      FUZZ_CHECK(batch[index].size() == batch[0].size());
    }
    FUZZ_CHECK(batch[0].size() <= batch_rows_);
    rows_ += batch[0].size();
    return Status::Ok();
  }
  uint64_t rows() const { return rows_; }

 private:
  size_t batch_rows_;
  bool begun_ = false;
  std::vector<query::ResultColumn> columns_;
  uint64_t rows_ = 0;
};

}  // namespace

void FuzzSql(const uint8_t* data, size_t size) {
  Fixture& fixture = TheFixture();
  std::string_view sql(reinterpret_cast<const char*>(data), size);
  auto statement = query::ParseStatement(sql);
  if (!statement.ok()) {
    FUZZ_CHECK(statement.status().code() == StatusCode::kInvalidArgument);
    return;
  }
  auto plan = query::Bind(std::move(*statement), fixture.schema, sql);
  if (!plan.ok()) return;

  query::QueryLimits limits;
  limits.memory_bytes = 64ull << 20;
  limits.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  limits.batch_rows = 1 + size % 5;
  CheckingSink sink(limits.batch_rows);
  auto statistics = query::ExecuteQuery(sql, fixture.catalogue, sink, limits);
  if (statistics.ok()) FUZZ_CHECK(statistics->rows_returned == sink.rows());
}

}  // namespace backtrace::fuzz

BACKTRACE_FUZZ_TARGET(backtrace::fuzz::FuzzSql)
