// backtrace_runner: measures BacktraceDB through the same driver, commands
// and JSON lines as the DuckDB and SQLite runners. A database is a
// directory holding a backtraced data directory (backtrace_daemon.h); the
// runner starts a Release backtraced on it (from --bin-dir, by default the
// directory of this program, where the build puts both) and stops it with
// SIGTERM when the database is closed, which returns once every block is
// compacted into column files.
//
// - bulk-load: the CSV through the real `backtrace ingest` program (its CSV
//   reader and batch sender, one producer, pipelined batches); phases:
//   daemon start, table creation, ingest until every row is acknowledged
//   (durable in the WAL), and shutdown until every row is in column files.
// - stream-load: the driver parses the CSV (in the timed span, as for the
//   other systems); every --batch-rows rows form a batch handed to a pool of
//   producer threads (ProducerPool: own connection and producer id each,
//   pipelined); the time ends at the last durable Ack. Closing (compaction
//   into column files at shutdown) is timed apart.
// - query: through client::QueryClient; opening is a daemon start, closing a
//   daemon stop, so a cold run is a fresh daemon on files dropped from the
//   page cache.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/client/ingest_client.h"
#include "common/client/query_client.h"
#include "tools/peers/backtrace_daemon.h"
#include "tools/peers/backtrace_producers.h"
#include "tools/peers/file_cache.h"
#include "tools/peers/peer_engine.h"
#include "tools/peers/peer_report.h"

namespace backtrace::peers {
namespace {

constexpr int kProducers = 4;
constexpr size_t kInFlightPerProducer = 4;
constexpr uint64_t kFirstProducerId = 1;

const PeerQuery kQueryTemplates[] = {
    {"Q1", "SELECT count(*) AS count FROM orders WHERE symbol = 'BTC' AND qty > 100 AND price > 45000"},
    {"Q2",
     "SELECT count(*) AS count, sum(qty) AS sum_qty FROM orders "
     "WHERE ts >= {hour_start} AND ts < {hour_end}"},
    {"Q3",
     "SELECT symbol, count(*) AS count, min(price) AS min_price, max(price) AS max_price, "
     "avg(price) AS avg_price FROM orders GROUP BY symbol ORDER BY symbol"},
    {"Q4",
     "SELECT ts AS bucket, first(price) AS open, max(price) AS high, min(price) AS low, "
     "last(price) AS close, sum(qty) AS volume FROM orders WHERE symbol = 'BTC' SAMPLE BY 1m "
     "ORDER BY bucket"},
    {"Q5", "SELECT sum(price * qty) AS notional FROM orders"},
    {"Q6",
     "SELECT ts, symbol, price, qty FROM orders WHERE symbol = 'ETH' "
     "AND ts >= {hour_start} AND ts < {ten_minutes_end} ORDER BY ts"},
};

std::string ProgramDirectory() {
  char path[PATH_MAX];
  ssize_t length = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (length <= 0) return ".";
  std::string program(path, static_cast<size_t>(length));
  return program.substr(0, program.rfind('/'));
}

class BacktraceEngine final : public PeerEngine {
 public:
  std::string_view system() const override { return "backtracedb"; }

  bool Load(const std::string& library, std::string* error) override {
    binary_directory_ = library.empty() ? ProgramDirectory() : library;
    if (::access((binary_directory_ + "/backtraced").c_str(), X_OK) != 0) {
      *error = binary_directory_ + "/backtraced is missing: pass --bin-dir DIRECTORY (the build's bin/)";
      return false;
    }
    return true;
  }

  std::string version() const override {
    return BACKTRACE_PROJECT_VERSION;
  }

  std::vector<std::string> DatabaseFiles(const std::string& database) const override {
    std::vector<std::string> files = FilesUnder(BacktraceDaemon::DataDirectory(database));
    if (files.empty()) files.push_back(database);  // what a new database would create
    return files;
  }

  std::vector<std::pair<std::string, std::string>> Settings() override {
    return {{"config", "defaults; metrics off; shutdown_timeout 1h"},
            {"sort_key", "symbol, ts"},
            {"stream_producers", std::to_string(kProducers)},
            {"stream_in_flight_per_producer", std::to_string(kInFlightPerProducer)}};
  }

