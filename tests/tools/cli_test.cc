// The `backtrace` program as a real process: gen, create-table, drop-table,
// tables, and the errors that say what to do.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/generate/orders_generator.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/temporary_directory.h"
#include "tests/tools/cli_process.h"

namespace backtrace {
namespace {

using testing::CliResult;
using testing::DaemonProcess;
using testing::RunCli;
using testing::TemporaryDirectory;

constexpr char kOrdersColumns[] = "ts:timestamp,symbol:string,price:float64,qty:int64";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

TEST(CliGen, SameSeedGivesTheSameCsvAndAnotherSeedDiffers) {
  TemporaryDirectory directory;
  CliResult first = RunCli({"gen", "orders", "--rows", "5000", "--seed", "3"}, directory.path());
  CliResult second = RunCli({"gen", "orders", "--rows", "5000", "--seed", "3"}, directory.path());
  CliResult other = RunCli({"gen", "orders", "--rows", "5000", "--seed", "4"}, directory.path());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, second.out);
  EXPECT_NE(first.out, other.out);
  EXPECT_EQ(Lines(first.out).size(), 5001u);
}

TEST(CliGen, RowsMatchTheGeneratorWithTwoDecimalPrices) {
  TemporaryDirectory directory;
  CliResult result = RunCli({"gen", "orders", "--rows", "3000", "--seed", "11"}, directory.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<std::string> lines = Lines(result.out);
  ASSERT_EQ(lines.size(), 3001u);
  EXPECT_EQ(lines[0], "ts,symbol,price,qty");
  generate::OrdersGenerator generator(11);
  generate::OrdersChunk chunk;
  generator.Next(3000, &chunk);
  for (size_t row = 0; row < 3000; ++row) {
    char price[32];
    std::snprintf(price, sizeof(price), "%.2f", chunk.price.float64s()[row]);
    std::string expected = std::to_string(chunk.ts.int64s()[row]) + "," +
                           std::string(chunk.symbol.strings().at(row)) + "," + price + "," +
                           std::to_string(chunk.qty.int64s()[row]);
    ASSERT_EQ(lines[row + 1], expected) << "row " << row;
  }
}

TEST(CliGen, ZeroRowsIsOnlyTheHeader) {
  TemporaryDirectory directory;
  CliResult result = RunCli({"gen", "orders", "--rows", "0"}, directory.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "ts,symbol,price,qty\n");
}

TEST(CliHelp, EverySubcommandHasHelpWithAnExample) {
  TemporaryDirectory directory;
  for (std::vector<std::string> command :
       {std::vector<std::string>{}, {"create-table"}, {"drop-table"}, {"tables"}, {"ingest"},
        {"query"}, {"gen"}, {"gen", "orders"}, {"fsck"}}) {
    command.push_back("--help");
    CliResult result = RunCli(command, directory.path());
    EXPECT_EQ(result.exit_code, 0) << command.front();
    EXPECT_NE(result.out.find("Example"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("backtrace "), std::string::npos) << result.out;
  }
}

TEST(CliUsage, MissingOptionIsOneLineNamingItAndTheHelp) {
  TemporaryDirectory directory;
  CliResult result = RunCli({"create-table", "orders"}, directory.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(Lines(result.err).size(), 1u) << result.err;
  EXPECT_NE(result.err.find("--columns"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("backtrace create-table --help"), std::string::npos) << result.err;
}

TEST(CliErrors, DaemonNotRunningNamesTheSocketAndWhatToDo) {
  TemporaryDirectory directory;
  std::string run_dir = directory.Join("run");
  CliResult result = RunCli({"--run-dir", run_dir, "tables"}, directory.path());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "backtrace: backtraced is not running at " + run_dir +
                            "/ingest.sock (start it, or pass --run-dir)\n");
}

TEST(CliErrors, RunDirComesFromTheEnvironmentUnlessGiven) {
  TemporaryDirectory directory;
  std::string from_environment = directory.Join("env-run");
  CliResult result = RunCli({"tables"}, directory.path(), {},
                            {"BACKTRACE_RUN_DIR=" + from_environment});
  EXPECT_NE(result.err.find(from_environment + "/ingest.sock"), std::string::npos) << result.err;
  std::string given = directory.Join("given-run");
  result = RunCli({"tables", "--run-dir", given}, directory.path(), {},
                  {"BACKTRACE_RUN_DIR=" + from_environment});
  EXPECT_NE(result.err.find(given + "/ingest.sock"), std::string::npos) << result.err;
  result = RunCli({"tables"}, directory.path(), {}, {"BACKTRACE_RUN_DIR="});
  EXPECT_NE(result.err.find("./var/run/ingest.sock"), std::string::npos) << result.err;
}

class CliTablesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(daemon_.Start().ok()) << daemon_.Log(); }

  CliResult Run(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), {"--run-dir", directory_.Join("run")});
    return RunCli(arguments, directory_.path());
  }

