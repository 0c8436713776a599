#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>

#include <rocksdb/db.h>

#include "common/catalog/catalog.h"
#include "common/catalog/catalog_records.h"
#include "tests/common/catalog_test_blocks.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

using testing::MakeBlock;
using testing::TradesSchema;

std::unique_ptr<Catalog> OpenPrimary(const std::string& path, CatalogOptions options = {}) {
  Result<std::unique_ptr<Catalog>> catalog = Catalog::OpenPrimary(path, options);
  EXPECT_TRUE(catalog.ok()) << catalog.status().ToString();
  return catalog.ok() ? std::move(catalog).value() : nullptr;
}

CatalogOptions Unsynced() {
  CatalogOptions options;
  options.sync_writes = false;
  return options;
}

uint64_t Sequence(const Catalog& catalog) {
  Result<uint64_t> sequence = catalog.CurrentSequence();
  EXPECT_TRUE(sequence.ok()) << sequence.status().ToString();
  return sequence.ok() ? *sequence : 0;
}

std::vector<uint64_t> Ids(const Result<std::vector<BlockMeta>>& blocks) {
  EXPECT_TRUE(blocks.ok()) << blocks.status().ToString();
  std::vector<uint64_t> ids;
  if (blocks.ok()) {
    for (const BlockMeta& block : *blocks) ids.push_back(block.block_id);
  }
  return ids;
}

// Creates the trades table and commits `count` blocks of 10 rows covering
// [i * 100, i * 100 + 99]; returns the table id and the block ids.
struct Filled {
  uint64_t table_id = 0;
  std::vector<uint64_t> block_ids;
};
Filled Fill(Catalog* catalog, int count) {
  Filled filled;
  Result<TableInfo> table = catalog->CreateTable(TradesSchema());
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  filled.table_id = table->table_id;
  for (int i = 0; i < count; ++i) {
    Result<uint64_t> block_id = catalog->AllocateBlockIds();
    EXPECT_TRUE(block_id.ok());
    EXPECT_TRUE(catalog
                    ->CommitBlock(MakeBlock(filled.table_id, *block_id, i * 100, i * 100 + 99, 10),
                                  static_cast<uint64_t>(i + 1) * 1000, {{1, uint64_t(i + 1)}})
                    .ok());
    filled.block_ids.push_back(*block_id);
  }
  return filled;
}

TEST(CatalogOpen, FreshCatalogStartsAtSequenceOneWithNothingInIt) {
  testing::TemporaryDirectory directory;
  auto catalog = OpenPrimary(directory.Join("catalog"));
  ASSERT_TRUE(catalog);
  EXPECT_TRUE(catalog->is_primary());
  EXPECT_EQ(Sequence(*catalog), 1u);
  EXPECT_EQ(*catalog->GetWalCheckpoint(), 0u);
  EXPECT_TRUE(catalog->GetProducerMarks()->empty());
  EXPECT_TRUE(catalog->ListTables()->empty());
}

TEST(CatalogOpen, ReopenKeepsEverything) {
  testing::TemporaryDirectory directory;
  Filled filled;
  uint64_t sequence = 0;
  {
    auto catalog = OpenPrimary(directory.Join("catalog"));
    filled = Fill(catalog.get(), 3);
    sequence = Sequence(*catalog);
  }
  auto catalog = OpenPrimary(directory.Join("catalog"));
  ASSERT_TRUE(catalog);
  EXPECT_EQ(Sequence(*catalog), sequence);
  EXPECT_EQ(*catalog->GetWalCheckpoint(), 3000u);
  EXPECT_EQ(*catalog->GetProducerMarks(), (std::map<uint64_t, uint64_t>{{1, 3}}));
  EXPECT_EQ(Ids(catalog->AllBlocks(filled.table_id, sequence)), filled.block_ids);
  Result<TableInfo> table = catalog->GetTable("trades");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->schema, TradesSchema());
  // Ids continue after the reopen: nothing is handed out twice.
  EXPECT_GT(*catalog->AllocateBlockIds(), filled.block_ids.back());
  EXPECT_GT(catalog->CreateTable(TradesSchema("quotes"))->table_id, filled.table_id);
}

