// `backtrace ingest` as a real process against a real daemon: every row
// acknowledged is stored exactly once (read back with stored_rows.h after
// the daemon stops), producers make reruns add nothing twice, bad lines
// stop or are skipped, and a daemon restart mid-ingest is survived.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "common/generate/orders_generator.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/stored_rows.h"
#include "tests/testing/temporary_directory.h"
#include "tests/tools/cli_process.h"

namespace backtrace {
namespace {

using testing::CliProcess;
using testing::CliResult;
using testing::DaemonProcess;
using testing::RunCli;
using testing::TemporaryDirectory;

constexpr char kOrdersColumns[] = "ts:timestamp,symbol:string,price:float64,qty:int64";

// The ts values of the first `rows` generated orders (strictly increasing,
// so they identify the rows).
std::vector<int64_t> GeneratedTimes(size_t rows, uint64_t seed) {
  generate::OrdersGenerator generator(seed);
  generate::OrdersChunk chunk;
  generator.Next(rows, &chunk);
  return chunk.ts.int64s();
}

// Lines [first, last) of a text, line 0 being the first.
std::string LineRange(const std::string& text, size_t first, size_t last) {
  size_t begin = 0;
  for (size_t line = 0; line < first && begin != std::string::npos; ++line) {
    begin = text.find('\n', begin) + 1;
  }
  size_t end = begin;
  for (size_t line = first; line < last && end < text.size(); ++line) {
    end = text.find('\n', end) + 1;
  }
  return text.substr(begin, end - begin);
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream file(path, std::ios::binary);
  file << contents;
}

class CliIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(daemon_.Start().ok()) << daemon_.Log();
    CliResult created = Run({"create-table", "orders", "--columns", kOrdersColumns,
                             "--sort-key", "symbol,ts"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
  }

  CliResult Run(std::vector<std::string> arguments, std::string_view input = {}) {
    arguments.insert(arguments.begin(), {"--run-dir", run_dir()});
    return RunCli(arguments, directory_.path(), input);
  }

  // `backtrace gen orders` output.
  std::string Generate(size_t rows, uint64_t seed) {
    CliResult result = RunCli({"gen", "orders", "--rows", std::to_string(rows), "--seed",
                               std::to_string(seed)},
                              directory_.path());
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  }

  std::string run_dir() const { return directory_.Join("run"); }

  // Stops the daemon and returns every stored ts of `table`, sorted.
  std::vector<int64_t> StopAndReadTimes(const std::string& table = "orders") {
    auto exit_code = daemon_.Terminate();
    EXPECT_TRUE(exit_code.ok() && *exit_code == 0) << daemon_.Log();
    auto stored = testing::ReadStoredTimes(daemon_.data_dir(), table);
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
    if (!stored.ok()) return {};
    std::vector<int64_t> all = stored->persisted;
    all.insert(all.end(), stored->in_wal.begin(), stored->in_wal.end());
    std::sort(all.begin(), all.end());
    return all;
  }

  TemporaryDirectory directory_;
  DaemonProcess daemon_{directory_.Join("data"), directory_.Join("run")};
};

TEST_F(CliIngestTest, GeneratedFileIsAcknowledgedAndStoredOnce) {
  std::string path = directory_.Join("orders.csv");
  WriteFile(path, Generate(20000, 1));
  CliResult result = Run({"ingest", "orders", path});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "20000 rows acknowledged\n");
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(StopAndReadTimes(), GeneratedTimes(20000, 1));
}

TEST_F(CliIngestTest, StandardInputIsReadWithDashOrWithoutAFile) {
  CliResult dash = Run({"ingest", "orders", "-"}, Generate(3000, 2));
  EXPECT_EQ(dash.exit_code, 0) << dash.err;
  EXPECT_EQ(dash.out, "3000 rows acknowledged\n");
  std::string more = Generate(5000, 2);
  CliResult bare = Run({"ingest", "orders"}, "ts,symbol,price,qty\n" + LineRange(more, 3001, 5001));
  EXPECT_EQ(bare.exit_code, 0) << bare.err;
  EXPECT_EQ(bare.out, "2000 rows acknowledged\n");
  EXPECT_EQ(StopAndReadTimes(), GeneratedTimes(5000, 2));
}

TEST_F(CliIngestTest, RerunWithTheSameProducerAddsNothing) {
  std::string path = directory_.Join("orders.csv");
  WriteFile(path, Generate(20000, 3));
  CliResult first = Run({"ingest", "orders", path, "--producer", "7", "--batch-rows", "3000"});
  EXPECT_EQ(first.out, "20000 rows acknowledged\n") << first.err;
  CliResult second = Run({"ingest", "orders", path, "--producer", "7", "--batch-rows", "3000"});
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, "0 rows acknowledged\n");
  EXPECT_NE(second.err.find("20,000 rows (7 batches) were already stored by producer 7"),
            std::string::npos)
      << second.err;
  EXPECT_EQ(StopAndReadTimes(), GeneratedTimes(20000, 3));
}

