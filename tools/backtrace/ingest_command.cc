// backtrace ingest: loads CSV into a table (see commands.h and docs/cli.md).
// The input is read by CsvReader one batch ahead of the batch being sent,
// so that the batch cut short by a bad line is known before it is sent.
#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include "common/base/file.h"
#include "common/text/byte_source.h"
#include "common/text/csv_reader.h"
#include "tools/backtrace/batch_sender.h"
#include "tools/backtrace/commands.h"
#include "tools/backtrace/progress_bar.h"

namespace backtrace::cli {
namespace {

// Rows per batch by default: large enough that per-batch costs vanish and
// small enough (about 2 MiB for a table like orders) that many batches
// are in flight at once. Batches that would exceed a frame are split.
constexpr size_t kDefaultBatchRows = 65536;
constexpr size_t kMaxInFlight = 8;

volatile sig_atomic_t interrupted = 0;

void OnInterrupt(int) { interrupted = 1; }

// The first Ctrl-C stops reading and waits for the batches in flight;
// a second one ends the process at once (SA_RESETHAND).
void CatchInterrupt() {
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  ::sigaction(SIGINT, &action, nullptr);
}

struct IngestOptions {
  std::string table;
  std::string file = "-";
  uint64_t producer = 0;  // 0: a random one for this run
  size_t batch_rows = kDefaultBatchRows;
  bool skip_bad = false;
};

struct Input {
  io::File file;
  std::string name;        // for messages
  uint64_t total_bytes = 0;  // 0 unless a regular file
};

Result<Input> OpenInput(const std::string& path) {
  Input input;
  if (path == "-") {
    int descriptor = ::dup(STDIN_FILENO);
    if (descriptor < 0) return Status::FromErrno(errno, "standard input");
    input.file = io::File(descriptor, "<stdin>");
    input.name = "<stdin>";
  } else {
    ASSIGN_OR_RETURN(input.file, io::OpenFile(path, O_RDONLY));
    input.name = path;
  }
  struct stat status {};
  if (::fstat(input.file.descriptor(), &status) == 0 && S_ISREG(status.st_mode)) {
    off_t offset = ::lseek(input.file.descriptor(), 0, SEEK_CUR);
    if (offset >= 0 && offset < status.st_size) {
      input.total_bytes = static_cast<uint64_t>(status.st_size - offset);
    }
  }
  return input;
}

uint64_t RandomProducerId() {
  uint64_t id = 0;
  if (::getrandom(&id, sizeof(id), 0) != static_cast<ssize_t>(sizeof(id))) {
    id = static_cast<uint64_t>(std::time(nullptr)) * 0x9e3779b97f4a7c15ull ^
         static_cast<uint64_t>(::getpid());
  }
  return id == 0 ? 1 : id;
}

// Notes on standard error about batches already stored and lines skipped.
void ReportSkipped(const BatchSender& sender, const CsvReader& reader,
                   const std::string& input_name, uint64_t producer_id) {
  if (sender.duplicate_batches() > 0) {
    std::fprintf(stderr,
                 "backtrace: %s rows (%" PRIu64 " batch%s) were already stored by producer %" PRIu64
                 " and were not added again\n",
                 WithThousands(sender.duplicate_rows()).c_str(), sender.duplicate_batches(),
                 sender.duplicate_batches() == 1 ? "" : "es", producer_id);
  }
  if (reader.bad_lines() > 0) {
    std::string report = "backtrace: skipped " + WithThousands(reader.bad_lines()) + " bad line" +
                         (reader.bad_lines() == 1 ? "" : "s") + " of " + input_name +
                         (reader.bad_lines() > reader.bad_line_reasons().size() ? "; the first:\n"
                                                                                : ":\n");
    for (const auto& reason : reader.bad_line_reasons()) report += "  " + reason + "\n";
    std::fputs(report.c_str(), stderr);
  }
}

// Runs the ingest; *acknowledged receives the rows stored by this run.
int Ingest(const IngestOptions& options, const Context& context, uint64_t* acknowledged) {
  if (options.batch_rows == 0) return PrintError("--batch-rows must be at least 1");
  client::IngestClientOptions client_options;
  client_options.producer_id = options.producer != 0 ? options.producer : RandomProducerId();
  client_options.max_in_flight = kMaxInFlight;
  auto client = ConnectToDaemon(context, client_options);
  if (!client.ok()) return PrintError(client.status());
  auto schema = FindTable(client->get(), options.table);
  if (!schema.ok()) return PrintError(schema.status());

  auto input = OpenInput(options.file);
  if (!input.ok()) return PrintError(input.status());
  std::string input_name = input->name;
  uint64_t total_bytes = input->total_bytes;
  CsvReader::Columns columns;
  for (const auto& column : schema->columns) columns.emplace_back(column.name, column.type);
  CsvReaderOptions reader_options;
  reader_options.skip_bad_lines = options.skip_bad;
  auto reader = CsvReader::Open(std::move(columns),
                                std::make_unique<FileByteSource>(std::move(input->file)),
                                reader_options);
  if (!reader.ok()) {
    return PrintError(input_name + ": " + reader.status().message());
  }

  ProgressBar progress(total_bytes, ::isatty(STDERR_FILENO) == 1);
  BatchSenderOptions sender_options;
  sender_options.notice = [&progress](std::string_view message) {
    progress.Interject("backtrace: " + std::string(message));
  };
  BatchSender sender(client->get(), *schema, sender_options);
  CatchInterrupt();

  std::vector<ColumnVector> current;
  std::vector<ColumnVector> next;
  Status send_error;
  uint64_t rows_sent = 0;
  size_t withheld_rows = 0;
  Result<size_t> current_rows = reader->ReadBatch(options.batch_rows, &current);
  uint64_t bytes_through_current = reader->bytes_consumed();  // for the progress bar
  while (current_rows.ok() && *current_rows > 0 && !interrupted) {
    Result<size_t> next_rows = reader->ReadBatch(options.batch_rows, &next);
    if (!next_rows.ok() && *current_rows < options.batch_rows && options.producer != 0) {
      // Cut short by the error: a rerun of the corrected input would send a
      // fuller batch under this number, which the daemon would take for a
      // duplicate. So these rows wait for that rerun.
      withheld_rows = *current_rows;
      current_rows = std::move(next_rows);
      break;
    }
    send_error = sender.Send(current);
    if (!send_error.ok()) break;
    rows_sent += *current_rows;
    progress.Update(rows_sent, bytes_through_current);
    bytes_through_current = reader->bytes_consumed();
    std::swap(current, next);
    current_rows = std::move(next_rows);
  }
  Status finished = sender.Finish();
  *acknowledged = sender.acknowledged_rows();
  progress.Finish();

  ReportSkipped(sender, *reader, input_name, client_options.producer_id);
  std::string resume = options.producer != 0
                           ? " (run the same command again to add the rest)"
                           : " (to resume, run the same command with --producer " +
                                 std::to_string(client_options.producer_id) +
                                 ": it skips the batches already stored)";
  // A run that lost its connection can be resumed; one whose batch was
  // rejected cannot (later batches may be stored, so the rejected one would
  // be skipped as a duplicate).
  auto resumable = [&](const Status& status) {
    bool lost_connection =
        status.code() == StatusCode::kAborted || status.code() == StatusCode::kIoError;
    return lost_connection && !client->get()->batch_rejected() ? resume : std::string();
  };
  if (!send_error.ok()) return PrintError(send_error.message() + resumable(send_error));
  if (!finished.ok()) return PrintError(finished.message() + resumable(finished));
  if (!current_rows.ok()) {
    const Status& error = current_rows.status();
    bool bad_line = error.code() == StatusCode::kInvalidArgument;
    std::string advice;
    if (withheld_rows > 0) {
      advice = " (the " + WithThousands(withheld_rows) +
               " rows of its batch before it were not sent, so that the same command adds each "
               "row once when run again after " +
               (bad_line ? "the line is fixed)" : "the input is readable)");
    } else if (bad_line && !options.skip_bad) {
      advice = " (fix the line, or skip bad lines with --skip-bad)";
    }
    return PrintError(input_name + ": " + error.message() + advice);
  }
  if (interrupted) {
    PrintError("interrupted; the rest of " + input_name + " was not ingested" + resume);
    return kExitInterrupted;
  }
  return kExitSuccess;
}

}  // namespace

void AddIngestCommand(CLI::App* app, Context* context) {
  auto options = std::make_shared<IngestOptions>();
  CLI::App* command = app->add_subcommand(
      "ingest",
      "Load CSV into a table. The header names the table's columns in any order; timestamps are "
      "integer nanoseconds or ISO 8601 (docs/csv_format.md). Prints `N rows acknowledged`.");
  command->add_option("table", options->table, "table name")->required();
  command->add_option("file", options->file, "CSV file; - or nothing reads standard input")
      ->type_name("FILE|-");
  command
      ->add_option("--producer", options->producer,
                   "producer id (1 or more) that numbers this input's batches by position: "
                   "running the same command again adds only what is not yet stored")
      ->type_name("ID")
      ->check(CLI::Range(uint64_t{1}, UINT64_MAX).description(""));
  command->add_option("--batch-rows", options->batch_rows, "rows per batch")
      ->capture_default_str()
      ->type_name("N")
      ->check(CLI::Range(size_t{1}, size_t{1} << 30).description(""));
  command->add_flag("--skip-bad", options->skip_bad,
                    "skip bad lines, count them and report the first ones at the end");
  command->footer(
      "Examples:\n"
      "  backtrace ingest orders orders.csv\n"
      "  backtrace gen orders --rows 1000000 | backtrace ingest orders -\n"
      "  backtrace ingest orders feed-2024-05-01.csv --producer 20240501 --skip-bad\n"
      "With --producer, a run that was cut short (crash, lost connection, Ctrl-C) is resumed by "
      "running the same command again with the same input and --batch-rows.");
  command->callback([options, context] {
    uint64_t acknowledged = 0;
    context->exit_code = Ingest(*options, *context, &acknowledged);
    std::printf("%" PRIu64 " rows acknowledged\n", acknowledged);
    std::fflush(stdout);
  });
}

}  // namespace backtrace::cli
