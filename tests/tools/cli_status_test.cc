// `backtrace status` and the figures of `backtrace tables`, as real
// processes against a real daemon.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "common/generate/orders_generator.h"
#include "common/text/timestamp_format.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/temporary_directory.h"
#include "tests/tools/cli_process.h"

namespace backtrace {
namespace {

using testing::CliResult;
using testing::DaemonProcess;
using testing::RunCli;
using testing::TemporaryDirectory;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream stream(line);
  for (std::string field; stream >> field;) fields.push_back(field);
  return fields;
}

// The line of `text` that starts with `label`, or "".
std::string LineStartingWith(const std::string& text, const std::string& label) {
  for (const std::string& line : Lines(text)) {
    if (line.rfind(label, 0) == 0) return line;
  }
  return "";
}

class CliStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(daemon_.Start().ok()) << daemon_.Log();
    CliResult created = Run({"create-table", "orders", "--columns",
                             "ts:timestamp,symbol:string,price:float64,qty:int64"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
  }

  CliResult Run(std::vector<std::string> arguments, std::string_view input = {}) {
    arguments.insert(arguments.begin(), {"--run-dir", directory_.Join("run")});
    return RunCli(arguments, directory_.path(), input);
  }

  void Ingest(size_t rows) {
    CliResult generated =
        RunCli({"gen", "orders", "--rows", std::to_string(rows)}, directory_.path());
    ASSERT_EQ(generated.exit_code, 0) << generated.err;
    CliResult ingested = Run({"ingest", "orders", "-"}, generated.out);
    ASSERT_EQ(ingested.exit_code, 0) << ingested.err;
  }

  TemporaryDirectory directory_;
  DaemonProcess daemon_{directory_.Join("data"), directory_.Join("run"), "query_workers = 1\n"};
};

TEST_F(CliStatusTest, StatusShowsThePidSocketsAndRowsInMemory) {
  Ingest(3000);
  CliResult counted = Run({"query", "--format", "csv", "SELECT count(*) FROM orders"});
  ASSERT_EQ(counted.exit_code, 0) << counted.err;
  CliResult status = Run({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("is running (pid " + std::to_string(daemon_.pid()) + ","),
            std::string::npos)
      << status.out;
  EXPECT_NE(LineStartingWith(status.out, "ingest socket").find(directory_.Join("run/ingest.sock")),
            std::string::npos)
      << status.out;
  EXPECT_EQ(Fields(LineStartingWith(status.out, "writes")), (std::vector<std::string>{
                                                                "writes", "accepted"}))
      << status.out;
  EXPECT_NE(LineStartingWith(status.out, "in memory").find("3,000 rows"), std::string::npos)
      << status.out;
  std::string queries = LineStartingWith(status.out, "queries");
  EXPECT_NE(queries.find(" 1 workers,"), std::string::npos) << status.out;
  EXPECT_NE(queries.find(" 1 answered,"), std::string::npos) << status.out;
  std::vector<std::string> table = Fields(LineStartingWith(status.out, "orders"));
  ASSERT_GE(table.size(), 4u) << status.out;
  EXPECT_EQ(table[1], "3000");  // rows
  EXPECT_EQ(table[2], "3000");  // in memory
  EXPECT_EQ(table[3], "0");     // blocks
}

TEST_F(CliStatusTest, StatusWithoutADaemonSaysSoAndFails) {
  CliResult status = RunCli({"--run-dir", directory_.Join("elsewhere"), "status"},
                            directory_.path());
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_NE(status.err.find("not running at " + directory_.Join("elsewhere") + "/ingest.sock"),
            std::string::npos)
      << status.err;
}

TEST_F(CliStatusTest, TablesShowRowsBlocksBytesAndTimeRangeOfCommittedBlocks) {
  Ingest(20000);
  // A clean stop commits every row; after the restart all are on disk.
  auto stopped = daemon_.Terminate();
  ASSERT_TRUE(stopped.ok() && *stopped == 0) << daemon_.Log();
  ASSERT_TRUE(daemon_.Start().ok()) << daemon_.Log();
  CliResult listed = Run({"tables"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::vector<std::string> lines = Lines(listed.out);
  ASSERT_EQ(lines.size(), 2u) << listed.out;
  EXPECT_EQ(Fields(lines[0]),
            (std::vector<std::string>{"TABLE", "ROWS", "IN_MEMORY", "BLOCKS", "ON_DISK", "RATIO",
                                      "FIRST_TIME", "LAST_TIME"}));
  std::vector<std::string> fields = Fields(lines[1]);
  ASSERT_EQ(fields.size(), 9u) << lines[1];  // ON_DISK is "<number> <unit>"
  EXPECT_EQ(fields[0], "orders");
  EXPECT_EQ(fields[1], "20000");
  EXPECT_EQ(fields[2], "0");
  EXPECT_GE(std::stoi(fields[3]), 1);
  EXPECT_GT(std::stod(fields[4]), 0.0);
  EXPECT_GT(std::stod(fields[6]), 1.0) << "compression ratio";
  generate::OrdersGenerator generator(1);
  generate::OrdersChunk chunk;
  generator.Next(20000, &chunk);
  EXPECT_EQ(fields[7], FormatTimestamp(chunk.ts.int64s().front()));
  EXPECT_EQ(fields[8], FormatTimestamp(chunk.ts.int64s().back()));
}

}  // namespace
}  // namespace backtrace
