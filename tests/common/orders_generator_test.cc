// The orders table generator: deterministic by seed, chunk sizes do not
// change the table, and values stay within the documented shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>

#include "common/generate/orders_generator.h"
#include "tests/common/column_testing.h"

namespace backtrace::generate {
namespace {

using column::testing::SameColumn;

void ExpectSameChunk(const OrdersChunk& actual, const OrdersChunk& expected) {
  EXPECT_TRUE(SameColumn(actual.ts, expected.ts));
  EXPECT_TRUE(SameColumn(actual.symbol, expected.symbol));
  EXPECT_TRUE(SameColumn(actual.price, expected.price));
  EXPECT_TRUE(SameColumn(actual.qty, expected.qty));
}

void Append(const OrdersChunk& from, OrdersChunk* to) {
  for (size_t row = 0; row < from.rows(); ++row) {
    to->ts.Append(from.ts.ValueAt(row));
    to->symbol.Append(from.symbol.ValueAt(row));
    to->price.Append(from.price.ValueAt(row));
    to->qty.Append(from.qty.ValueAt(row));
  }
}

TEST(OrdersGenerator, SameSeedGivesTheSameRows) {
  OrdersGenerator first(42), second(42);
  OrdersChunk a, b;
  first.Next(5000, &a);
  second.Next(5000, &b);
  ExpectSameChunk(a, b);
  EXPECT_EQ(first.rows_generated(), 5000u);
}

TEST(OrdersGenerator, DifferentSeedsGiveDifferentRows) {
  OrdersGenerator first(1), second(2);
  OrdersChunk a, b;
  first.Next(1000, &a);
  second.Next(1000, &b);
  EXPECT_NE(a.ts.int64s(), b.ts.int64s());
  EXPECT_NE(a.symbol.strings().bytes, b.symbol.strings().bytes);
  EXPECT_NE(a.price.float64s(), b.price.float64s());
  EXPECT_NE(a.qty.int64s(), b.qty.int64s());
}

TEST(OrdersGenerator, ChunksConcatenateToTheSameTable) {
  OrdersGenerator whole_generator(9);
  OrdersChunk whole;
  whole_generator.Next(10000, &whole);

  OrdersGenerator chunked_generator(9);
  OrdersChunk concatenated, chunk;
  size_t sizes[] = {1, 0, 999, 3, 4997, 4000};
  for (size_t size : sizes) {
    chunked_generator.Next(size, &chunk);
    EXPECT_EQ(chunk.rows(), size);
    Append(chunk, &concatenated);
  }
  ExpectSameChunk(concatenated, whole);
}

constexpr const char* kExpectedFirstRows =
    "1704067200000000000 SC 368.5 445\n"
    "1704067200001134000 ORDI 460.22000000000003 794\n"
    "1704067200002660000 SEI 402.81 436\n";

TEST(OrdersGenerator, FirstRowsAreFixedForSeedOne) {
  // Pins the sequence so that a change of the generator (which would change
  // every benchmark figure and `backtrace gen` output) is noticed.
  OrdersGenerator generator(1);
  OrdersChunk chunk;
  generator.Next(3, &chunk);
  EXPECT_EQ(chunk.ts.int64s()[0], kOrdersStartTimestamp);
  std::string rows;
  for (size_t row = 0; row < 3; ++row) {
    rows += ValueToString(chunk.ts.ValueAt(row)) + " " +
            std::string(chunk.symbol.strings().at(row)) + " " +
            ValueToString(chunk.price.ValueAt(row)) + " " + ValueToString(chunk.qty.ValueAt(row)) +
            "\n";
  }
  EXPECT_EQ(rows, kExpectedFirstRows) << rows;
}

TEST(OrdersGenerator, ValuesHaveTheDocumentedShapes) {
  OrdersGenerator generator(5);
  OrdersChunk chunk;
  const size_t rows = 200000;
  generator.Next(rows, &chunk);
  ASSERT_EQ(chunk.rows(), rows);
  std::set<std::string_view> known(OrdersGenerator::Symbols().begin(),
                                   OrdersGenerator::Symbols().end());
  EXPECT_EQ(known.size(), kOrdersSymbolCount);
  EXPECT_EQ(OrdersGenerator::Symbols()[0], "BTC");
  EXPECT_EQ(OrdersGenerator::Symbols()[1], "ETH");

  EXPECT_EQ(chunk.ts.int64s()[0], kOrdersStartTimestamp);
  std::map<std::string_view, size_t> counts;
  size_t btc_above_45000 = 0;
  for (size_t row = 0; row < rows; ++row) {
    if (row > 0) {
      int64_t step = chunk.ts.int64s()[row] - chunk.ts.int64s()[row - 1];
      ASSERT_GE(step, 1000);
      ASSERT_LE(step, 2000000);
      ASSERT_EQ(step % 1000, 0);
    }
    std::string_view symbol = chunk.symbol.strings().at(row);
    ASSERT_TRUE(known.count(symbol)) << symbol;
    ++counts[symbol];
    double price = chunk.price.float64s()[row];
    ASSERT_GT(price, 0.0);
    // Whole cents: a decimal with two digits.
    ASSERT_EQ(std::round(price * 100) / 100, price);
    if (symbol == "BTC") {
      ASSERT_GE(price, 40000.0);
      ASSERT_LE(price, 50000.0);
      if (price > 45000.0) ++btc_above_45000;
    }
    int64_t qty = chunk.qty.int64s()[row];
    ASSERT_GE(qty, 1);
    ASSERT_LE(qty, 1000);
  }
  EXPECT_EQ(counts.size(), kOrdersSymbolCount);
  double btc_share = static_cast<double>(counts["BTC"]) / rows;
  EXPECT_NEAR(btc_share, 0.30, 0.01);
  EXPECT_NEAR(static_cast<double>(counts["ETH"]) / rows, 0.12, 0.01);
  // BTC's walk crosses 45000: `price > 45000` selects a real fraction.
  double above = static_cast<double>(btc_above_45000) / counts["BTC"];
  EXPECT_GT(above, 0.1);
  EXPECT_LT(above, 0.9);
}

}  // namespace
}  // namespace backtrace::generate