TEST(CatalogOpen, SecondPrimaryIsRefusedWhileTheFirstIsOpen) {
  testing::TemporaryDirectory directory;
  auto first = OpenPrimary(directory.Join("catalog"));
  ASSERT_TRUE(first);
  Result<std::unique_ptr<Catalog>> second = Catalog::OpenPrimary(directory.Join("catalog"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition) << second.status().ToString();
  EXPECT_NE(second.status().message().find(directory.Join("catalog")), std::string::npos);
}

TEST(CatalogOpen, RocksDBThatIsNotACatalogIsRefused) {
  testing::TemporaryDirectory directory;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, directory.Join("other"), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "some", "thing").ok());
  }
  Result<std::unique_ptr<Catalog>> catalog = Catalog::OpenPrimary(directory.Join("other"));
  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), StatusCode::kCorruption);
  EXPECT_NE(catalog.status().message().find("not a BacktraceDB catalog"), std::string::npos);
}

TEST(CatalogOpen, SecondaryOfMissingCatalogIsNotFound) {
  testing::TemporaryDirectory directory;
  Result<std::unique_ptr<Catalog>> catalog =
      Catalog::OpenSecondary(directory.Join("missing"), directory.Join("secondary"));
  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), StatusCode::kNotFound);
}

TEST(CatalogTables, CreateTableIsIdempotentForTheSameSchema) {
  testing::TemporaryDirectory directory;
  auto catalog = OpenPrimary(directory.Join("catalog"), Unsynced());
  Result<TableInfo> created = catalog->CreateTable(TradesSchema());
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  uint64_t sequence = Sequence(*catalog);
  TableSchema same = TradesSchema();
  same.sort_key = {"symbol"};  // the time column is appended implicitly
  Result<TableInfo> again = catalog->CreateTable(same);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->table_id, created->table_id);
  EXPECT_EQ(Sequence(*catalog), sequence);  // nothing written
  EXPECT_EQ(created->schema.sort_key, (std::vector<std::string>{"symbol", "ts"}));
}

TEST(CatalogTables, CreateTableWithAnotherSchemaIsAlreadyExistsNamingTableAndDifference) {
  testing::TemporaryDirectory directory;
  auto catalog = OpenPrimary(directory.Join("catalog"), Unsynced());
  ASSERT_TRUE(catalog->CreateTable(TradesSchema()).ok());
  TableSchema different = TradesSchema();
  different.columns[2].type = ColumnType::kInt64;
  Result<TableInfo> again = catalog->CreateTable(different);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("table 'trades' already exists"), std::string::npos)
      << again.status().message();
  EXPECT_NE(again.status().message().find(
                "column 3 is 'price:float64' in the catalog and 'price:int64' in the request"),
            std::string::npos)
      << again.status().message();
}

TEST(CatalogTables, CreateTableRejectsInvalidSchema) {
  testing::TemporaryDirectory directory;
  auto catalog = OpenPrimary(directory.Join("catalog"), Unsynced());
  TableSchema schema = TradesSchema();
  schema.time_column = "qty";
  Result<TableInfo> created = catalog->CreateTable(schema);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(catalog->ListTables()->empty());
}

TEST(CatalogTables, ListTablesIsOrderedByName) {
  testing::TemporaryDirectory directory;
  auto catalog = OpenPrimary(directory.Join("catalog"), Unsynced());
  for (const char* name : {"trades", "bars", "quotes"}) {
    ASSERT_TRUE(catalog->CreateTable(TradesSchema(name)).ok());
  }
  Result<std::vector<TableInfo>> tables = catalog->ListTables();
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), 3u);
  EXPECT_EQ((*tables)[0].schema.name, "bars");
  EXPECT_EQ((*tables)[1].schema.name, "quotes");
  EXPECT_EQ((*tables)[2].schema.name, "trades");
  Result<TableInfo> missing = catalog->GetTable("orders");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("'orders'"), std::string::npos);
}

