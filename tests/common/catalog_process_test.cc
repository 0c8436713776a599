// The catalog across real processes: a primary in one process and a
// secondary in another, and a primary killed with SIGKILL mid-write.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/catalog/catalog.h"
#include "tests/common/catalog_test_blocks.h"
#include "tests/testing/temporary_directory.h"

extern char** environ;

namespace backtrace {
namespace {

// catalog_helper running as a child process, talking over its stdin and
// stdout.
class Helper {
 public:
  explicit Helper(const std::vector<std::string>& arguments) {
    int to_child[2], from_child[2];
    if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe2 failed";
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
    std::string program = std::string(BACKTRACE_HELPER_DIRECTORY) + "/catalog_helper";
    std::vector<char*> argv{program.data()};
    std::vector<std::string> copies = arguments;
    for (std::string& argument : copies) argv.push_back(argument.data());
    argv.push_back(nullptr);
    int error = posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(to_child[0]);
    close(from_child[1]);
    input_ = to_child[1];
    output_ = from_child[0];
    if (error != 0) {
      ADD_FAILURE() << "cannot start " << program << ": " << strerror(error);
      pid_ = -1;
    }
  }

  ~Helper() {
    if (pid_ > 0) Kill();
    if (input_ >= 0) close(input_);
    if (output_ >= 0) close(output_);
  }

