// Differential tests of the query engine: random tables (several seeds and
// sizes, in-order and shuffled timestamps, sort keys `ts` and `symbol, ts`,
// parts persisted and parts in memory) and hundreds of random queries from
// the grammar, each answer compared with the row-by-row reference
// evaluator of query_reference.h.
#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "common/text/timestamp_format.h"
#include "tests/common/query_reference.h"
#include "tests/common/query_testing.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace::query::testing {
namespace {

struct TableCase {
  RandomTableOptions data;
  std::vector<std::string> sort_key;
  uint32_t granule_rows = 256;
  size_t block_rows = 1500;     // persisted blocks of about this many rows
  size_t in_memory_rows = 700;  // the last rows, in in-memory blocks
};

class QueryGenerator {
 public:
  QueryGenerator(uint64_t seed, int64_t min_time, int64_t max_time)
      : random_(seed), min_time_(min_time), max_time_(max_time) {}

  std::string Next() {
    switch (Below(4)) {
      case 0: return Projection();
      case 1: return Global();
      case 2: return GroupBy();
      default: return SampleBy();
    }
  }

 private:
  uint64_t Below(uint64_t bound) { return random_() % bound; }
  template <typename T>
  const T& Pick(const std::vector<T>& options) { return options[Below(options.size())]; }

  std::string Time() {
    int64_t span = std::max<int64_t>(1, max_time_ - min_time_);
    int64_t time = min_time_ - span / 10 + static_cast<int64_t>(Below(static_cast<uint64_t>(span + span / 5)));
    if (Below(2) == 0) return std::to_string(time);
    return "'" + FormatTimestamp(time) + "'";
  }

  std::string Predicate() {
    switch (Below(16)) {
      case 0: return "ts BETWEEN " + Time() + " AND " + Time();
      case 1: return "ts >= " + Time();
      case 2: return "ts < " + Time();
      case 3: return "symbol = '" + std::string(Pick<const char*>({"BTC", "ETH", "SOL", kTestSymbols[5]})) + "'";
      case 4: return "symbol IN ('ETH', 'SOL', 'XRP')";
      case 5: return "symbol != 'BTC'";
      case 6: return Pick<std::string>({"symbol > 'C'", "symbol <= 'ETH'",
                                        std::string("symbol >= '") + kTestSymbols[6] + "'",
                                        std::string("symbol < '") + kTestSymbols[6] + "'"});
      case 7: return "price > " + std::to_string(100 + Below(1000)) + ".5";
      case 8: return "price BETWEEN " + std::to_string(100 + Below(500)) + " AND " + std::to_string(500 + Below(700));
      case 9: return Pick<std::string>({"price != 0", "price = -0.0", "price <= 300"});
      case 10: return "qty > " + std::to_string(static_cast<int64_t>(Below(1000)) - 500);
      case 11: return "qty IN (1, 2, 3, -5, 100, 7, 8, 9, 10, 11)";
      case 12: return "qty BETWEEN -100 AND " + std::to_string(Below(500));
      case 13: return "id < " + std::to_string(Below(100000));
      case 14: return Pick<std::string>({"price * qty > 10000", "qty + 1 < 0", "100 < qty", "-qty >= 3"});
      default: return "ts <= " + Time();
    }
  }

  std::string Where() {
    size_t count = Below(4);
    std::string text;
    for (size_t i = 0; i < count; ++i) text += (i == 0 ? " WHERE " : " AND ") + Predicate();
    return text;
  }

  std::string Limit() { return Below(2) == 0 ? " LIMIT " + std::to_string(Below(40)) : ""; }

