// catalog_helper: a second real process for the catalog tests.
//
//   catalog_helper primary <catalog>
//       Opens the catalog as primary and creates table "trades", prints
//       "ready <sequence> <table id>", then serves commands from stdin:
//         commit <n>   commits n one-block batches; prints "sequence <s>"
//         replace      merges the two oldest live blocks; prints "sequence <s>"
//         quit         exits
//   catalog_helper secondary <catalog> <secondary directory>
//       Opens a secondary, prints "ready", then serves:
//         catchup <s>  CatchUp(s), then prints "blocks <n> rows <r>" as of s
//         quit         exits
//   catalog_helper crash-loop <catalog>
//       Commits batches until killed: batch i adds a block of i rows and sets
//       the WAL checkpoint to 10 i and producer marks {1: i, 2: 2 i}; every
//       fourth batch is followed by a merge of the two oldest live blocks.
//       Prints "committed <i>" after each commit.
//
// Any failure prints "error <status>" and exits with status 1.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "common/catalog/catalog.h"
#include "tests/common/catalog_test_blocks.h"

namespace backtrace {
namespace {

using testing::MakeBlock;

[[noreturn]] void Fail(const Status& status) {
  std::cout << "error " << status.ToString() << std::endl;
  std::exit(1);
}

template <typename T>
T Check(Result<T> result) {
  if (!result.ok()) Fail(result.status());
  return std::move(result).value();
}

void Check(const Status& status) {
  if (!status.ok()) Fail(status);
}

// Commits block number `index` ([index * 100, index * 100 + 99], index rows)
// with its checkpoint and marks in one batch.
void CommitNumbered(Catalog* catalog, uint64_t table_id, uint64_t index) {
  uint64_t block_id = Check(catalog->AllocateBlockIds());
  int64_t start = static_cast<int64_t>(index) * 100;
  Check(catalog->CommitBlock(MakeBlock(table_id, block_id, start, start + 99, index), index * 10,
                             {{1, index}, {2, 2 * index}}));
}

// Replaces the two live blocks with the smallest min_time by one.
void MergeOldestTwo(Catalog* catalog, uint64_t table_id) {
  uint64_t sequence = Check(catalog->CurrentSequence());
  std::vector<BlockMeta> blocks = Check(catalog->AllBlocks(table_id, sequence));
  if (blocks.size() < 2) return;
  const BlockMeta& first = blocks[0];
  const BlockMeta& second = blocks[1];
  uint64_t block_id = Check(catalog->AllocateBlockIds());
  BlockMeta merged = MakeBlock(table_id, block_id, std::min(first.min_time, second.min_time),
                               std::max(first.max_time, second.max_time),
                               first.row_count + second.row_count);
  Check(catalog->ReplaceBlocks(table_id, {first.block_id, second.block_id}, merged));
}

int RunPrimary(const std::string& path) {
  std::unique_ptr<Catalog> catalog = Check(Catalog::OpenPrimary(path));
  uint64_t table_id = Check(catalog->CreateTable(testing::TradesSchema())).table_id;
  uint64_t next_index = Check(catalog->GetWalCheckpoint()) / 10 + 1;
  std::cout << "ready " << Check(catalog->CurrentSequence()) << " " << table_id << std::endl;
  std::string command;
  while (std::cin >> command) {
    if (command == "commit") {
      int count = 0;
      std::cin >> count;
      for (int i = 0; i < count; ++i) CommitNumbered(catalog.get(), table_id, next_index++);
    } else if (command == "replace") {
      MergeOldestTwo(catalog.get(), table_id);
    } else if (command == "quit") {
      return 0;
    } else {
      Fail(Status::InvalidArgument("unknown command " + command));
    }
    std::cout << "sequence " << Check(catalog->CurrentSequence()) << std::endl;
  }
  return 0;
}

int RunSecondary(const std::string& path, const std::string& secondary_path) {
  std::unique_ptr<Catalog> catalog = Check(Catalog::OpenSecondary(path, secondary_path));
  std::cout << "ready" << std::endl;
  std::string command;
  while (std::cin >> command) {
    if (command == "quit") return 0;
    if (command != "catchup") Fail(Status::InvalidArgument("unknown command " + command));
    uint64_t sequence = 0;
    std::cin >> sequence;
    Check(catalog->CatchUp(sequence));
    TableInfo table = Check(catalog->GetTable("trades"));
    std::vector<BlockMeta> blocks = Check(catalog->AllBlocks(table.table_id, sequence));
    uint64_t rows = 0;
    for (const BlockMeta& block : blocks) rows += block.row_count;
    std::cout << "blocks " << blocks.size() << " rows " << rows << std::endl;
  }
  return 0;
}

int RunCrashLoop(const std::string& path) {
  std::unique_ptr<Catalog> catalog = Check(Catalog::OpenPrimary(path));
  uint64_t table_id = Check(catalog->CreateTable(testing::TradesSchema())).table_id;
  for (uint64_t index = Check(catalog->GetWalCheckpoint()) / 10 + 1;; ++index) {
    CommitNumbered(catalog.get(), table_id, index);
    std::cout << "committed " << index << std::endl;
    if (index % 4 == 0) MergeOldestTwo(catalog.get(), table_id);
  }
}

}  // namespace
}  // namespace backtrace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "primary" && argc == 3) return backtrace::RunPrimary(argv[2]);
  if (mode == "secondary" && argc == 4) return backtrace::RunSecondary(argv[2], argv[3]);
  if (mode == "crash-loop" && argc == 3) return backtrace::RunCrashLoop(argv[2]);
  std::cerr << "usage: catalog_helper primary <catalog> | secondary <catalog> <directory> | "
               "crash-loop <catalog>\n";
  return 2;
}