TEST(CatalogTables, DropThenRecreateIsANewTableAndOldBlocksStayInThePast) {
  testing::TemporaryDirectory directory;
  auto catalog = OpenPrimary(directory.Join("catalog"), Unsynced());
  Filled old_table = Fill(catalog.get(), 2);
  uint64_t before_drop = Sequence(*catalog);
  ASSERT_TRUE(catalog->DropTable("trades").ok());
  uint64_t after_drop = Sequence(*catalog);
  EXPECT_EQ(after_drop, before_drop + 1);
  EXPECT_FALSE(catalog->GetTable("trades").ok());
  Result<TableInfo> dropped = catalog->GetTableById(old_table.table_id);
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped->dropped_sequence, after_drop);
  EXPECT_EQ(Ids(catalog->AllBlocks(old_table.table_id, before_drop)), old_table.block_ids);
  EXPECT_TRUE(Ids(catalog->AllBlocks(old_table.table_id, after_drop)).empty());

  TableSchema reshaped = TradesSchema();
  reshaped.columns[3].type = ColumnType::kUInt64;
  Result<TableInfo> recreated = catalog->CreateTable(reshaped);
  ASSERT_TRUE(recreated.ok()) << recreated.status().ToString();
  EXPECT_NE(recreated->table_id, old_table.table_id);
  EXPECT_TRUE(Ids(catalog->AllBlocks(recreated->table_id, Sequence(*catalog))).empty());
  // A block for the dropped table id is refused.
  uint64_t block_id = *catalog->AllocateBlockIds();
  Status late = catalog->CommitBlock(MakeBlock(old_table.table_id, block_id, 0, 1, 1), 5000, {});
  EXPECT_EQ(late.code(), StatusCode::kFailedPrecondition) << late.ToString();
  EXPECT_EQ(catalog->DropTable("trades").ok(), true);
  EXPECT_EQ(catalog->DropTable("trades").code(), StatusCode::kNotFound);
}

TEST(CatalogBlocks, CommitStoresTheBlockWithItsSequences) {
  testing::TemporaryDirectory directory;
  auto catalog = OpenPrimary(directory.Join("catalog"), Unsynced());
  uint64_t table_id = catalog->CreateTable(TradesSchema())->table_id;
  uint64_t block_id = *catalog->AllocateBlockIds();
  BlockMeta block = MakeBlock(table_id, block_id, 1000, 2000, 77);
  block.committed_sequence = 999;  // ignored: the catalog sets it
  ASSERT_TRUE(catalog->CommitBlock(block, 10, {{5, 50}, {6, 60}}).ok());
  uint64_t sequence = Sequence(*catalog);
  Result<BlockMeta> stored = catalog->GetBlock(block_id);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  block.committed_sequence = sequence;
  EXPECT_EQ(*stored, block);
  EXPECT_EQ(*catalog->GetWalCheckpoint(), 10u);
  EXPECT_EQ(*catalog->GetProducerMarks(), (std::map<uint64_t, uint64_t>{{5, 50}, {6, 60}}));
  EXPECT_TRUE(Ids(catalog->AllBlocks(table_id, sequence - 1)).empty());
  EXPECT_EQ(Ids(catalog->AllBlocks(table_id, sequence)), std::vector<uint64_t>{block_id});
}