  TemporaryDirectory directory_;
  DaemonProcess daemon_{directory_.Join("data"), directory_.Join("run")};
};

TEST_F(CliTablesTest, CreatedTableIsListedWithTimeColumnSortKeyAndColumns) {
  CliResult created = Run({"create-table", "orders", "--columns", kOrdersColumns, "--time-column",
                           "ts", "--sort-key", "symbol,ts"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  CliResult listed = Run({"tables", "--schema"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::vector<std::string> lines = Lines(listed.out);
  ASSERT_EQ(lines.size(), 2u) << listed.out;
  EXPECT_EQ(lines[0].substr(0, 5), "TABLE");
  EXPECT_EQ(lines[1], "orders  ts           symbol,ts  " + std::string(kOrdersColumns));
}

TEST_F(CliTablesTest, TimeColumnDefaultsToTheOnlyTimestampColumn) {
  CliResult created = Run({"create-table", "quotes", "--columns",
                           "symbol:string,bid:float64,at:timestamp"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  CliResult listed = Run({"tables", "--schema"});
  std::vector<std::string> lines = Lines(listed.out);
  ASSERT_EQ(lines.size(), 2u) << listed.out;
  EXPECT_EQ(lines[1], "quotes  at           at        symbol:string,bid:float64,at:timestamp");
}

TEST_F(CliTablesTest, SeveralTimestampColumnsNeedTimeColumn) {
  CliResult created =
      Run({"create-table", "fills", "--columns", "sent:timestamp,filled:timestamp,qty:int64"});
  EXPECT_EQ(created.exit_code, 1);
  EXPECT_NE(created.err.find("several timestamp columns (sent, filled)"), std::string::npos)
      << created.err;
  EXPECT_NE(created.err.find("--time-column"), std::string::npos) << created.err;
  CliResult none = Run({"create-table", "counts", "--columns", "qty:int64"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("needs a timestamp column"), std::string::npos) << none.err;
}

TEST_F(CliTablesTest, BadColumnListIsReportedByItem) {
  CliResult created = Run({"create-table", "orders", "--columns", "ts:timestamp,qty:int32"});
  EXPECT_EQ(created.exit_code, 1);
  EXPECT_NE(created.err.find("int32"), std::string::npos) << created.err;
  EXPECT_EQ(Lines(created.err).size(), 1u) << created.err;
}

TEST_F(CliTablesTest, CreatingAgainIsFineWithTheSameSchemaAndRefusedWithAnother) {
  ASSERT_EQ(Run({"create-table", "orders", "--columns", kOrdersColumns}).exit_code, 0);
  CliResult same = Run({"create-table", "orders", "--columns", kOrdersColumns});
  EXPECT_EQ(same.exit_code, 0) << same.err;
  EXPECT_NE(same.out.find("already exists"), std::string::npos) << same.out;
  CliResult other =
      Run({"create-table", "orders", "--columns", "ts:timestamp,symbol:string,price:int64"});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("already exists with another schema"), std::string::npos) << other.err;
  EXPECT_NE(other.err.find("drop-table orders"), std::string::npos) << other.err;
}

TEST_F(CliTablesTest, DropTableRemovesItAndUnknownTableIsNamed) {
  ASSERT_EQ(Run({"create-table", "orders", "--columns", kOrdersColumns}).exit_code, 0);
  CliResult dropped = Run({"drop-table", "orders"});
  EXPECT_EQ(dropped.exit_code, 0) << dropped.err;
  EXPECT_EQ(Lines(Run({"tables"}).out).size(), 1u);
  CliResult again = Run({"drop-table", "orders"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("table orders does not exist"), std::string::npos) << again.err;
}

}  // namespace
}  // namespace backtrace
