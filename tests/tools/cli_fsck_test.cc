// `backtrace fsck` as a user runs it: clean data exits 0 with a summary; a
// damaged column file exits non-zero naming it.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testing/temporary_directory.h"
#include "tests/tools/cli_process.h"

namespace backtrace::testing {
namespace {

TEST(CliFsck, CleanDirectoryExitsZeroAndDamagedFileIsNamed) {
  TemporaryDirectory directory;
  std::string data = directory.Join("data");
  {
    DaemonProcess daemon(data, directory.Join("run"), "max_block_rows = 2000\n");
    ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
    std::vector<std::string> environment = {"BACKTRACE_RUN_DIR=" + directory.Join("run")};
    ASSERT_EQ(RunCli({"create-table", "orders", "--columns",
                      "ts:timestamp,symbol:string,price:float64,qty:int64"},
                     directory.path(), {}, environment)
                  .exit_code,
              0);
    CliResult generated = RunCli({"gen", "orders", "--rows", "5000"}, directory.path());
    ASSERT_EQ(generated.exit_code, 0);
    CliResult ingested = RunCli({"ingest", "orders"}, directory.path(), generated.out, environment);
    ASSERT_EQ(ingested.exit_code, 0) << ingested.err;
    ASSERT_EQ(*daemon.Terminate(), 0);
  }
  CliResult clean = RunCli({"fsck", data}, directory.path());
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find("0 faults"), std::string::npos) << clean.out;

  std::string victim;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data + "/tables")) {
    if (entry.path().filename() == "qty.col") victim = entry.path().string();
  }
  ASSERT_FALSE(victim.empty());
  std::filesystem::resize_file(victim, 10);
  CliResult damaged = RunCli({"fsck", data}, directory.path());
  EXPECT_EQ(damaged.exit_code, 1);
  EXPECT_NE(damaged.out.find("FAULT"), std::string::npos) << damaged.out;
  EXPECT_NE(damaged.out.find("qty.col"), std::string::npos) << damaged.out;
}

}  // namespace
}  // namespace backtrace::testing