TEST(CatalogBlocks, CommitRefusesBadBlocksAndWritesNothing) {
  testing::TemporaryDirectory directory;
  auto catalog = OpenPrimary(directory.Join("catalog"), Unsynced());
  uint64_t table_id = catalog->CreateTable(TradesSchema())->table_id;
  uint64_t block_id = *catalog->AllocateBlockIds();
  ASSERT_TRUE(catalog->CommitBlock(MakeBlock(table_id, block_id, 0, 9, 1), 1, {}).ok());
  uint64_t sequence = Sequence(*catalog);

  Status unallocated = catalog->CommitBlock(MakeBlock(table_id, block_id + 100, 0, 9, 1), 2, {});
  EXPECT_EQ(unallocated.code(), StatusCode::kInvalidArgument) << unallocated.ToString();
  Status twice = catalog->CommitBlock(MakeBlock(table_id, block_id, 0, 9, 1), 2, {});
  EXPECT_EQ(twice.code(), StatusCode::kAlreadyExists) << twice.ToString();
  uint64_t next = *catalog->AllocateBlockIds();
  sequence = Sequence(*catalog);
  Status unknown_table = catalog->CommitBlock(MakeBlock(table_id + 5, next, 0, 9, 1), 2, {});
  EXPECT_EQ(unknown_table.code(), StatusCode::kNotFound) << unknown_table.ToString();
  BlockMeta bad = MakeBlock(table_id, next, 0, 9, 1);
  bad.columns[0].max = Value(int64_t{8});
  Status inconsistent = catalog->CommitBlock(bad, 2, {});
  EXPECT_EQ(inconsistent.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(inconsistent.message().find("column 'ts'"), std::string::npos) << inconsistent.message();
  Status same_batch = catalog->CommitBlocks(
      {MakeBlock(table_id, next, 0, 9, 1), MakeBlock(table_id, next, 0, 9, 1)}, 2, {});
  EXPECT_EQ(same_batch.code(), StatusCode::kAlreadyExists);
  Status backwards = catalog->CommitBlock(MakeBlock(table_id, next, 0, 9, 1), 0, {});
  EXPECT_EQ(backwards.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(backwards.message().find("WAL checkpoint 0 is below the stored 1"), std::string::npos);

  EXPECT_EQ(Sequence(*catalog), sequence);
  EXPECT_EQ(*catalog->GetWalCheckpoint(), 1u);
  EXPECT_FALSE(catalog->GetBlock(next).ok());
}

TEST(CatalogBlocks, ProducerMarksKeepTheHighestAndCheckpointMayStay) {
  testing::TemporaryDirectory directory;
  auto catalog = OpenPrimary(directory.Join("catalog"), Unsynced());
  ASSERT_TRUE(catalog->CommitBlocks({}, 100, {{1, 10}, {2, 20}}).ok());
  ASSERT_TRUE(catalog->CommitBlocks({}, 100, {{1, 5}, {2, 25}, {3, 1}}).ok());
  EXPECT_EQ(*catalog->GetProducerMarks(), (std::map<uint64_t, uint64_t>{{1, 10}, {2, 25}, {3, 1}}));
  EXPECT_EQ(*catalog->GetWalCheckpoint(), 100u);
}

TEST(CatalogMvcc, AsOfReadsAcrossReplaceBlocks) {
  testing::TemporaryDirectory directory;
  auto catalog = OpenPrimary(directory.Join("catalog"), Unsynced());
  Filled filled = Fill(catalog.get(), 3);  // [0,99], [100,199], [200,299]
  uint64_t before = Sequence(*catalog);
  uint64_t merged_id = *catalog->AllocateBlockIds();
  ASSERT_TRUE(catalog
                  ->ReplaceBlocks(filled.table_id, {filled.block_ids[0], filled.block_ids[1]},
                                  MakeBlock(filled.table_id, merged_id, 0, 199, 20))
                  .ok());
  uint64_t after = Sequence(*catalog);
  ASSERT_EQ(after, before + 2);  // the allocation and the replacement

  EXPECT_EQ(Ids(catalog->AllBlocks(filled.table_id, before)), filled.block_ids);
  EXPECT_EQ(Ids(catalog->AllBlocks(filled.table_id, before + 1)), filled.block_ids);
  EXPECT_EQ(Ids(catalog->AllBlocks(filled.table_id, after)),
            (std::vector<uint64_t>{merged_id, filled.block_ids[2]}));
  EXPECT_EQ(Ids(catalog->ListBlocks(filled.table_id, 150, 160, before)),
            std::vector<uint64_t>{filled.block_ids[1]});
  EXPECT_EQ(Ids(catalog->ListBlocks(filled.table_id, 150, 160, after)),
            std::vector<uint64_t>{merged_id});
  // Rows are counted once at every sequence.
  for (uint64_t sequence : {before, after}) {
    uint64_t rows = 0;
    Result<std::vector<BlockMeta>> blocks = catalog->AllBlocks(filled.table_id, sequence);
    ASSERT_TRUE(blocks.ok());
    for (const BlockMeta& block : *blocks) {
      rows += block.row_count;
    }
    EXPECT_EQ(rows, 30u) << "as of " << sequence;
  }
  Result<BlockMeta> retired = catalog->GetBlock(filled.block_ids[0]);
  ASSERT_TRUE(retired.ok());
  EXPECT_EQ(retired->retired_sequence, after);
}

TEST(CatalogMvcc, ReplaceRefusesRetiredForeignOrUnknownBlocksAndChangesNothing) {
  testing::TemporaryDirectory directory;
  auto catalog = OpenPrimary(directory.Join("catalog"), Unsynced());
  Filled filled = Fill(catalog.get(), 3);
  uint64_t other_table = catalog->CreateTable(TradesSchema("quotes"))->table_id;
  uint64_t first = *catalog->AllocateBlockIds(3);
  ASSERT_TRUE(catalog->RetireBlocks(filled.table_id, {filled.block_ids[0]}).ok());
  uint64_t sequence = Sequence(*catalog);

  Status retired = catalog->ReplaceBlocks(filled.table_id, {filled.block_ids[0], filled.block_ids[1]},
                                          MakeBlock(filled.table_id, first, 0, 199, 20));
  EXPECT_EQ(retired.code(), StatusCode::kFailedPrecondition) << retired.ToString();
  EXPECT_NE(retired.message().find("block " + std::to_string(filled.block_ids[0])),
            std::string::npos);
  Status foreign = catalog->ReplaceBlocks(other_table, {filled.block_ids[1]},
                                          MakeBlock(other_table, first, 100, 199, 10));
  EXPECT_EQ(foreign.code(), StatusCode::kInvalidArgument) << foreign.ToString();
  Status unknown = catalog->ReplaceBlocks(filled.table_id, {9999},
                                          MakeBlock(filled.table_id, first, 100, 199, 10));
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound) << unknown.ToString();
  Status twice = catalog->ReplaceBlocks(filled.table_id, {filled.block_ids[1], filled.block_ids[1]},
                                        MakeBlock(filled.table_id, first, 100, 199, 10));
  EXPECT_EQ(twice.code(), StatusCode::kInvalidArgument) << twice.ToString();
  Status mismatched = catalog->ReplaceBlocks(filled.table_id, {filled.block_ids[1]},
                                             MakeBlock(other_table, first, 100, 199, 10));
  EXPECT_EQ(mismatched.code(), StatusCode::kInvalidArgument) << mismatched.ToString();

  EXPECT_EQ(Sequence(*catalog), sequence);
  EXPECT_TRUE(catalog->GetBlock(filled.block_ids[1])->IsLive());
  EXPECT_FALSE(catalog->GetBlock(first).ok());
}

TEST(CatalogMvcc, RetiredBlocksAreListedThenPurged) {
  testing::TemporaryDirectory directory;
  auto catalog = OpenPrimary(directory.Join("catalog"), Unsynced());
  Filled filled = Fill(catalog.get(), 4);
  ASSERT_TRUE(catalog->RetireBlocks(filled.table_id, {filled.block_ids[2]}).ok());
  uint64_t first_retirement = Sequence(*catalog);
  ASSERT_TRUE(catalog->RetireBlocks(filled.table_id, {filled.block_ids[0], filled.block_ids[1]}).ok());

  EXPECT_EQ(Ids(catalog->ListRetiredBlocks(first_retirement - 1)), std::vector<uint64_t>{});
  EXPECT_EQ(Ids(catalog->ListRetiredBlocks(first_retirement)),
            std::vector<uint64_t>{filled.block_ids[2]});
  EXPECT_EQ(Ids(catalog->ListRetiredBlocks(UINT64_MAX)),
            (std::vector<uint64_t>{filled.block_ids[2], filled.block_ids[0], filled.block_ids[1]}));

  Status live = catalog->PurgeBlocks({filled.block_ids[2], filled.block_ids[3]});
  EXPECT_EQ(live.code(), StatusCode::kFailedPrecondition) << live.ToString();
  EXPECT_TRUE(catalog->GetBlock(filled.block_ids[2]).ok());  // nothing purged

  ASSERT_TRUE(catalog->PurgeBlocks({filled.block_ids[2]}).ok());
  EXPECT_EQ(catalog->GetBlock(filled.block_ids[2]).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Ids(catalog->ListRetiredBlocks(UINT64_MAX)),
            (std::vector<uint64_t>{filled.block_ids[0], filled.block_ids[1]}));
  EXPECT_EQ(Ids(catalog->AllBlocks(filled.table_id, Sequence(*catalog))),
            std::vector<uint64_t>{filled.block_ids[3]});
  EXPECT_EQ(catalog->PurgeBlocks({filled.block_ids[2]}).code(), StatusCode::kNotFound);
}

TEST(CatalogMvcc, ReadingAheadOfTheCatalogIsRefused) {
  testing::TemporaryDirectory directory;
  auto catalog = OpenPrimary(directory.Join("catalog"), Unsynced());
  Filled filled = Fill(catalog.get(), 1);
  uint64_t sequence = Sequence(*catalog);
  Result<std::vector<BlockMeta>> ahead = catalog->AllBlocks(filled.table_id, sequence + 1);
  ASSERT_FALSE(ahead.ok());
  EXPECT_EQ(ahead.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(catalog->ListBlocks(filled.table_id, 0, 10, sequence + 1).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(catalog->ListBlocks(filled.table_id, 10, 0, sequence).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(CatalogListing, TimeRangeListingEqualsBruteForce) {
  testing::TemporaryDirectory directory;
  auto catalog = OpenPrimary(directory.Join("catalog"), Unsynced());
  uint64_t table_id = catalog->CreateTable(TradesSchema())->table_id;
  std::mt19937_64 random(11);
  const int kBlocks = 400;
  uint64_t first = *catalog->AllocateBlockIds(kBlocks);
  std::vector<BlockMeta> blocks;
  for (int i = 0; i < kBlocks; ++i) {
    int64_t min_time = static_cast<int64_t>(random() % 1'000'000) - 500'000;
    int64_t span = static_cast<int64_t>(random() % (random() % 4 == 0 ? 200'000 : 2'000));
    if (i % 50 == 0) span = 0;
    blocks.push_back(MakeBlock(table_id, first + i, min_time, min_time + span, 1));
  }
  blocks.push_back(MakeBlock(table_id, 0, INT64_MIN, INT64_MAX, 1));
  blocks.back().block_id = *catalog->AllocateBlockIds();
  ASSERT_TRUE(catalog->CommitBlocks(blocks, 1, {}).ok());
  // Retire some, so visibility is part of what is compared.
  ASSERT_TRUE(catalog->RetireBlocks(table_id, {first + 3, first + 30, first + 300}).ok());
  uint64_t sequence = Sequence(*catalog);
  Result<std::vector<BlockMeta>> all = catalog->AllBlocks(table_id, sequence);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), blocks.size() - 3);
  for (int query = 0; query < 300; ++query) {
    int64_t from = static_cast<int64_t>(random() % 1'400'000) - 700'000;
    int64_t to = from + static_cast<int64_t>(random() % (query % 3 == 0 ? 100 : 50'000));
    std::vector<uint64_t> expected;
    for (const BlockMeta& block : *all) {
      if (block.max_time >= from && block.min_time <= to) expected.push_back(block.block_id);
    }
    EXPECT_EQ(Ids(catalog->ListBlocks(table_id, from, to, sequence)), expected)
        << "[" << from << ", " << to << "]";
  }
  EXPECT_EQ(Ids(catalog->ListBlocks(table_id, INT64_MIN, INT64_MAX, sequence)), Ids(all));
}

TEST(CatalogListing, VisitsOnlyKeysNearTheRangeAmongThousandsOfBlocks) {
  testing::TemporaryDirectory directory;
  auto catalog = OpenPrimary(directory.Join("catalog"), Unsynced());
  uint64_t table_id = catalog->CreateTable(TradesSchema())->table_id;
  const int64_t kSecond = 1'000'000'000;
  const int64_t kStart = 1'700'000'000 * kSecond;
  const int kBlocks = 5000;
  uint64_t first = *catalog->AllocateBlockIds(kBlocks + 1);
  std::vector<BlockMeta> batch;
  for (int i = 0; i < kBlocks; ++i) {
    // Contiguous one-second blocks.
    batch.push_back(MakeBlock(table_id, first + i, kStart + i * kSecond,
                              kStart + (i + 1) * kSecond - 1, 100));
    if (batch.size() == 500) {
      ASSERT_TRUE(catalog->CommitBlocks(batch, 1, {}).ok());
      batch.clear();
    }
  }
  // One late, wide block (a day of out-of-order rows): it must not widen
  // the walk for the narrow blocks.
  ASSERT_TRUE(catalog
                  ->CommitBlock(MakeBlock(table_id, first + kBlocks, kStart - 86'400 * kSecond,
                                          kStart + 10 * kSecond, 5),
                                1, {})
                  .ok());
  uint64_t sequence = Sequence(*catalog);

  // Ten seconds in the middle: blocks 2500..2509.
  const CatalogStatistics before = catalog->statistics();
  Result<std::vector<BlockMeta>> blocks = catalog->ListBlocks(
      table_id, kStart + 2500 * kSecond, kStart + 2510 * kSecond - 1, sequence);
  ASSERT_TRUE(blocks.ok());
  ASSERT_EQ(blocks->size(), 10u);
  EXPECT_EQ(blocks->front().block_id, first + 2500);
  const CatalogStatistics after = catalog->statistics();
  uint64_t visited = after.block_keys_visited - before.block_keys_visited;
  // The ten matches plus the keys within one block width past the range
  // (the next block, and the one that ends the walk); never the thousands.
  EXPECT_LE(visited, 10u + 2u) << "visited " << visited;
  EXPECT_EQ(after.block_seeks - before.block_seeks, 2u);  // two span classes

  // A range at the start also finds the wide block.
  blocks = catalog->ListBlocks(table_id, kStart, kStart, sequence);
  ASSERT_TRUE(blocks.ok());
  EXPECT_EQ(Ids(blocks), (std::vector<uint64_t>{first + kBlocks, first}));
}

TEST(CatalogCorruption, BadBytesInABlockValueAreCorruptionNamingTheBlock) {
  testing::TemporaryDirectory directory;
  const std::string path = directory.Join("catalog");
  Filled filled;
  {
    auto catalog = OpenPrimary(path, Unsynced());
    filled = Fill(catalog.get(), 3);
  }
  // Damage the second block's value behind the catalog's back.
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), path, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::unique_ptr<rocksdb::Iterator> iterator(db->NewIterator(rocksdb::ReadOptions()));
    std::string victim;
    for (iterator->Seek("B"); iterator->Valid() && iterator->key().starts_with("B"); iterator->Next()) {
      BlockKeyParts parts;
      ASSERT_TRUE(catalog_record::ParseBlockKey(iterator->key().ToStringView(), &parts));
      if (parts.block_id == filled.block_ids[1]) victim = iterator->key().ToString();
    }
    ASSERT_FALSE(victim.empty());
    iterator.reset();
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), victim, "\x01garbage bytes").ok());
  }
  auto catalog = OpenPrimary(path, Unsynced());
  ASSERT_TRUE(catalog);
  uint64_t sequence = Sequence(*catalog);
  const std::string named = "block " + std::to_string(filled.block_ids[1]);
  Result<BlockMeta> block = catalog->GetBlock(filled.block_ids[1]);
  ASSERT_FALSE(block.ok());
  EXPECT_EQ(block.status().code(), StatusCode::kCorruption);
  EXPECT_NE(block.status().message().find(named), std::string::npos) << block.status().message();
  EXPECT_NE(block.status().message().find(path), std::string::npos);
  Result<std::vector<BlockMeta>> all = catalog->AllBlocks(filled.table_id, sequence);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), StatusCode::kCorruption);
  Result<std::vector<BlockMeta>> listed = catalog->ListBlocks(filled.table_id, 150, 150, sequence);
  EXPECT_EQ(listed.status().code(), StatusCode::kCorruption);
  // A range that does not reach the damaged entry still reads.
  EXPECT_EQ(Ids(catalog->ListBlocks(filled.table_id, 0, 50, sequence)),
            std::vector<uint64_t>{filled.block_ids[0]});
  // Writes that would have to read it refuse too, and change nothing.
  EXPECT_EQ(catalog->RetireBlocks(filled.table_id, {filled.block_ids[1]}).code(),
            StatusCode::kCorruption);
  EXPECT_EQ(Sequence(*catalog), sequence);
}