  void Send(const std::string& line) {
    std::string text = line + "\n";
    ASSERT_EQ(write(input_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }

  // The next line of output, without its newline; empty at end of output.
  std::string ReadLine() {
    std::string line;
    char c;
    while (read(output_, &c, 1) == 1) {
      if (c == '\n') return line;
      line.push_back(c);
    }
    return line;
  }

  // Sends a command (none if empty) and returns the reply's words after
  // checking the first.
  std::vector<std::string> Ask(const std::string& command, const std::string& expected_word) {
    if (!command.empty()) Send(command);
    std::string line = ReadLine();
    std::istringstream words(line);
    std::vector<std::string> result;
    for (std::string word; words >> word;) result.push_back(word);
    EXPECT_FALSE(result.empty() || result[0] != expected_word)
        << "'" << command << "' answered '" << line << "'";
    return result;
  }

  void Kill() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // Closes stdin (the helper exits at end of input) and returns its status.
  int Finish() {
    close(input_);
    input_ = -1;
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int input_ = -1;
  int output_ = -1;
};

uint64_t Number(const std::vector<std::string>& words, size_t index) {
  return index < words.size() ? std::stoull(words[index]) : 0;
}

TEST(CatalogProcesses, SecondarySeesBlocksThatAnotherProcessCommits) {
  testing::TemporaryDirectory directory;
  const std::string path = directory.Join("catalog");
  Helper primary({"primary", path});
  std::vector<std::string> ready = primary.Ask("", "ready");
  uint64_t table_id = Number(ready, 2);

  Result<std::unique_ptr<Catalog>> opened = Catalog::OpenSecondary(path, directory.Join("secondary"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Catalog& secondary = **opened;
  ASSERT_TRUE(secondary.CatchUp(Number(ready, 1)).ok());
  ASSERT_TRUE(secondary.GetTable("trades").ok());

  uint64_t sequence = Number(primary.Ask("commit 5", "sequence"), 1);
  Status caught_up = secondary.CatchUp(sequence);
  ASSERT_TRUE(caught_up.ok()) << caught_up.ToString();
  Result<std::vector<BlockMeta>> blocks = secondary.AllBlocks(table_id, sequence);
  ASSERT_TRUE(blocks.ok()) << blocks.status().ToString();
  ASSERT_EQ(blocks->size(), 5u);
  EXPECT_EQ(*secondary.GetWalCheckpoint(), 50u);
  EXPECT_EQ(*secondary.GetProducerMarks(), (std::map<uint64_t, uint64_t>{{1, 5}, {2, 10}}));

  uint64_t before_merge = sequence;
  sequence = Number(primary.Ask("replace", "sequence"), 1);
  ASSERT_TRUE(secondary.CatchUp(sequence).ok());
  // As of the routed sequence the merge is visible; as of the earlier one the
  // originals are, and the rows are the same.
  Result<std::vector<BlockMeta>> merged = secondary.AllBlocks(table_id, sequence);
  Result<std::vector<BlockMeta>> original = secondary.AllBlocks(table_id, before_merge);
  ASSERT_TRUE(merged.ok() && original.ok());
  EXPECT_EQ(merged->size(), 4u);
  EXPECT_EQ(original->size(), 5u);
  // [100, 250] now meets only the merge of [100, 199] and [200, 299].
  Result<std::vector<BlockMeta>> early = secondary.ListBlocks(table_id, 100, 250, sequence);
  ASSERT_TRUE(early.ok());
  ASSERT_EQ(early->size(), 1u);
  EXPECT_EQ(early->front().row_count, 3u);
  EXPECT_EQ(early->front().max_time, 299);
  EXPECT_EQ(primary.Finish(), 0);
}

TEST(CatalogProcesses, SecondaryInAnotherProcessCatchesUpWithThisPrimary) {
  testing::TemporaryDirectory directory;
  const std::string path = directory.Join("catalog");
  Result<std::unique_ptr<Catalog>> opened = Catalog::OpenPrimary(path);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Catalog& primary = **opened;
  uint64_t table_id = primary.CreateTable(testing::TradesSchema())->table_id;

  Helper secondary({"secondary", path, directory.Join("secondary")});
  secondary.Ask("", "ready");
  uint64_t rows = 0;
  for (int round = 1; round <= 3; ++round) {
    for (int i = 0; i < 4; ++i) {
      uint64_t block_id = *primary.AllocateBlockIds();
      uint64_t count = static_cast<uint64_t>(round * 10 + i);
      ASSERT_TRUE(primary
                      .CommitBlock(testing::MakeBlock(table_id, block_id, count * 100,
                                                      count * 100 + 50, count),
                                   count, {})
                      .ok());
      rows += count;
    }
    uint64_t sequence = *primary.CurrentSequence();
    std::vector<std::string> reply = secondary.Ask("catchup " + std::to_string(sequence), "blocks");
    EXPECT_EQ(Number(reply, 1), static_cast<uint64_t>(round * 4));
    EXPECT_EQ(Number(reply, 3), rows);
  }
  EXPECT_EQ(secondary.Finish(), 0);
}

// The primary process exits and another opens the catalog again (RocksDB
// then flushes its memtable and deletes the WAL that the secondary was
// reading); the secondary still catches up.
TEST(CatalogProcesses, SecondarySurvivesARestartOfThePrimary) {
  testing::TemporaryDirectory directory;
  const std::string path = directory.Join("catalog");
  uint64_t table_id = 0;
  {
    Helper primary({"primary", path});
    table_id = Number(primary.Ask("", "ready"), 2);
    primary.Ask("commit 3", "sequence");
    EXPECT_EQ(primary.Finish(), 0);
  }
  Result<std::unique_ptr<Catalog>> opened = Catalog::OpenSecondary(path, directory.Join("secondary"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Catalog& secondary = **opened;
  for (int restart = 0; restart < 3; ++restart) {
    Helper primary({"primary", path});
    primary.Ask("", "ready");
    uint64_t sequence = Number(primary.Ask("commit 2", "sequence"), 1);
    Status caught_up = secondary.CatchUp(sequence);
    ASSERT_TRUE(caught_up.ok()) << caught_up.ToString();
    Result<std::vector<BlockMeta>> blocks = secondary.AllBlocks(table_id, sequence);
    ASSERT_TRUE(blocks.ok()) << blocks.status().ToString();
    EXPECT_EQ(blocks->size(), static_cast<size_t>(3 + 2 * (restart + 1)));
    EXPECT_EQ(primary.Finish(), 0);
  }
}

// Checks that every batch the crash loop wrote is whole or absent: the WAL
// checkpoint says how many commits survived (n), and the producer marks and
// the rows of the live blocks must say the same.
void ExpectConsistent(const std::string& path, uint64_t* commits) {
  Result<std::unique_ptr<Catalog>> opened = Catalog::OpenPrimary(path);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Catalog& catalog = **opened;
  uint64_t n = *catalog.GetWalCheckpoint() / 10;
  ASSERT_EQ(*catalog.GetWalCheckpoint(), n * 10);
  std::map<uint64_t, uint64_t> expected_marks;
  if (n > 0) expected_marks = {{1, n}, {2, 2 * n}};
  EXPECT_EQ(*catalog.GetProducerMarks(), expected_marks) << "after " << n << " commits";
  Result<TableInfo> table = catalog.GetTable("trades");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  uint64_t sequence = *catalog.CurrentSequence();
  Result<std::vector<BlockMeta>> blocks = catalog.AllBlocks(table->table_id, sequence);
  ASSERT_TRUE(blocks.ok()) << blocks.status().ToString();
  uint64_t rows = 0;
  int64_t covered = 100;
  for (const BlockMeta& block : *blocks) {
    rows += block.row_count;
    // Live blocks tile [100, 100 n + 99] without gaps or overlaps.
    EXPECT_EQ(block.min_time, covered);
    covered = block.max_time + 1;
  }
  EXPECT_EQ(rows, n * (n + 1) / 2) << "after " << n << " commits";
  EXPECT_EQ(covered, static_cast<int64_t>(n * 100 + 100));
  // Every retired block was retired by a batch that also committed its
  // replacement.
  Result<std::vector<BlockMeta>> retired = catalog.ListRetiredBlocks(sequence);
  ASSERT_TRUE(retired.ok());
  for (const BlockMeta& block : *retired) {
    Result<std::vector<BlockMeta>> at_retirement =
        catalog.ListBlocks(table->table_id, block.min_time, block.min_time, block.retired_sequence);
    ASSERT_TRUE(at_retirement.ok());
    ASSERT_EQ(at_retirement->size(), 1u);
    EXPECT_EQ(at_retirement->front().committed_sequence, block.retired_sequence);
  }
  *commits = n;
}

TEST(CatalogProcesses, KillDuringWritesLeavesEachBatchWholeOrAbsent) {
  testing::TemporaryDirectory directory;
  const std::string path = directory.Join("catalog");
  std::mt19937_64 random(std::random_device{}());
  uint64_t commits = 0;
  for (int round = 0; round < 4; ++round) {
    {
      Helper writer({"crash-loop", path});
      int lines = 1 + static_cast<int>(random() % 6);
      for (int i = 0; i < lines; ++i) {
        std::string line = writer.ReadLine();
        ASSERT_EQ(line.rfind("committed ", 0), 0u) << line;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(random() % 20'000));
      writer.Kill();
    }
    uint64_t previous = commits;
    ExpectConsistent(path, &commits);
    EXPECT_GT(commits, previous) << "round " << round;
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace backtrace