  std::string Projection() {
    std::vector<std::string> items;
    if (Below(4) == 0) {
      items.push_back("*");
    } else {
      static const std::vector<std::string> kItems = {
          "ts", "symbol", "price", "qty", "id", "price * qty", "qty - 1", "price / 2",
          "-qty", "qty * 2 + id", "(qty + 3) * (qty - 3) AS squares", "1.5"};
      size_t count = 1 + Below(4);
      for (size_t i = 0; i < count; ++i) {
        std::string item = Pick(kItems);
        if (std::find(items.begin(), items.end(), item) == items.end()) items.push_back(item);
      }
    }
    std::string sql = "SELECT " + Join(items) + " FROM trades" + Where();
    if (Below(2) == 0) {
      static const std::vector<std::string> kOrder = {"ts", "price DESC", "qty", "symbol DESC",
                                                      "id", "price * qty"};
      sql += " ORDER BY " + Pick(kOrder);
      if (Below(2) == 0) sql += ", " + Pick(kOrder);
    }
    return sql + Limit();
  }

  std::vector<std::string> Aggregates() {
    static const std::vector<std::string> kAggregates = {
        "count(*)", "count(price)", "sum(qty)", "sum(price)", "min(price)", "max(price)",
        "avg(qty)", "avg(price)", "first(price)", "last(price)", "first(symbol)", "last(qty)",
        "min(symbol)", "max(ts)", "min(ts)", "sum(price * qty) / sum(qty) AS vwap",
        "max(price) - min(price) AS spread", "sum(id)", "avg(id)", "count(*) * 2 AS twice",
        "max(symbol)", "min(qty)", "max(id)"};
    std::vector<std::string> items;
    size_t count = 1 + Below(4);
    for (size_t i = 0; i < count; ++i) {
      std::string item = Pick(kAggregates);
      if (std::find(items.begin(), items.end(), item) == items.end()) items.push_back(item);
    }
    return items;
  }

  std::string AggregateOrder(const std::vector<std::string>& items) {
    if (Below(3) != 0) return "";
    std::string item = Pick(items);
    size_t as = item.find(" AS ");
    std::string key = as == std::string::npos ? item : item.substr(as + 4);
    return " ORDER BY " + key + (Below(2) == 0 ? " DESC" : "") + Limit();
  }

  std::string Global() {
    auto items = Aggregates();
    return "SELECT " + Join(items) + " FROM trades" + Where() + AggregateOrder(items);
  }

  std::string GroupBy() {
    std::string keys = Pick<std::string>({"symbol", "qty", "symbol, qty", "price"});
    auto items = Aggregates();
    std::vector<std::string> select = {keys};
    select.insert(select.end(), items.begin(), items.end());
    return "SELECT " + Join(select) + " FROM trades" + Where() + " GROUP BY " + keys +
           AggregateOrder(items) + (Below(4) == 0 ? Limit() : "");
  }

  std::string SampleBy() {
    auto items = Aggregates();
    std::vector<std::string> select;
    if (Below(3) != 0) select.push_back("ts");
    if (Below(2) == 0) select.push_back("symbol");
    select.insert(select.end(), items.begin(), items.end());
    return "SELECT " + Join(select) + " FROM trades" + Where() + " SAMPLE BY " +
           Pick<std::string>({"1s", "10s", "1m", "1h", "1d"}) + AggregateOrder(items);
  }

  static std::string Join(const std::vector<std::string>& items) {
    std::string text;
    for (size_t i = 0; i < items.size(); ++i) text += (i ? ", " : "") + items[i];
    return text;
  }