TEST(CatalogCorruption, BadTableEntryIsCorruptionNamingTheTable) {
  testing::TemporaryDirectory directory;
  const std::string path = directory.Join("catalog");
  uint64_t table_id = 0;
  {
    auto catalog = OpenPrimary(path, Unsynced());
    table_id = catalog->CreateTable(TradesSchema())->table_id;
  }
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), path, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), catalog_record::TableKey(table_id), "xyzzy").ok());
  }
  auto catalog = OpenPrimary(path, Unsynced());
  Result<TableInfo> table = catalog->GetTable("trades");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), StatusCode::kCorruption);
  EXPECT_NE(table.status().message().find("table " + std::to_string(table_id)), std::string::npos)
      << table.status().message();
}

TEST(CatalogSecondary, SeesPrimaryWritesAfterCatchUpAndRefusesWrites) {
  testing::TemporaryDirectory directory;
  auto primary = OpenPrimary(directory.Join("catalog"), Unsynced());
  Result<std::unique_ptr<Catalog>> opened =
      Catalog::OpenSecondary(directory.Join("catalog"), directory.Join("secondary"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<Catalog> secondary = std::move(opened).value();
  EXPECT_FALSE(secondary->is_primary());

  Filled filled = Fill(primary.get(), 4);
  uint64_t sequence = Sequence(*primary);
  ASSERT_TRUE(secondary->CatchUp(sequence).ok());
  EXPECT_GE(Sequence(*secondary), sequence);
  EXPECT_EQ(Ids(secondary->AllBlocks(filled.table_id, sequence)), filled.block_ids);
  EXPECT_EQ(*secondary->GetWalCheckpoint(), 4000u);
  EXPECT_EQ(secondary->GetTable("trades")->table_id, filled.table_id);

  EXPECT_EQ(secondary->CreateTable(TradesSchema("quotes")).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(secondary->AllocateBlockIds().status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(secondary->PurgeBlocks({1}).code(), StatusCode::kFailedPrecondition);
}

TEST(CatalogSecondary, CatchUpToASequenceNeverWrittenIsBusyAfterAReopen) {
  testing::TemporaryDirectory directory;
  auto primary = OpenPrimary(directory.Join("catalog"), Unsynced());
  CatalogOptions options;
  options.catch_up_attempts = 2;
  Result<std::unique_ptr<Catalog>> secondary =
      Catalog::OpenSecondary(directory.Join("catalog"), directory.Join("secondary"), options);
  ASSERT_TRUE(secondary.ok()) << secondary.status().ToString();
  uint64_t sequence = Sequence(*primary);
  Status status = (*secondary)->CatchUp(sequence + 10);
  EXPECT_EQ(status.code(), StatusCode::kBusy) << status.ToString();
  EXPECT_NE(status.message().find(std::to_string(sequence + 10)), std::string::npos);
  EXPECT_EQ((*secondary)->statistics().secondary_reopens, 1u);
  EXPECT_EQ((*secondary)->statistics().catch_up_attempts, 4u);
  // Still usable after the reopen.
  EXPECT_TRUE((*secondary)->CatchUp(sequence).ok());
  EXPECT_EQ(primary->CatchUp(sequence + 1).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(primary->CatchUp(sequence).ok());
}

}  // namespace
}  // namespace backtrace

namespace backtrace {
namespace {

TEST(CatalogWalWatermark, CommittingABlockRaisesItsTablesWatermarkDurably) {
  testing::TemporaryDirectory directory;
  uint64_t table_id = 0;
  {
    auto catalog = OpenPrimary(directory.Join("catalog"));
    Result<TableInfo> table = catalog->CreateTable(testing::TradesSchema());
    ASSERT_TRUE(table.ok());
    table_id = table->table_id;
    EXPECT_EQ(table->wal_watermark, 0u);
    for (uint64_t lsn : {uint64_t{40}, uint64_t{25}}) {
      Result<uint64_t> block_id = catalog->AllocateBlockIds(1);
      ASSERT_TRUE(block_id.ok());
      BlockMeta block = testing::MakeBlock(table_id, *block_id, 100, 200, 10);
      block.wal_last_lsn = lsn;
      ASSERT_TRUE(catalog->CommitBlock(block, 1, {}).ok());
    }
  }
  auto catalog = OpenPrimary(directory.Join("catalog"));
  Result<TableInfo> table = catalog->GetTableById(table_id);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->wal_watermark, 40u) << "the watermark never moves back";
  Result<std::vector<BlockMeta>> blocks = catalog->AllBlocks(table_id, *catalog->CurrentSequence());
  ASSERT_TRUE(blocks.ok());
  ASSERT_EQ(blocks->size(), 2u);
  EXPECT_EQ((*blocks)[0].wal_last_lsn + (*blocks)[1].wal_last_lsn, 65u);
}

}  // namespace
}  // namespace backtrace
