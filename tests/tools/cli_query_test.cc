// `backtrace query` as a real process against query_server_helper, a real
// peer of the query protocol that runs the real engine: the exact text of
// each output format, CSV that the ingest reader reads back to the same
// values, SQL from standard input, --stats, EXPLAIN, and errors.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/generate/orders_generator.h"
#include "common/text/byte_source.h"
#include "common/text/csv_reader.h"
#include "tests/testing/query_test_server.h"
#include "tests/testing/temporary_directory.h"
#include "tests/tools/cli_process.h"

extern char** environ;

namespace backtrace {
namespace {

using testing::CliResult;
using testing::RunCli;
using testing::TemporaryDirectory;

constexpr size_t kOrderRows = 2000;

// query_server_helper serving <directory>/run/query.sock until destroyed.
class ServerProcess {
 public:
  ServerProcess(const TemporaryDirectory& directory, const std::string& behaviour = "normal") {
    run_dir_ = directory.Join("run-" + behaviour);
    ::mkdir(run_dir_.c_str(), 0755);
    int from_child[2];
    if (::pipe2(from_child, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe2 failed";
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
    std::vector<std::string> arguments{std::string(BACKTRACE_HELPER_DIRECTORY) +
                                           "/query_server_helper",
                                       run_dir_ + "/query.sock",
                                       directory.Join("tables-" + behaviour),
                                       std::to_string(kOrderRows), behaviour};
    std::vector<char*> argv;
    for (auto& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    int error = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(from_child[1]);
    if (error != 0) {
      ADD_FAILURE() << "cannot start " << argv[0] << ": " << std::strerror(error);
      pid_ = -1;
      ::close(from_child[0]);
      return;
    }
    // Wait for "ready\n" (or the end of the output if it failed).
    std::string output;
    char buffer[64];
    ssize_t got;
    while (output.find('\n') == std::string::npos &&
           (got = ::read(from_child[0], buffer, sizeof(buffer))) > 0) {
      output.append(buffer, static_cast<size_t>(got));
    }
    ::close(from_child[0]);
    EXPECT_EQ(output, "ready\n") << "query_server_helper did not start";
  }

  ~ServerProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "helper status " << status;
  }

  const std::string& run_dir() const { return run_dir_; }

 private:
  pid_t pid_ = -1;
  std::string run_dir_;
};

class CliQueryTest : public ::testing::Test {
 protected:
  CliResult Query(std::vector<std::string> arguments, std::string_view input = {}) {
    arguments.insert(arguments.begin(), {"--run-dir", server_.run_dir(), "query"});
    return RunCli(arguments, directory_.path(), input);
  }

  TemporaryDirectory directory_;
  ServerProcess server_{directory_};
};

constexpr char kQuotesTable[] =
    "               ts               | symbol |  price  |         qty          |       trade_id  "
    "     |        note\n"
    "--------------------------------+--------+---------+----------------------+-----------------"
    "-----+---------------------\n"
    " 1969-12-31T23:59:59.999999999Z |        |      -0 |                    9 |                  "
    "  0 | \n"
    " 2024-01-02T03:04:05Z           | BTC    | 45000.5 |                    3 | 18446744073709551"
    "615 | plain\n"
    " 2024-01-02T03:04:05.000000001Z | Zürich |     nan | -9223372036854775808 |                  "
    "  7 | back\\\\slash\n"
    " 2024-01-02T03:04:05.120Z       | ETH    |     0.1 |                   -7 |                  "
    "  1 | comma, and \"quotes\"\n"
    " 2024-01-02T03:04:05.123456Z    | SOL    |     inf |                    0 |                  "
    " 42 | line\\nbreak\\ttab\n"
    " 2024-01-02T03:04:06.500Z       | BTC    |  1e+300 |                    1 |                  "
    "  2 | bad \xff"
    " byte ✓\n"
    "(6 rows)\n";

constexpr char kQuotesCsv[] =
    "ts,symbol,price,qty,trade_id,note\n"
    "-1,,-0,9,0,\n"
    "1704164645000000000,BTC,45000.5,3,18446744073709551615,plain\n"
    "1704164645000000001,Zürich,nan,-9223372036854775808,7,back\\slash\n"
    "1704164645120000000,ETH,0.1,-7,1,\"comma, and \"\"quotes\"\"\"\n"
    "1704164645123456000,SOL,inf,0,42,\"line\nbreak\ttab\"\n"
    "1704164646500000000,BTC,1e+300,1,2,bad \xff"
    " byte ✓\n";

constexpr char kQuotesJson[] =
    "{\"ts\":-1,\"symbol\":\"\",\"price\":-0,\"qty\":9,"
    "\"trade_id\":0,\"note\":\"\"}\n"
    "{\"ts\":1704164645000000000,\"symbol\":\"BTC\",\"price\":45000.5,\"qty\":3,"
    "\"trade_id\":18446744073709551615,\"note\":\"plain\"}\n"
    "{\"ts\":1704164645000000001,\"symbol\":\"Zürich\",\"price\":null,"
    "\"qty\":-9223372036854775808,\"trade_id\":7,\"note\":\"back\\\\slash\"}\n"
    "{\"ts\":1704164645120000000,\"symbol\":\"ETH\",\"price\":0.1,\"qty\":-7,"
    "\"trade_id\":1,\"note\":\"comma, and \\\"quotes\\\"\"}\n"
    "{\"ts\":1704164645123456000,\"symbol\":\"SOL\",\"price\":null,\"qty\":0,"
    "\"trade_id\":42,\"note\":\"line\\nbreak\\ttab\"}\n"
    "{\"ts\":1704164646500000000,\"symbol\":\"BTC\",\"price\":1e+300,\"qty\":1,"
    "\"trade_id\":2,\"note\":\"bad \\ufffd byte ✓\"}\n";

TEST_F(CliQueryTest, TableFormatIsAlignedWithAHeaderAndARowCount) {
  CliResult result = Query({"--format", "table", "SELECT * FROM quotes ORDER BY ts"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, kQuotesTable);
  EXPECT_EQ(result.err, "");
}

TEST_F(CliQueryTest, CsvFormatQuotesPerRfc4180) {
  CliResult result = Query({"--format", "csv", "SELECT * FROM quotes ORDER BY ts"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, kQuotesCsv);
}

TEST_F(CliQueryTest, JsonFormatIsOneObjectPerLine) {
  CliResult result = Query({"--format", "json", "SELECT * FROM quotes ORDER BY ts"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, kQuotesJson);
}

TEST_F(CliQueryTest, CsvIsTheDefaultWhenOutputIsNotATerminal) {
  CliResult result = Query({"SELECT * FROM quotes ORDER BY ts"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, kQuotesCsv);
}

// Reads CSV text with the reader `backtrace ingest` uses, for `schema`.
std::vector<ColumnVector> ReadCsv(const std::string& text, const TableSchema& schema) {
  CsvReader::Columns columns;
  for (const auto& column : schema.columns) columns.emplace_back(column.name, column.type);
  auto reader = CsvReader::Open(std::move(columns), std::make_unique<StringByteSource>(text));
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  std::vector<ColumnVector> values;
  if (!reader.ok()) return values;
  auto rows = reader->ReadBatch(1'000'000, &values);
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  return values;
}

TEST_F(CliQueryTest, CsvOfSelectStarReadsBackToTheSameValues) {
  CliResult result = Query({"--format", "csv", "SELECT * FROM quotes ORDER BY ts"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<ColumnVector> read = ReadCsv(result.out, testing::QuotesSchema());
  std::vector<ColumnVector> stored = testing::QuotesColumns();
  ASSERT_EQ(read.size(), stored.size());
  ASSERT_EQ(read[0].size(), stored[0].size());
  for (size_t column = 0; column < stored.size(); ++column) {
    for (size_t row = 0; row < stored[column].size(); ++row) {
      Value expected = stored[column].ValueAt(row);
      Value actual = read[column].ValueAt(row);
      if (std::holds_alternative<double>(expected) && std::isnan(std::get<double>(expected))) {
        EXPECT_TRUE(std::isnan(std::get<double>(actual))) << "row " << row;
      } else if (std::holds_alternative<double>(expected)) {
        EXPECT_EQ(std::signbit(std::get<double>(actual)), std::signbit(std::get<double>(expected)));
        EXPECT_EQ(actual, expected) << "column " << column << " row " << row;
      } else {
        EXPECT_EQ(actual, expected) << "column " << column << " row " << row;
      }
    }
  }

  CliResult orders = Query({"SELECT * FROM orders ORDER BY ts"});
  ASSERT_EQ(orders.exit_code, 0) << orders.err;
  TableSchema orders_schema;
  for (const auto& column : generate::kOrdersColumns) {
    orders_schema.columns.push_back({std::string(column.name), column.type});
  }
  std::vector<ColumnVector> orders_read = ReadCsv(orders.out, orders_schema);
  generate::OrdersGenerator generator(1);
  generate::OrdersChunk chunk;
  generator.Next(kOrderRows, &chunk);
  ASSERT_EQ(orders_read.size(), 4u);
  EXPECT_EQ(orders_read[0].int64s(), chunk.ts.int64s());
  EXPECT_EQ(orders_read[1].strings().bytes, chunk.symbol.strings().bytes);
  EXPECT_EQ(orders_read[2].float64s(), chunk.price.float64s());
  EXPECT_EQ(orders_read[3].int64s(), chunk.qty.int64s());
}

TEST_F(CliQueryTest, SqlIsReadFromStandardInputWithoutAnArgumentOrWithDash) {
  CliResult bare = Query({}, "SELECT count(*) FROM quotes\n");
  ASSERT_EQ(bare.exit_code, 0) << bare.err;
  EXPECT_EQ(bare.out, "count(*)\n6\n");
  CliResult dash = Query({"-", "--format", "json"}, "SELECT sum(qty) AS q\nFROM quotes;\n");
  ASSERT_EQ(dash.exit_code, 0) << dash.err;
  EXPECT_EQ(dash.out, "{\"q\":-9223372036854775802}\n");
}

TEST_F(CliQueryTest, EmptyInputIsAnError) {
  CliResult result = Query({}, "  \n");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            "backtrace: no query given (pass SQL as an argument or on standard input)\n");
}

TEST_F(CliQueryTest, StatsGoToStandardError) {
  CliResult result = Query({"--stats", "SELECT count(*) FROM orders WHERE symbol = 'BTC'"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.rfind("count(*)\n", 0), 0u) << result.out;
  // Everything but the elapsed time, which ends the line ("0.123 ms").
  const std::string expected =
      "rows 1 | scanned 2,000 rows | blocks 1 total, 0 pruned, 1 scanned | granules 1 total, 0 "
      "skipped | ";
  EXPECT_EQ(result.err.substr(0, expected.size()), expected) << result.err;
  std::string elapsed = result.err.substr(std::min(expected.size(), result.err.size()));
  EXPECT_TRUE(elapsed.ends_with(" ms\n") || elapsed.ends_with(" s\n")) << result.err;
  EXPECT_NE(elapsed.find('.'), std::string::npos) << result.err;
}

TEST_F(CliQueryTest, ExplainIsPrintedPlainlyInTableFormat) {
  CliResult result = Query({"--format", "table", "EXPLAIN SELECT count(*) FROM quotes"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.rfind("Scan quotes\n", 0), 0u) << result.out;
  EXPECT_EQ(result.out.find("---"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("rows)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\nPruning:\n"), std::string::npos) << result.out;

  CliResult csv = Query({"--format", "csv", "  -- the plan\n explain SELECT count(*) FROM quotes"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.rfind("plan\nScan quotes\n", 0), 0u) << csv.out;
}

TEST_F(CliQueryTest, TableWidthsComeFromTheFirstThousandRowsThenStay) {
  // qty^4 in ascending order: the first 1000 rows have at most 11 digits,
  // later ones 12, which overflow their column instead of realigning it.
  CliResult result =
      Query({"--format", "table",
             "SELECT qty * qty * qty * qty AS q4 FROM orders ORDER BY q4 LIMIT 1500"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<std::string> lines;
  for (size_t begin = 0; begin < result.out.size();) {
    size_t end = result.out.find('\n', begin);
    lines.push_back(result.out.substr(begin, end - begin));
    begin = end + 1;
  }
  ASSERT_EQ(lines.size(), 1503u);
  EXPECT_EQ(lines.back(), "(1500 rows)");
  // The rule is the column's width plus a space on each side; a row is a
  // space and the right-aligned value.
  size_t width = lines[1].size() - 2;
  EXPECT_EQ(width, 11u) << lines[1];
  EXPECT_EQ(lines[2 + 999].size(), 1 + width) << lines[2 + 999];
  EXPECT_EQ(lines[2 + 1499].size(), 1 + width + 1) << lines[2 + 1499];
}

TEST_F(CliQueryTest, QueryErrorIsOneLineAndExitCodeOne) {
  CliResult result = Query({"SELECT prce FROM quotes"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err,
            "backtrace: column 'prce' does not exist in table quotes (at column 8)\n");
}

TEST_F(CliQueryTest, UnknownFormatIsAUsageError) {
  CliResult result = Query({"--format", "xml", "SELECT * FROM quotes"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("backtrace query --help"), std::string::npos) << result.err;
}

TEST(CliQuery, DaemonNotRunningNamesTheQuerySocket) {
  TemporaryDirectory directory;
  std::string run_dir = directory.Join("run");
  CliResult result = RunCli({"--run-dir", run_dir, "query", "SELECT 1 FROM t"}, directory.path());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "backtrace: backtraced is not running at " + run_dir +
                            "/query.sock (start it, or pass --run-dir)\n");
}

TEST(CliQuery, ConnectionLostMidResultIsAnErrorAfterTheRowsReceived) {
  TemporaryDirectory directory;
  ServerProcess server(directory, "close-after-first-batch");
  CliResult result = RunCli({"--run-dir", server.run_dir(), "query", "--format", "csv",
                             "SELECT qty FROM orders"},
                            directory.path());
  EXPECT_EQ(result.exit_code, 1);
  // The header and the first batch (1024 rows) were printed as they came.
  size_t lines = 0;
  for (char c : result.out) lines += c == '\n';
  EXPECT_EQ(lines, 1u + 1024u);
  EXPECT_EQ(result.err,
            "backtrace: backtraced closed the connection after the result schema and 1 batch "
            "(1024 rows)\n");
}

TEST(CliQuery, BusyDaemonErrorIsReported) {
  TemporaryDirectory directory;
  ServerProcess server(directory, "busy-and-close");
  CliResult result =
      RunCli({"--run-dir", server.run_dir(), "query", "SELECT * FROM quotes"}, directory.path());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "backtrace: query queue full (64 queries waiting); try again\n");
}

}  // namespace
}  // namespace backtrace