  std::mt19937_64 random_;
  int64_t min_time_;
  int64_t max_time_;
};

bool SameCell(const Value& engine, const Value& reference) {
  if (engine.index() != reference.index()) return false;
  if (auto* a = std::get_if<double>(&engine)) {
    double b = std::get<double>(reference);
    if (std::isnan(*a) || std::isnan(b)) return std::isnan(*a) && std::isnan(b);
    if (*a == b) return true;
    double scale = std::max({1.0, std::fabs(*a), std::fabs(b)});
    return std::fabs(*a - b) <= 1e-6 * scale;
  }
  return engine == reference;
}

std::string RowText(const std::vector<Value>& row) {
  std::string text;
  for (const auto& cell : row) text += ValueToString(cell) + " | ";
  return text;
}

// Compares the engine's result with the reference's.
::testing::AssertionResult SameResult(const CollectingSink& sink, const ReferenceResult& expected) {
  if (sink.columns.size() != expected.columns.size()) {
    return ::testing::AssertionFailure() << "column counts differ: " << sink.columns.size()
                                         << " vs " << expected.columns.size();
  }
  for (size_t c = 0; c < sink.columns.size(); ++c) {
    if (sink.columns[c].name != expected.columns[c].name || sink.columns[c].type != expected.columns[c].type) {
      return ::testing::AssertionFailure() << "column " << c << " is " << sink.columns[c].name
                                           << " vs " << expected.columns[c].name;
    }
  }
  std::vector<std::vector<Value>> actual;
  for (size_t r = 0; r < sink.rows(); ++r) {
    std::vector<Value> row;
    for (size_t c = 0; c < sink.columns.size(); ++c) row.push_back(sink.At(c, r));
    actual.push_back(std::move(row));
  }
  auto row_less = [](const std::vector<Value>& a, const std::vector<Value>& b) {
    for (size_t i = 0; i < a.size(); ++i) {
      int c = CompareCell(a[i], b[i]);
      if (c != 0) return c < 0;
    }
    return false;
  };
  std::vector<std::vector<Value>> wanted = expected.rows;
  if (expected.limited_subset) {
    size_t count = std::min<uint64_t>(expected.limit, wanted.size());
    if (actual.size() != count) {
      return ::testing::AssertionFailure() << actual.size() << " rows instead of " << count;
    }
    for (const auto& row : actual) {
      auto found = std::find_if(wanted.begin(), wanted.end(), [&](const std::vector<Value>& w) {
        for (size_t i = 0; i < w.size(); ++i) {
          if (!SameCell(row[i], w[i])) return false;
        }
        return true;
      });
      if (found == wanted.end()) return ::testing::AssertionFailure() << "unexpected row " << RowText(row);
      wanted.erase(found);
    }
    return ::testing::AssertionSuccess();
  }
  if (!expected.ordered) {
    std::sort(actual.begin(), actual.end(), row_less);
    std::sort(wanted.begin(), wanted.end(), row_less);
  }
  if (actual.size() != wanted.size()) {
    return ::testing::AssertionFailure() << actual.size() << " rows instead of " << wanted.size();
  }
  for (size_t r = 0; r < actual.size(); ++r) {
    for (size_t c = 0; c < actual[r].size(); ++c) {
      if (!SameCell(actual[r][c], wanted[r][c])) {
        return ::testing::AssertionFailure() << "row " << r << " differs:\n  engine    " << RowText(actual[r])
                                             << "\n  reference " << RowText(wanted[r]);
      }
    }
  }
  return ::testing::AssertionSuccess();
}

void RunDifferential(const TableCase& table_case, size_t queries, uint64_t query_seed) {
  backtrace::testing::TemporaryDirectory directory;
  std::vector<ColumnVector> rows = RandomTrades(table_case.data);
  auto table = LocalTable::Create(directory.path(), TradesSchema(table_case.sort_key));
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  column::ColumnFileOptions options;
  options.granule_rows = table_case.granule_rows;
  const size_t total = rows[0].size();
  const size_t persisted = total > table_case.in_memory_rows ? total - table_case.in_memory_rows : 0;
  std::mt19937_64 random(table_case.data.seed * 7 + 1);
  for (size_t first = 0; first < persisted;) {
    size_t count = std::min(persisted - first, table_case.block_rows / 2 + random() % table_case.block_rows + 1);
    ASSERT_TRUE((*table)->AddBlock(SliceRows(rows, first, count), options).ok());
    first += count;
  }
  for (size_t first = persisted; first < total;) {
    size_t count = std::min(total - first, table_case.in_memory_rows / 2 + 1);
    ASSERT_TRUE((*table)->AddInMemoryBlock(SliceRows(rows, first, count)).ok());
    first += count;
  }
  LocalCatalogue catalogue;
  catalogue.Add(*table);

  int64_t min_time = kTestStart, max_time = kTestStart;
  if (total > 0) {
    auto [low, high] = std::minmax_element(rows[0].int64s().begin(), rows[0].int64s().end());
    min_time = *low;
    max_time = *high;
  }
  QueryGenerator generator(query_seed, min_time, max_time);
  QueryLimits limits;
  limits.batch_rows = 100;
  size_t errors = 0;
  size_t with_rows = 0;
  for (size_t i = 0; i < queries; ++i) {
    std::string sql = generator.Next();
    SCOPED_TRACE(sql);
    auto expected = ReferenceQuery(sql, (*table)->schema(), rows);
    CollectingSink sink;
    auto statistics = Run(catalogue, sql, &sink, limits);
    if (!expected.ok()) {
      ASSERT_FALSE(statistics.ok()) << "the reference failed with " << expected.status().ToString();
      EXPECT_EQ(statistics.status().code(), expected.status().code());
      ++errors;
      continue;
    }
    ASSERT_TRUE(statistics.ok()) << statistics.status().ToString();
    EXPECT_LE(sink.max_batch_rows, limits.batch_rows);
    EXPECT_EQ(statistics->rows_returned, sink.rows());
    ASSERT_TRUE(SameResult(sink, *expected));
    with_rows += sink.rows() > 0 ? 1 : 0;
  }
  // The generator must produce queries that run and find rows.
  EXPECT_LE(errors, queries / 10);
  if (total > 100) {
    EXPECT_GE(with_rows, queries / 2);
  }
}

TEST(QueryDifferential, InOrderTimesSortedByTime) {
  TableCase table_case;
  table_case.data.seed = 11;
  table_case.data.rows = 6000;
  table_case.sort_key = {"ts"};
  RunDifferential(table_case, 90, 101);
}

TEST(QueryDifferential, ShuffledTimesSortedBySymbolAndTime) {
  TableCase table_case;
  table_case.data.seed = 12;
  table_case.data.rows = 6000;
  table_case.data.shuffled_times = true;
  table_case.sort_key = {"symbol", "ts"};
  table_case.granule_rows = 512;
  RunDifferential(table_case, 90, 102);
}

TEST(QueryDifferential, InOrderTimesSortedBySymbolSmallGranules) {
  TableCase table_case;
  table_case.data.seed = 13;
  table_case.data.rows = 4000;
  table_case.sort_key = {"symbol", "ts"};
  table_case.granule_rows = 64;
  table_case.block_rows = 900;
  RunDifferential(table_case, 90, 103);
}

TEST(QueryDifferential, ShuffledTimesSortedByTimeAllPersisted) {
  TableCase table_case;
  table_case.data.seed = 14;
  table_case.data.rows = 7000;
  table_case.data.shuffled_times = true;
  table_case.sort_key = {"ts"};
  table_case.granule_rows = 1000;
  table_case.in_memory_rows = 0;
  RunDifferential(table_case, 70, 104);
}

TEST(QueryDifferential, OnlyInMemoryRows) {
  TableCase table_case;
  table_case.data.seed = 15;
  table_case.data.rows = 2500;
  table_case.sort_key = {"symbol", "ts"};
  table_case.in_memory_rows = 2500;
  RunDifferential(table_case, 60, 105);
}

TEST(QueryDifferential, TinyTableOfSmallGranules) {
  TableCase table_case;
  table_case.data.seed = 16;
  table_case.data.rows = 60;
  table_case.sort_key = {"symbol", "ts"};
  table_case.granule_rows = 4;
  table_case.block_rows = 20;
  table_case.in_memory_rows = 10;
  RunDifferential(table_case, 60, 106);
}

TEST(QueryDifferential, EmptyTable) {
  TableCase table_case;
  table_case.data.seed = 17;
  table_case.data.rows = 0;
  table_case.sort_key = {"ts"};
  table_case.in_memory_rows = 0;
  RunDifferential(table_case, 40, 107);
}

}  // namespace
}  // namespace backtrace::query::testing
