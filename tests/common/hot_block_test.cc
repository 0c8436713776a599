#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common/hot/hot_block.h"
#include "common/hot/hot_block_view.h"

namespace backtrace::hot {
namespace {

std::unique_ptr<HotBlock> MakeBlock(uint64_t capacity_rows = 16, uint64_t string_bytes = 64) {
  auto block = HotBlock::Create(7, 3, {ColumnType::kTimestamp, ColumnType::kString,
                                       ColumnType::kFloat64, ColumnType::kUInt64},
                                capacity_rows, string_bytes);
  EXPECT_TRUE(block.ok()) << block.status().ToString();
  return std::move(block).value();
}

void AppendRows(HotBlock* block, int64_t first_time, const std::vector<std::string>& symbols) {
  std::vector<int64_t> times;
  std::vector<double> prices;
  std::vector<uint64_t> quantities;
  std::vector<uint32_t> offsets{5};  // offsets need not start at 0
  std::string bytes = "xxxxx";
  for (size_t i = 0; i < symbols.size(); ++i) {
    times.push_back(first_time + static_cast<int64_t>(i));
    prices.push_back(1.5 * static_cast<double>(i));
    quantities.push_back(i * 10);
    bytes += symbols[i];
    offsets.push_back(static_cast<uint32_t>(bytes.size()));
  }
  block->AppendFixed(0, times.data(), times.size());
  block->AppendStrings(1, offsets.data(), reinterpret_cast<const uint8_t*>(bytes.data()),
                       symbols.size());
  block->AppendFixed(2, prices.data(), prices.size());
  block->AppendFixed(3, quantities.data(), quantities.size());
  block->CommitRows(symbols.size());
}

TEST(HotBlock, ViewInAnotherMappingSeesAppendedRows) {
  auto block = MakeBlock();
  AppendRows(block.get(), 100, {"BTC", "ETH", ""});
  AppendRows(block.get(), 200, {"SOL"});
  auto view = HotBlockView::Map(block->descriptor(), block->row_count());
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  const auto& v = **view;
  ASSERT_EQ(v.row_count(), 4u);
  EXPECT_EQ(v.table_id(), 7u);
  EXPECT_EQ(v.Int64s(0)[3], 200);
  EXPECT_EQ(v.StringAt(1, 0), "BTC");
  EXPECT_EQ(v.StringAt(1, 2), "");
  EXPECT_EQ(v.StringAt(1, 3), "SOL");
  EXPECT_DOUBLE_EQ(v.Float64s(2)[1], 1.5);
  EXPECT_EQ(v.UInt64s(3)[2], 20u);
}

TEST(HotBlock, ViewOfFewerRowsIgnoresLaterOnes) {
  auto block = MakeBlock();
  AppendRows(block.get(), 100, {"BTC", "ETH"});
  auto view = HotBlockView::Map(block->descriptor(), 1);
  ASSERT_TRUE(view.ok());
  ColumnVector symbols(ColumnType::kString);
  (*view)->CopyColumn(1, 0, (*view)->row_count(), &symbols);
  ASSERT_EQ(symbols.size(), 1u);
  EXPECT_EQ(symbols.strings().at(0), "BTC");
}

TEST(HotBlock, FitsRefusesRowsAndStringBytesPastCapacity) {
  auto block = MakeBlock(4, 8);
  std::vector<uint64_t> small{0, 3, 0, 0};
  std::vector<uint64_t> large{0, 9, 0, 0};
  EXPECT_TRUE(block->Fits(4, small));
  EXPECT_FALSE(block->Fits(5, small));
  EXPECT_FALSE(block->Fits(1, large));
}

TEST(HotBlock, ReusedBlockHoldsOnlyItsNewRows) {
  auto block = MakeBlock(16, 64);
  AppendRows(block.get(), 100, {"LONGER-SYMBOL", "ETH", "SOL"});
  block->Reuse(9, 4);
  EXPECT_EQ(block->row_count(), 0u);
  EXPECT_EQ(block->used_bytes(), 0u);
  AppendRows(block.get(), 500, {"A", ""});
  auto view = HotBlockView::Map(block->descriptor(), block->row_count());
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ((*view)->table_id(), 9u);
  EXPECT_EQ((*view)->block_sequence(), 4u);
  ASSERT_EQ((*view)->row_count(), 2u);
  EXPECT_EQ((*view)->Int64s(0)[0], 500);
  EXPECT_EQ((*view)->StringAt(1, 0), "A");
  EXPECT_EQ((*view)->StringAt(1, 1), "");
  EXPECT_EQ((*view)->StringOffsets(1)[0], 0u);
  // The whole capacity is available again.
  std::vector<uint64_t> all_but_one{0, 63, 0, 0};
  EXPECT_TRUE(block->Fits(14, all_but_one));
  EXPECT_FALSE(block->Fits(15, all_but_one));
}

TEST(HotBlock, AppendsAcrossManyPrefaultedMegabytesKeepEveryValue) {
  const uint64_t rows = 600000;  // 4.8 MB per fixed-width column
  auto created = HotBlock::Create(1, 1, {ColumnType::kInt64, ColumnType::kString}, rows, rows * 4);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto& block = *created;
  std::vector<int64_t> values(1000);
  std::vector<uint32_t> offsets(1001);
  std::string bytes;
  for (uint64_t first = 0; first < rows; first += values.size()) {
    bytes.clear();
    for (size_t i = 0; i < values.size(); ++i) {
      values[i] = static_cast<int64_t>(first + i);
      bytes += std::to_string((first + i) % 997);
      offsets[i + 1] = static_cast<uint32_t>(bytes.size());
    }
    block->AppendFixed(0, values.data(), values.size());
    block->AppendStrings(1, offsets.data(), reinterpret_cast<const uint8_t*>(bytes.data()),
                         values.size());
    block->CommitRows(values.size());
  }
  auto view = HotBlockView::Map(block->descriptor(), block->row_count());
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  for (uint64_t row = 0; row < rows; ++row) {
    ASSERT_EQ((*view)->Int64s(0)[row], static_cast<int64_t>(row));
    ASSERT_EQ((*view)->StringAt(1, row), std::to_string(row % 997));
  }
}

TEST(HotBlockView, RowCountPastCapacityIsCorruption) {
  auto block = MakeBlock(4, 8);
  auto view = HotBlockView::Map(block->descriptor(), 5);
  ASSERT_FALSE(view.ok());
  EXPECT_TRUE(view.status().IsCorruption());
}

TEST(HotBlockView, FileThatIsNotAHotBlockIsCorruption) {
  int descriptor = ::memfd_create("not-a-block", MFD_CLOEXEC);
  ASSERT_GE(descriptor, 0);
  ASSERT_EQ(::ftruncate(descriptor, 8192), 0);
  auto view = HotBlockView::Map(descriptor, 0);
  ::close(descriptor);
  ASSERT_FALSE(view.ok());
  EXPECT_NE(view.status().message().find("magic"), std::string::npos);
}

}  // namespace
}  // namespace backtrace::hot