  bool BulkLoad(const std::string& database, const std::string& csv, LoadReport* report,
                std::string* error) override {
    Stopwatch phase;
    if (!Open(database, error)) return false;
    report->phases.emplace_back("start_daemon", phase.Seconds());
    phase = Stopwatch();
    if (!CreateTable(error)) return false;
    report->phases.emplace_back("create_table", phase.Seconds());
    phase = Stopwatch();
    if (!RunIngest(database, csv, &report->rows, error)) return false;
    report->phases.emplace_back("ingest_until_acknowledged", phase.Seconds());
    phase = Stopwatch();
    if (!Close(error)) return false;
    report->phases.emplace_back("shutdown_until_compacted", phase.Seconds());
    return true;
  }

  bool StreamBegin(const std::string& database, const StreamOptions&, std::string* error) override {
    if (!Open(database, error)) return false;
    if (!CreateTable(error)) return false;
    producers_ = std::make_unique<ProducerPool>();
    if (!producers_->Start(daemon_->ingest_socket(), kProducers, kInFlightPerProducer, kFirstProducerId, error)) {
      return false;
    }
    batch_ = std::make_unique<OrdersBatch>();
    return true;
  }

  bool StreamAppend(const OrderRow& row, std::string*) override {
    batch_->ts.int64s().push_back(row.ts);
    batch_->symbol.strings().push_back(row.symbol);
    batch_->price.float64s().push_back(row.price);
    batch_->qty.int64s().push_back(row.qty);
    return true;
  }

  bool StreamCommit(std::string* error) override {
    if (batch_->rows() == 0) return true;
    if (!producers_->Submit(std::move(batch_), error)) return false;
    batch_ = std::make_unique<OrdersBatch>();
    return true;
  }

  bool StreamEnd(std::string* error) override {
    if (!StreamCommit(error)) return false;
    if (!producers_->Finish(error)) return false;
    acknowledged_seconds_ = producers_->AcknowledgedSeconds();
    producers_.reset();
    return true;
  }

  std::string StreamIndexes(const StreamOptions&) const override { return "sort key (symbol, ts)"; }

  bool Open(const std::string& database, std::string* error) override {
    if (daemon_ != nullptr && daemon_->running()) return true;
    daemon_ = std::make_unique<BacktraceDaemon>(binary_directory_, database);
    if (!daemon_->Start(error)) return false;
    auto client = client::QueryClient::Connect({.socket_path = daemon_->query_socket()});
    if (!client.ok()) {
      *error = client.status().ToString();
      return false;
    }
    query_client_ = std::move(*client);
    return true;
  }

  bool Close(std::string* error) override {
    producers_.reset();
    query_client_.reset();
    if (daemon_ == nullptr) return true;
    bool stopped = daemon_->Stop(error);
    Accumulate(daemon_->memory());
    daemon_.reset();
    return stopped;
  }

  std::vector<PeerQuery> Queries(int64_t window_start) const override {
    std::vector<PeerQuery> queries;
    for (const PeerQuery& query : kQueryTemplates) queries.push_back({query.name, BindWindow(query.sql, window_start)});
    return queries;
  }

  bool Run(const std::string& sql, ResultTable* table, std::string* error) override {
    table->Clear();
    auto result = query_client_->QueryAll(sql, size_t{1} << 31);
    if (!result.ok()) {
      *error = result.status().ToString();
      return false;
    }
    for (const auto& column : result->columns) table->columns.push_back(column.name);
    size_t rows = result->rows();
    table->cells.reserve(rows * table->columns.size());
    for (size_t row = 0; row < rows; ++row) {
      for (const ColumnVector& values : result->values) table->cells.push_back(CellAt(values, row));
    }
    return true;
  }

  std::string Explain(const std::string& sql) override {
    ResultTable table;
    std::string error;
    if (!Run("EXPLAIN " + sql, &table, &error)) return "EXPLAIN failed: " + error;
    std::string plan;
    for (const Cell& cell : table.cells) plan += CanonicalText(cell) + "\n";
    return plan;
  }

  std::vector<double> AcknowledgedCommitSeconds() const override { return acknowledged_seconds_; }

  std::vector<std::pair<std::string, double>> ServerFigures() const override {
    std::vector<std::pair<std::string, double>> figures = {
        {"daemon_peak_rss_bytes", static_cast<double>(memory_.daemon_peak_bytes)},
        {"server_peak_rss_bytes", static_cast<double>(memory_.all_processes_peak_bytes)},
        {"server_processes", static_cast<double>(memory_.processes)},
        {"largest_server_process_peak_rss_bytes", static_cast<double>(memory_.largest_process_peak_bytes)},
        {"server_cpu_seconds", memory_.cpu_seconds}};
    if (ingest_cpu_seconds_ > 0) figures.emplace_back("ingest_program_cpu_seconds", ingest_cpu_seconds_);
    return figures;
  }

