// Runs every file of each fuzz target's corpus (tests/fuzz/corpus/<name>/:
// the seeds and the inputs that once made a target fail) through the
// target's entry function, so that the ordinary sanitizer build catches a
// regression without clang or libFuzzer. A crash, a sanitizer report or a
// failed FUZZ_CHECK ends the test program.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_target.h"

namespace backtrace::fuzz {
namespace {

using EntryFunction = void (*)(const uint8_t*, size_t);

// Feeds each file of corpus/<name> to `entry`; returns how many there were.
size_t RunCorpus(const std::string& name, EntryFunction entry) {
  std::filesystem::path directory =
      std::filesystem::path(BACKTRACE_SOURCE_DIRECTORY) / "tests/fuzz/corpus" / name;
  std::vector<std::filesystem::path> files;
  for (const auto& entry_path : std::filesystem::directory_iterator(directory)) {
    if (entry_path.is_regular_file()) files.push_back(entry_path.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    std::ifstream stream(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(stream.good() || stream.eof()) << "cannot read " << file;
    entry(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  return files.size();
}

// Each corpus holds a handful of seeds at least; an empty or missing one
// would make its test pass without running anything.
constexpr size_t kMinimumCorpusFiles = 4;

TEST(FuzzCorpus, FrameInputsDecodeSafely) {
  EXPECT_GE(RunCorpus("frame", &FuzzFrames), kMinimumCorpusFiles);
}

TEST(FuzzCorpus, ProcessMessageInputsDecodeSafely) {
  EXPECT_GE(RunCorpus("process_message", &FuzzProcessMessages), kMinimumCorpusFiles);
}

TEST(FuzzCorpus, WalReplayInputsReplaySafely) {
  EXPECT_GE(RunCorpus("wal_replay", &FuzzWalReplay), kMinimumCorpusFiles);
}

TEST(FuzzCorpus, ColumnFileInputsReadSafely) {
  EXPECT_GE(RunCorpus("column_file", &FuzzColumnFile), kMinimumCorpusFiles);
}

TEST(FuzzCorpus, SqlInputsRunSafely) {
  EXPECT_GE(RunCorpus("sql", &FuzzSql), kMinimumCorpusFiles);
}

TEST(FuzzCorpus, CsvInputsReadSafely) {
  EXPECT_GE(RunCorpus("csv", &FuzzCsv), kMinimumCorpusFiles);
}

}  // namespace
}  // namespace backtrace::fuzz