TEST_F(CliIngestTest, RerunAfterAnInterruptedRunAddsOnlyTheRest) {
  std::string csv = Generate(20000, 4);
  // The first run got through 10 batches of 1000 rows (header + 10000 lines).
  CliResult first = Run({"ingest", "orders", "--producer", "9", "--batch-rows", "1000"},
                        LineRange(csv, 0, 10001));
  EXPECT_EQ(first.out, "10000 rows acknowledged\n") << first.err;
  CliResult rerun = Run({"ingest", "orders", "--producer", "9", "--batch-rows", "1000"}, csv);
  EXPECT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(rerun.out, "10000 rows acknowledged\n");
  EXPECT_EQ(StopAndReadTimes(), GeneratedTimes(20000, 4));
}

TEST_F(CliIngestTest, BadLineStopsWithItsLineNumberAfterTheRowsBeforeIt) {
  std::string csv = Generate(5000, 5);
  std::string bad = LineRange(csv, 0, 2501) + "1,BTC,1.5,abc\n" + LineRange(csv, 2501, 5001);
  CliResult result = Run({"ingest", "orders", "--batch-rows", "1000"}, bad);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "2500 rows acknowledged\n");
  EXPECT_NE(result.err.find("<stdin>: line 2502: column \"qty\": \"abc\" is not an int64"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(StopAndReadTimes(), GeneratedTimes(2500, 5));
}

TEST_F(CliIngestTest, BadLineWithAProducerHoldsBackItsBatchSoTheFixedRerunCompletes) {
  std::string csv = Generate(5000, 6);
  std::string bad = LineRange(csv, 0, 2501) + "1,BTC,1.5,abc\n" + LineRange(csv, 2501, 5001);
  CliResult stopped = Run({"ingest", "orders", "--producer", "5", "--batch-rows", "1000"}, bad);
  EXPECT_EQ(stopped.exit_code, 1);
  EXPECT_EQ(stopped.out, "2000 rows acknowledged\n");
  EXPECT_NE(stopped.err.find("line 2502"), std::string::npos) << stopped.err;
  EXPECT_NE(stopped.err.find("the 500 rows of its batch before it were not sent"),
            std::string::npos)
      << stopped.err;
  CliResult fixed = Run({"ingest", "orders", "--producer", "5", "--batch-rows", "1000"}, csv);
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_EQ(fixed.out, "3000 rows acknowledged\n");
  EXPECT_EQ(StopAndReadTimes(), GeneratedTimes(5000, 6));
}

TEST_F(CliIngestTest, SkipBadCountsAndReportsBadLines) {
  std::string csv = Generate(3000, 7);
  std::string bad = LineRange(csv, 0, 4) + "1,BTC,1.5,abc\n" + LineRange(csv, 4, 1001) +
                    "2024-13-01,ETH,2.5,3\n" + LineRange(csv, 1001, 2001) + "3,SOL\n" +
                    LineRange(csv, 2001, 3001);
  CliResult result = Run({"ingest", "orders", "--skip-bad", "--batch-rows", "700"}, bad);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "3000 rows acknowledged\n");
  EXPECT_NE(result.err.find("skipped 3 bad lines of <stdin>:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("line 5: column \"qty\""), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("line 1003: column \"ts\""), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("line 2004: expected 4 fields, found 2"), std::string::npos)
      << result.err;
  EXPECT_EQ(StopAndReadTimes(), GeneratedTimes(3000, 7));
}

TEST_F(CliIngestTest, IsoTimestampsAndAnyColumnOrder) {
  CliResult result = Run({"ingest", "orders"},
                         "symbol,qty,ts,price\n"
                         "BTC,1,2024-01-02T03:04:05Z,45000.5\n"
                         "ETH,2,2024-01-02T03:04:05.25+01:00,2500\n"
                         "SOL,3,2024-01-03,100.25\n"
                         "ADA,4,1704067200000000001,0.5\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "4 rows acknowledged\n");
  constexpr int64_t kSecond = 1000000000;
  constexpr int64_t kJanuary1 = 1704067200 * kSecond;
  std::vector<int64_t> expected = {
      kJanuary1 + 1,
      kJanuary1 + (86400 + 2 * 3600 + 4 * 60 + 5) * kSecond + kSecond / 4,
      kJanuary1 + (86400 + 3 * 3600 + 4 * 60 + 5) * kSecond,
      kJanuary1 + 2 * 86400 * kSecond,
  };
  EXPECT_EQ(StopAndReadTimes(), expected);
}

TEST_F(CliIngestTest, TerminalShowsProgressAndThePercentageOfAFile) {
  std::string path = directory_.Join("orders.csv");
  WriteFile(path, Generate(20000, 9));
  CliProcess ingest({"--run-dir", run_dir(), "ingest", "orders", path, "--batch-rows", "1000"},
                    directory_.path(), {}, /*stderr_terminal=*/true);
  CliResult result = ingest.Wait();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "20000 rows acknowledged\n");
  EXPECT_NE(result.err.find("\r[########################] 100.0%  20,000 rows  "),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find(" rows/s  in "), std::string::npos) << result.err;
}

