#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include <rocksdb/status.h>

#include "common/base/coding.h"
#include "common/catalog/block_meta.h"
#include "common/catalog/catalog_records.h"
#include "common/catalog/record_coding.h"
#include "common/catalog/rocksdb_status.h"
#include "tests/common/catalog_test_blocks.h"

namespace backtrace {
namespace {

using testing::MakeBlock;
using testing::TradesSchema;

BlockMeta SampleBlock() {
  BlockMeta block = MakeBlock(7, 42, -5'000, 1'700'000'000'000'000'000, 1234);
  block.committed_sequence = 9;
  block.retired_sequence = 12;
  block.columns[1].max = Value(std::string(300, 'z'));
  return block;
}

TEST(BlockMetaCodec, RoundTripsEveryField) {
  BlockMeta block = SampleBlock();
  Result<BlockMeta> decoded = DecodeBlockMeta(EncodeBlockMeta(block));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, block);
}

TEST(BlockMetaCodec, RoundTripsExtremesAndNan) {
  BlockMeta block = MakeBlock(std::numeric_limits<uint64_t>::max(), 1,
                              std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max(), 1);
  block.columns[2].min = Value(std::nan(""));
  block.columns[2].max = Value(std::nan(""));
  block.columns[2].has_nan = true;
  block.columns[3].min = Value(std::numeric_limits<int64_t>::min());
  Result<BlockMeta> decoded = DecodeBlockMeta(EncodeBlockMeta(block));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->min_time, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(decoded->max_time, std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(decoded->columns[2].has_nan);
  EXPECT_TRUE(std::isnan(std::get<double>(decoded->columns[2].min)));
  EXPECT_TRUE(decoded->IsLive());
}

TEST(BlockMetaCodec, EveryTruncationIsCorruption) {
  std::string encoded = EncodeBlockMeta(SampleBlock());
  for (size_t size = 0; size < encoded.size(); ++size) {
    Result<BlockMeta> decoded = DecodeBlockMeta(std::string_view(encoded).substr(0, size));
    ASSERT_FALSE(decoded.ok()) << size;
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption) << size;
  }
}

TEST(BlockMetaCodec, EveryBitFlipIsCorruption) {
  std::string encoded = EncodeBlockMeta(SampleBlock());
  for (size_t bit = 0; bit < encoded.size() * 8; ++bit) {
    std::string damaged = encoded;
    damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
    Result<BlockMeta> decoded = DecodeBlockMeta(damaged);
    ASSERT_FALSE(decoded.ok()) << "bit " << bit;
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption) << "bit " << bit;
  }
}

// Bytes with a valid checksum but a broken structure (as a buggy writer
// would produce) are refused by the parser itself, never read out of bounds.
TEST(BlockMetaCodec, SealedGarbageIsRefusedWithoutCrashing) {
  std::mt19937_64 random(7);
  std::string valid = EncodeBlockMeta(SampleBlock());
  std::string body = valid.substr(0, valid.size() - 4);
  int refused = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string mutated = body;
    int edits = 1 + static_cast<int>(random() % 4);
    for (int edit = 0; edit < edits; ++edit) {
      size_t position = random() % mutated.size();
      switch (random() % 3) {
        case 0: mutated[position] = static_cast<char>(random()); break;
        case 1: mutated.erase(position, 1 + random() % 8); break;
        default: mutated.insert(position, 1 + random() % 4, static_cast<char>(random())); break;
      }
      if (mutated.empty()) mutated.push_back(1);
    }
    catalog_record::Seal(&mutated);
    Result<BlockMeta> decoded = DecodeBlockMeta(mutated);
    if (!decoded.ok()) {
      ++refused;
      EXPECT_TRUE(decoded.status().code() == StatusCode::kCorruption ||
                  decoded.status().code() == StatusCode::kNotSupported)
          << decoded.status().ToString();
    }
  }
  EXPECT_GT(refused, 2000);
}

TEST(BlockMetaCodec, UnknownVersionIsNotSupported) {
  std::string encoded = EncodeBlockMeta(SampleBlock());
  std::string body = encoded.substr(0, encoded.size() - 4);
  body[0] = 9;
  catalog_record::Seal(&body);
  Result<BlockMeta> decoded = DecodeBlockMeta(body);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(decoded.status().message().find("version 9"), std::string::npos);
}

