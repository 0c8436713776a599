#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "common/hot/hot_block.h"
#include "common/hot/hot_block_sort.h"
#include "common/hot/hot_block_view.h"

namespace backtrace::hot {
namespace {

// Columns: 0 ts (timestamp), 1 symbol (string), 2 price (float64), 3 count (uint64).
struct Rows {
  std::vector<int64_t> times;
  std::vector<std::string> symbols;
  std::vector<double> prices;
  std::vector<uint64_t> counts;
};

std::unique_ptr<HotBlockView> MapRows(const Rows& rows, std::unique_ptr<HotBlock>* block) {
  auto created = HotBlock::Create(1, 1, {ColumnType::kTimestamp, ColumnType::kString,
                                         ColumnType::kFloat64, ColumnType::kUInt64},
                                  rows.times.size() + 1, rows.times.size() * 16 + 64);
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  *block = std::move(created).value();
  std::vector<uint32_t> offsets{0};
  std::string bytes;
  for (const auto& symbol : rows.symbols) {
    bytes += symbol;
    offsets.push_back(static_cast<uint32_t>(bytes.size()));
  }
  (*block)->AppendFixed(0, rows.times.data(), rows.times.size());
  (*block)->AppendStrings(1, offsets.data(), reinterpret_cast<const uint8_t*>(bytes.data()),
                          rows.symbols.size());
  (*block)->AppendFixed(2, rows.prices.data(), rows.prices.size());
  (*block)->AppendFixed(3, rows.counts.data(), rows.counts.size());
  (*block)->CommitRows(rows.times.size());
  auto view = HotBlockView::Map((*block)->descriptor(), (*block)->row_count());
  EXPECT_TRUE(view.ok()) << view.status().ToString();
  return std::move(view).value();
}

// The reference: a comparison sort with the documented comparison.
int Compare(const Rows& rows, size_t column, uint32_t left, uint32_t right) {
  auto three_way = [](auto a, auto b) { return a < b ? -1 : (a > b ? 1 : 0); };
  switch (column) {
    case 0: return three_way(rows.times[left], rows.times[right]);
    case 1: return rows.symbols[left].compare(rows.symbols[right]) < 0
                       ? -1
                       : (rows.symbols[left] == rows.symbols[right] ? 0 : 1);
    case 2: {
      double a = rows.prices[left], b = rows.prices[right];
      if (std::isnan(a) || std::isnan(b)) {
        return std::isnan(a) == std::isnan(b) ? 0 : (std::isnan(a) ? 1 : -1);
      }
      return three_way(a, b);
    }
    default: return three_way(rows.counts[left], rows.counts[right]);
  }
}

std::vector<uint32_t> ReferenceOrder(const Rows& rows, const std::vector<size_t>& key) {
  std::vector<uint32_t> order(rows.times.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t left, uint32_t right) {
    for (size_t column : key) {
      int compared = Compare(rows, column, left, right);
      if (compared != 0) return compared < 0;
    }
    return false;
  });
  return order;
}

// How the times of RandomRows are laid out.
enum class TimeOrder {
  kAscending,  // ascending, with ties
  kFewRuns,    // ascending runs that overlap (a few producers)
  kRandom,
};

Rows RandomRows(size_t count, uint64_t seed, TimeOrder time_order) {
  std::mt19937_64 random(seed);
  const std::vector<std::string> symbols = {"BTC", "ETH", "SOL", "", "B", "BT", "BTCX",
                                            "\xff", "\x01", "a-much-longer-symbol-name"};
  const std::vector<double> specials = {0.0,
                                        -0.0,
                                        std::numeric_limits<double>::quiet_NaN(),
                                        -std::numeric_limits<double>::quiet_NaN(),
                                        std::numeric_limits<double>::infinity(),
                                        -std::numeric_limits<double>::infinity(),
                                        std::numeric_limits<double>::denorm_min(),
                                        -1.5};
  Rows rows;
  int64_t time = -1'000'000;
  for (size_t row = 0; row < count; ++row) {
    time += static_cast<int64_t>(random() % 3);
    // A new run every 1000 rows or so, starting a little back in time.
    if (time_order == TimeOrder::kFewRuns && random() % 1000 == 0) time -= random() % 500;
    rows.times.push_back(time_order == TimeOrder::kRandom ? static_cast<int64_t>(random()) : time);
    rows.symbols.push_back(symbols[random() % symbols.size()]);
    rows.prices.push_back(random() % 4 == 0 ? specials[random() % specials.size()]
                                            : static_cast<double>(random() % 200) - 100.0);
    rows.counts.push_back(random() % 8 == 0 ? UINT64_MAX - random() % 3 : random() % 50);
  }
  return rows;
}

TEST(HotBlockSort, MatchesAStableComparisonSortForEveryKeyShape) {
  const std::vector<std::vector<size_t>> keys = {
      {1, 0}, {0}, {1}, {2}, {3}, {2, 1}, {3, 2, 0}, {1, 2, 3}, {0, 1}, {}};
  for (TimeOrder time_order :
       {TimeOrder::kAscending, TimeOrder::kFewRuns, TimeOrder::kRandom}) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      Rows rows = RandomRows(5000, seed, time_order);
      std::unique_ptr<HotBlock> block;
      auto view = MapRows(rows, &block);
      for (const auto& key : keys) {
        EXPECT_EQ(SortedRowOrder(*view, key), ReferenceOrder(rows, key))
            << "seed " << seed << ", time order " << static_cast<int>(time_order) << ", key of "
            << key.size();
      }
    }
  }
}

TEST(HotBlockSort, RowsAlreadyInOrderKeepTheirOrder) {
  Rows rows;
  for (int64_t row = 0; row < 1000; ++row) {
    rows.times.push_back(row / 3);  // ties keep their original order
    rows.symbols.push_back(row < 500 ? "AAA" : "BBB");
    rows.prices.push_back(1.0);
    rows.counts.push_back(0);
  }
  std::unique_ptr<HotBlock> block;
  auto view = MapRows(rows, &block);
  std::vector<uint32_t> identity(1000);
  std::iota(identity.begin(), identity.end(), 0u);
  EXPECT_EQ(SortedRowOrder(*view, std::vector<size_t>{1, 0}), identity);
  EXPECT_EQ(SortedRowOrder(*view, std::vector<size_t>{2, 3}), identity);
}

TEST(HotBlockSort, NegativeZeroEqualsZeroAndNanSortsLast) {
  Rows rows;
  const std::vector<double> prices = {std::nan(""), 0.0, -0.0, -1.0, std::nan(""), 0.0, 2.0};
  for (size_t row = 0; row < prices.size(); ++row) {
    rows.times.push_back(0);
    rows.symbols.push_back("X");
    rows.prices.push_back(prices[row]);
    rows.counts.push_back(0);
  }
  std::unique_ptr<HotBlock> block;
  auto view = MapRows(rows, &block);
  EXPECT_EQ(SortedRowOrder(*view, std::vector<size_t>{2}),
            (std::vector<uint32_t>{3, 1, 2, 5, 6, 0, 4}));
}

TEST(HotBlockSort, EmptyAndSingleRowBlocks) {
  for (size_t count : {0u, 1u}) {
    Rows rows = RandomRows(count, 9, TimeOrder::kRandom);
    std::unique_ptr<HotBlock> block;
    auto view = MapRows(rows, &block);
    EXPECT_EQ(SortedRowOrder(*view, std::vector<size_t>{1, 0}).size(), count);
  }
}

}  // namespace
}  // namespace backtrace::hot
