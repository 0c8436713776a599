// backtrace query: runs one SQL statement through the daemon's query socket
// and prints the result as it arrives (see commands.h and docs/cli.md).
#include <unistd.h>

#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>

#include "common/client/query_client.h"
#include "tools/backtrace/commands.h"
#include "tools/backtrace/result_printer.h"

namespace backtrace::cli {
namespace {

struct QueryOptions {
  std::string sql = "-";
  std::string format;  // empty: table on a terminal, csv otherwise
  bool stats = false;
};

// Forwards the answer to a printer, keeping the statistics.
class PrintingHandler : public client::QueryResultHandler {
 public:
  explicit PrintingHandler(ResultPrinter* printer) : printer_(printer) {}

  Status OnSchema(const std::vector<wire::ResultColumn>& columns) override {
    return printer_->Begin(columns);
  }
  Status OnBatch(const std::vector<ColumnVector>& columns, size_t rows) override {
    return printer_->Write(columns, rows);
  }
  Status OnEnd(const wire::QueryStatistics& statistics) override {
    statistics_ = statistics;
    return printer_->Finish();
  }

  const wire::QueryStatistics& statistics() const { return statistics_; }

 private:
  ResultPrinter* printer_;
  wire::QueryStatistics statistics_;
};

Result<std::string> ReadStandardInput() {
  std::string text;
  char buffer[65536];
  while (true) {
    ssize_t got = ::read(STDIN_FILENO, buffer, sizeof(buffer));
    if (got < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "reading the query from standard input");
    }
    if (got == 0) return text;
    text.append(buffer, static_cast<size_t>(got));
  }
}

// Whether the statement's first word, after spaces and `--` comments, is
// EXPLAIN.
bool IsExplain(std::string_view sql) {
  size_t position = 0;
  while (position < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[position]))) {
      ++position;
    } else if (sql.substr(position, 2) == "--") {
      size_t end = sql.find('\n', position);
      position = end == std::string_view::npos ? sql.size() : end + 1;
    } else {
      break;
    }
  }
  constexpr std::string_view kKeyword = "explain";
  if (sql.size() - position < kKeyword.size()) return false;
  for (size_t index = 0; index < kKeyword.size(); ++index) {
    if (std::tolower(static_cast<unsigned char>(sql[position + index])) != kKeyword[index]) {
      return false;
    }
  }
  size_t after = position + kKeyword.size();
  return after == sql.size() ||
         !(std::isalnum(static_cast<unsigned char>(sql[after])) || sql[after] == '_');
}

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// "12.345 ms" below a second, "3.210 s" from there.
std::string ElapsedText(uint64_t nanos) {
  char text[32];
  if (nanos < 1'000'000'000) {
    std::snprintf(text, sizeof(text), "%.3f ms", static_cast<double>(nanos) / 1e6);
  } else {
    std::snprintf(text, sizeof(text), "%.3f s", static_cast<double>(nanos) / 1e9);
  }
  return text;
}

void PrintStatistics(const wire::QueryStatistics& statistics) {
  std::string line = "rows " + WithThousands(statistics.rows) + " | scanned " +
                     WithThousands(statistics.rows_scanned) + " rows | blocks " +
                     WithThousands(statistics.blocks_total) + " total, " +
                     WithThousands(statistics.blocks_pruned) + " pruned, " +
                     WithThousands(statistics.blocks_scanned) + " scanned | granules " +
                     WithThousands(statistics.granules_total) + " total, " +
                     WithThousands(statistics.granules_skipped) + " skipped | " +
                     ElapsedText(statistics.elapsed_nanos) + "\n";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

int Run(const QueryOptions& options, const Context& context) {
  std::string sql = options.sql;
  if (sql == "-") {
    auto text = ReadStandardInput();
    if (!text.ok()) return PrintError(text.status());
    sql = std::move(*text);
  }
  if (IsBlank(sql)) return PrintError("no query given (pass SQL as an argument or on standard input)");

  PrinterOptions printer_options;
  if (options.format.empty()) {
    printer_options.format =
        ::isatty(STDOUT_FILENO) == 1 ? OutputFormat::kTable : OutputFormat::kCsv;
  } else if (options.format == "table") {
    printer_options.format = OutputFormat::kTable;
  } else if (options.format == "json") {
    printer_options.format = OutputFormat::kJson;
  } else {
    printer_options.format = OutputFormat::kCsv;
  }
  printer_options.plain = IsExplain(sql);

  auto client = client::QueryClient::Connect({.socket_path = QuerySocketPath(context)});
  if (!client.ok()) return PrintError(client.status());
  std::unique_ptr<ResultPrinter> printer =
      MakeResultPrinter(printer_options, stdout, "standard output");
  PrintingHandler handler(printer.get());
  Status status = (*client)->Query(sql, handler);
  if (!status.ok()) return PrintError(status);
  if (options.stats) PrintStatistics(handler.statistics());
  return kExitSuccess;
}

}  // namespace

void AddQueryCommand(CLI::App* app, Context* context) {
  auto options = std::make_shared<QueryOptions>();
  CLI::App* command = app->add_subcommand(
      "query",
      "Run one SQL statement (SELECT or EXPLAIN; docs/query_language.md) and print its result "
      "as it arrives");
  command->add_option("sql", options->sql, "the statement; - or nothing reads standard input")
      ->type_name("SQL|-");
  command
      ->add_option("--format", options->format,
                   "table (aligned, the default on a terminal), csv (the default otherwise; "
                   "re-ingestible) or json (one object per line)")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"table", "csv", "json"}).description(""));
  command->add_flag("--stats", options->stats,
                    "print the query's statistics (rows, blocks and granules pruned, time) to "
                    "standard error");
  command->footer(
      "Examples:\n"
      "  OHLCV bars per minute:\n"
      "    backtrace query \"SELECT first(price) AS open, max(price) AS high, min(price) AS low, "
      "last(price) AS close, sum(qty) AS volume FROM orders WHERE symbol = 'BTC' SAMPLE BY 1m\"\n"
      "  VWAP per symbol:\n"
      "    backtrace query \"SELECT symbol, sum(price * qty) / sum(qty) AS vwap FROM orders "
      "GROUP BY symbol ORDER BY vwap DESC\"\n"
      "  A filtered scan, as CSV that `backtrace ingest` reads back:\n"
      "    backtrace query --format csv \"SELECT * FROM orders WHERE symbol IN ('BTC', 'ETH') "
      "AND ts BETWEEN '2024-01-01T00:00:00Z' AND '2024-01-01T01:00:00Z'\" > btc-eth.csv\n"
      "  What pruning will skip, and the statistics of a run:\n"
      "    backtrace query \"EXPLAIN SELECT count(*) FROM orders WHERE ts >= '2024-01-02'\"\n"
      "    echo \"SELECT count(*) FROM orders\" | backtrace query --stats");
  command->callback([options, context] { context->exit_code = Run(*options, *context); });
}

}  // namespace backtrace::cli