TEST(BlockMetaCodec, HugeColumnCountIsCorruptionNotAnAllocation) {
  std::string body(1, static_cast<char>(catalog_format::kBlockEntryVersion));
  for (int field = 0; field < 3; ++field) coding::PutVarint64(&body, 1);
  for (int field = 0; field < 3; ++field) coding::PutFixed64(&body, 0);
  coding::PutVarint64(&body, 1);
  coding::PutFixed64(&body, catalog_format::kLiveSequence);
  coding::PutVarint64(&body, 0);  // wal_last_lsn
  coding::PutVarint64(&body, 1000);
  catalog_record::Seal(&body);
  Result<BlockMeta> decoded = DecodeBlockMeta(body);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(decoded.status().message().find("1000 columns"), std::string::npos)
      << decoded.status().message();
}

TEST(SpanClass, BoundsTheSpanByAPowerOfTwo) {
  EXPECT_EQ(SpanClass(5, 5), 0);
  EXPECT_EQ(SpanClass(5, 6), 1);
  EXPECT_EQ(SpanClass(0, 3), 2);
  EXPECT_EQ(SpanClass(0, 4), 3);
  EXPECT_EQ(SpanClass(-1, 0), 1);
  EXPECT_EQ(SpanClass(0, std::numeric_limits<int64_t>::max()), 63);
  EXPECT_EQ(SpanClass(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()), 63);
  std::mt19937_64 random(3);
  for (int round = 0; round < 1000; ++round) {
    int64_t min_time = static_cast<int64_t>(random() >> 2);
    int64_t span = static_cast<int64_t>(random() >> (2 + random() % 60));
    int span_class = SpanClass(min_time, min_time + span);
    ASSERT_LT(span_class, 63);
    EXPECT_LE(static_cast<uint64_t>(span), (uint64_t{1} << span_class) - 1);
    if (span_class > 0) {
      EXPECT_GE(static_cast<uint64_t>(span), uint64_t{1} << (span_class - 1));
    }
  }
}

void ExpectRejected(const BlockMeta& block, std::string_view fragment) {
  Status status = CheckBlockMeta(block, TradesSchema());
  ASSERT_FALSE(status.ok()) << "expected a complaint about " << fragment;
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(fragment), std::string::npos) << status.message();
}

TEST(CheckBlockMeta, AcceptsConsistentBlock) {
  EXPECT_TRUE(CheckBlockMeta(MakeBlock(1, 1, 10, 20, 5), TradesSchema()).ok());
}

TEST(CheckBlockMeta, RejectsInconsistentBlocksNamingTheProblem) {
  BlockMeta block = MakeBlock(1, 3, 10, 20, 5);
  block.row_count = 0;
  ExpectRejected(block, "block 3 of table 'trades' has no rows");

  block = MakeBlock(1, 3, 10, 20, 5);
  block.min_time = 30;
  ExpectRejected(block, "min_time 30 > max_time 20");

  block = MakeBlock(1, 3, 10, 20, 5);
  block.columns.pop_back();
  ExpectRejected(block, "statistics for 3 columns; the table has 4");

  block = MakeBlock(1, 3, 10, 20, 5);
  block.columns[2].column_index = 3;
  ExpectRejected(block, "column 'price': statistics are for column index 3");

  block = MakeBlock(1, 3, 10, 20, 5);
  block.columns[3].max = Value(uint64_t{5});
  ExpectRejected(block, "column 'qty': min/max are not of type int64");

  block = MakeBlock(1, 3, 10, 20, 5);
  block.columns[1].min = Value(std::string("ZZZ"));
  ExpectRejected(block, "column 'symbol': min ZZZ > max MSFT");

  block = MakeBlock(1, 3, 10, 20, 5);
  block.columns[0].max = Value(int64_t{19});
  ExpectRejected(block, "time column min/max [10, 19] differ from the block's [10, 20]");

  block = MakeBlock(1, 3, 10, 20, 5);
  block.columns[2].min = Value(std::nan(""));
  ExpectRejected(block, "column 'price': min/max are NaN");

  block = MakeBlock(1, 3, 10, 20, 5);
  block.columns[3].has_nan = true;
  ExpectRejected(block, "column 'qty': has_nan set");

  block = MakeBlock(1, 3, 10, 20, 5);
  block.columns[1].max = Value(std::string(kMaxStringBytes + 1, 'z'));
  ExpectRejected(block, "longer than 65536 bytes");
}