TEST_F(CliIngestTest, InterruptStopsReadingAndReportsWhatWasAcknowledged) {
  std::string csv = Generate(6000, 10);
  CliProcess ingest({"--run-dir", run_dir(), "ingest", "orders", "-", "--batch-rows", "1000"},
                    directory_.path());
  ASSERT_TRUE(ingest.Write(LineRange(csv, 0, 3001)));
  ingest.WaitUntilInputIsRead();
  // It has taken in three batches and sent up to three (normally all:
  // it sends the third once the fourth is read, unless it saw the signal
  // earlier), never the fourth.
  ingest.Signal(SIGINT);
  ingest.Write(LineRange(csv, 3001, 6001));
  CliResult result = ingest.Wait();
  EXPECT_EQ(result.exit_code, 130);
  ASSERT_TRUE(result.out == "0 rows acknowledged\n" || result.out == "1000 rows acknowledged\n" ||
              result.out == "2000 rows acknowledged\n" ||
              result.out == "3000 rows acknowledged\n")
      << result.out;
  EXPECT_NE(result.err.find("interrupted; the rest of <stdin> was not ingested (to resume, run "
                            "the same command with --producer "),
            std::string::npos)
      << result.err;
  size_t acknowledged = std::stoul(result.out);
  EXPECT_EQ(StopAndReadTimes(), GeneratedTimes(acknowledged, 10));
}

TEST_F(CliIngestTest, UnknownTableIsNamed) {
  CliResult result = Run({"ingest", "trades"}, "ts,price\n1,2.5\n");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "0 rows acknowledged\n");
  EXPECT_NE(result.err.find("backtrace: table trades does not exist"), std::string::npos)
      << result.err;
}

TEST_F(CliIngestTest, HeaderThatDoesNotMatchTheTableNamesTheColumns) {
  CliResult result = Run({"ingest", "orders"}, "ts,symbol,price,quantity\n1,BTC,2.5,3\n");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "0 rows acknowledged\n");
  EXPECT_NE(result.err.find("quantity"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("the columns are ts, symbol, price, qty"), std::string::npos)
      << result.err;
}

TEST_F(CliIngestTest, MissingFileIsNamed) {
  std::string path = directory_.Join("missing.csv");
  CliResult result = Run({"ingest", "orders", path});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "0 rows acknowledged\n");
  EXPECT_NE(result.err.find(path), std::string::npos) << result.err;
}

TEST_F(CliIngestTest, BatchTooLargeForAFrameIsSplit) {
  CliResult created = Run({"create-table", "notes", "--columns", "ts:timestamp,text:string"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  // 400 rows of 60 KB: 24 MB in one batch of --batch-rows 1000, over 16 MiB.
  std::string csv = "ts,text\n";
  std::string text(60000, 'x');
  for (int row = 0; row < 400; ++row) csv += std::to_string(row) + "," + text + "\n";
  CliResult result = Run({"ingest", "notes", "--batch-rows", "1000"}, csv);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "400 rows acknowledged\n");
  std::vector<int64_t> expected(400);
  for (int row = 0; row < 400; ++row) expected[static_cast<size_t>(row)] = row;
  EXPECT_EQ(StopAndReadTimes("notes"), expected);
}

TEST_F(CliIngestTest, DaemonRestartMidIngestIsSurvivedWithEachRowOnce) {
  std::string csv = Generate(12000, 8);
  CliProcess ingest({"--run-dir", run_dir(), "ingest", "orders", "-", "--batch-rows", "1000"},
                    directory_.path());
  // Half of the input, then the daemon dies and comes back while the
  // ingest waits for more; batches sent to the dead daemon are resent.
  ASSERT_TRUE(ingest.Write(LineRange(csv, 0, 6001)));
  ingest.WaitUntilInputIsRead();  // so it is connected
  daemon_.Kill();
  ASSERT_TRUE(daemon_.Start().ok()) << daemon_.Log();
  ASSERT_TRUE(ingest.Write(LineRange(csv, 6001, 12001)));
  CliResult result = ingest.Wait();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find(" rows acknowledged\n"), std::string::npos);
  EXPECT_NE(result.err.find("lost the connection to backtraced"), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("reconnected; resending"), std::string::npos) << result.err;
  EXPECT_EQ(StopAndReadTimes(), GeneratedTimes(12000, 8));
}

}  // namespace
}  // namespace backtrace