  // Column files (tables/), the RocksDB catalog (catalog/) and the WAL (wal/).
  std::vector<std::pair<std::string, uint64_t>> FootprintParts(const std::string& database) const override {
    std::vector<std::pair<std::string, uint64_t>> parts;
    std::string data = BacktraceDaemon::DataDirectory(database);
    for (const char* part : {"tables", "catalog", "wal"}) {
      FileFootprint footprint;
      std::string ignored;
      if (MeasureFiles(FilesUnder(data + "/" + part), &footprint, &ignored)) {
        parts.emplace_back(part, footprint.allocated_bytes);
      }
    }
    return parts;
  }

 private:
  static Cell CellAt(const ColumnVector& values, size_t row) {
    switch (values.type()) {
      case ColumnType::kInt64:
      case ColumnType::kTimestamp: return values.int64s()[row];
      case ColumnType::kUInt64: {
        uint64_t value = values.uint64s()[row];
        if (value <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(value);
        return static_cast<double>(value);
      }
      case ColumnType::kFloat64: return values.float64s()[row];
      case ColumnType::kString: return std::string(values.strings().at(row));
    }
    return std::monostate{};
  }

  void Accumulate(const ServerMemory& memory) {
    memory_.daemon_peak_bytes = std::max(memory_.daemon_peak_bytes, memory.daemon_peak_bytes);
    if (memory.all_processes_peak_bytes > memory_.all_processes_peak_bytes) {
      memory_.all_processes_peak_bytes = memory.all_processes_peak_bytes;
      memory_.processes = memory.processes;
    }
    memory_.largest_process_peak_bytes =
        std::max(memory_.largest_process_peak_bytes, memory.largest_process_peak_bytes);
    memory_.cpu_seconds += memory.cpu_seconds;
  }

  bool CreateTable(std::string* error) {
    auto client = client::IngestClient::Connect({.socket_path = daemon_->ingest_socket()});
    Status created = client.ok() ? (*client)->CreateTable(OrdersTableSchema()) : client.status();
    if (!created.ok()) {
      *error = "creating table orders: " + created.ToString();
      return false;
    }
    return true;
  }

  // Runs `backtrace ingest orders CSV`; its output goes to run/ingest.log.
  bool RunIngest(const std::string& database, const std::string& csv, uint64_t* rows, std::string* error) {
    std::string program = binary_directory_ + "/backtrace";
    std::string run = BacktraceDaemon::RunDirectory(database);
    std::string log_path = run + "/ingest.log";
    pid_t pid = ::fork();
    if (pid < 0) {
      *error = "fork failed";
      return false;
    }
    if (pid == 0) {
      int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (log >= 0) {
        ::dup2(log, STDOUT_FILENO);
        ::dup2(log, STDERR_FILENO);
      }
      ::execl(program.c_str(), program.c_str(), "--run-dir", run.c_str(), "ingest", "orders", csv.c_str(),
              "--producer", "1", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    struct rusage usage {};
    while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    ingest_cpu_seconds_ = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                          static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    std::ifstream file(log_path);
    std::stringstream contents;
    contents << file.rdbuf();
    std::string output = contents.str();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      *error = program + " ingest failed (status " + std::to_string(status) + "): " + output;
      return false;
    }
    size_t found = output.rfind(" rows acknowledged");
    size_t start = found == std::string::npos ? std::string::npos : output.find_last_not_of("0123456789", found - 1);
    if (found == std::string::npos) {
      *error = program + " ingest did not report its rows: " + output;
      return false;
    }
    start = start == std::string::npos ? 0 : start + 1;
    *rows = std::strtoull(output.c_str() + start, nullptr, 10);
    return true;
  }

  std::string binary_directory_;
  std::unique_ptr<BacktraceDaemon> daemon_;
  std::unique_ptr<client::QueryClient> query_client_;
  std::unique_ptr<ProducerPool> producers_;
  std::unique_ptr<OrdersBatch> batch_;
  std::vector<double> acknowledged_seconds_;
  ServerMemory memory_;
  double ingest_cpu_seconds_ = 0;
};

}  // namespace
}  // namespace backtrace::peers

int main(int argc, char** argv) {
  backtrace::peers::BacktraceEngine engine;
  return backtrace::peers::RunPeer(argc, argv, &engine);
}