TEST(CatalogRecords, TableEntryRoundTripsAndDetectsDamage) {
  TableInfo table;
  table.table_id = 3;
  table.schema = TradesSchema().Normalized();
  table.created_sequence = 17;
  table.span_class_mask = 0b1010;
  std::string encoded = catalog_record::EncodeTableEntry(table);
  Result<TableInfo> decoded = catalog_record::DecodeTableEntry(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, table);
  for (size_t position = 0; position < encoded.size(); ++position) {
    std::string damaged = encoded;
    damaged[position] = static_cast<char>(damaged[position] ^ 0x10);
    EXPECT_EQ(catalog_record::DecodeTableEntry(damaged).status().code(), StatusCode::kCorruption);
  }
}

TEST(CatalogRecords, TableEntryWithInvalidSchemaIsCorruption) {
  TableInfo table;
  table.table_id = 3;
  table.schema = TradesSchema();
  table.schema.time_column = "qty";
  Result<TableInfo> decoded =
      catalog_record::DecodeTableEntry(catalog_record::EncodeTableEntry(table));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(decoded.status().message().find("table 3"), std::string::npos);
  EXPECT_NE(decoded.status().message().find("must be a timestamp"), std::string::npos);
}

TEST(CatalogRecords, BlockKeysSortByTableClassMaxTimeAndBlockId) {
  using catalog_record::BlockKey;
  EXPECT_LT(BlockKey({1, 5, 100, 9}), BlockKey({2, 0, -100, 1}));
  EXPECT_LT(BlockKey({1, 0, 100, 9}), BlockKey({1, 1, -100, 1}));
  EXPECT_LT(BlockKey({1, 3, -100, 9}), BlockKey({1, 3, 100, 1}));
  EXPECT_LT(BlockKey({1, 3, std::numeric_limits<int64_t>::min(), 9}), BlockKey({1, 3, -1, 1}));
  EXPECT_LT(BlockKey({1, 3, 100, 1}), BlockKey({1, 3, 100, 2}));
  BlockKeyParts parts;
  ASSERT_TRUE(catalog_record::ParseBlockKey(BlockKey({7, 12, -55, 99}), &parts));
  EXPECT_EQ(parts.table_id, 7u);
  EXPECT_EQ(parts.span_class, 12);
  EXPECT_EQ(parts.max_time, -55);
  EXPECT_EQ(parts.block_id, 99u);
  EXPECT_FALSE(catalog_record::ParseBlockKey("B123", &parts));
}

TEST(RocksDBStatus, MapsResourceErrorsAsWhatTheyAre) {
  Status no_space = FromRocksDBStatus(rocksdb::Status::NoSpace("write"), "catalog /x");
  EXPECT_EQ(no_space.code(), StatusCode::kNoSpace);
  EXPECT_EQ(no_space.message().rfind("catalog /x: ", 0), 0u) << no_space.message();
  EXPECT_EQ(FromRocksDBStatus(rocksdb::Status::IOError("While appending to file: /x/000012.log",
                                                       "No space left on device"),
                              "catalog /x")
                .code(),
            StatusCode::kNoSpace);
  EXPECT_EQ(FromRocksDBStatus(rocksdb::Status::IOError("While open a file for random read: /x/1.sst",
                                                       "Too many open files"),
                              "catalog /x")
                .code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(FromRocksDBStatus(rocksdb::Status::Corruption("block checksum mismatch"), "c").code(),
            StatusCode::kCorruption);
  EXPECT_EQ(FromRocksDBStatus(rocksdb::Status::IOError("read failed"), "c").code(),
            StatusCode::kIoError);
  EXPECT_EQ(FromRocksDBStatus(rocksdb::Status::InvalidArgument("bad"), "c").code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(FromRocksDBStatus(rocksdb::Status::OK(), "c").ok());
}

}  // namespace
}  // namespace backtrace
