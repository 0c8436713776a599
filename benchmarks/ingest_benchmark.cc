// Durable ingestion through a real backtraced: pre-built columnar batches of
// the orders table (common/generate/orders_generator.h) streamed over the
// ingest socket by IngestClient, each Ack durable (wal_sync = "fdatasync"),
// and the start-up time of a daemon that must replay about 1 GiB of WAL.
//
// Every run starts its own backtraced (from <build>/bin, or
// $BACKTRACE_BIN_DIR) with the default configuration except data_dir,
// run_dir and metrics_listen = "" (and, where a benchmark says so, the
// settings it is about), in a fresh directory under $BACKTRACE_BENCHMARK_DIR,
// else the build directory, so that the WAL lives on the disk of the
// checkout (tmpfs would make fdatasync free).
//
// Counters: rows/s and MB/s (raw column bytes: 8 per fixed-width value, 4
// per string offset plus the string bytes, 10^6 bytes per MB), the 1-minute
// load average when the run started (the machine is shared: compare wall
// time figures only at similar load), the CPU seconds per million rows
// spent by the daemon, its compactors (while the stream ran) and the client
// threads (which hold up under load better than wall time), and the
// daemon's peak resident memory.
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/base/file.h"
#include "common/client/ingest_client.h"
#include "common/generate/orders_generator.h"
#include "common/schema/table_schema.h"

namespace backtrace {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kBatchRows = 64 * 1024;
constexpr uint64_t kStreamRows = 10'000'000;

std::string SelfDirectory() {
  char self[PATH_MAX];
  ssize_t length = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (length <= 0) return ".";
  self[length] = '\0';
  return std::filesystem::path(self).parent_path().string();
}

// <build>/bin, the benchmark itself being in <build>/benchmarks.
std::string BinaryDirectory() {
  const char* path = std::getenv("BACKTRACE_BIN_DIR");
  if (path != nullptr && *path != '\0') return path;
  return (std::filesystem::path(SelfDirectory()).parent_path() / "bin").string();
}

double LoadAverage() {
  std::ifstream file("/proc/loadavg");
  double load = 0;
  file >> load;
  return load;
}

// A fresh directory removed at scope exit.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    const char* base = std::getenv("BACKTRACE_BENCHMARK_DIR");
    std::string root = base != nullptr && *base != '\0'
                           ? std::string(base)
                           : std::filesystem::path(SelfDirectory()).parent_path().string();
    std::string pattern = root + "/ingest-benchmark-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDirectory() {
    if (!path_.empty()) (void)io::RemoveTree(path_);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// CPU seconds (user + system) of a process, from /proc/<pid>/stat.
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string contents((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  size_t name_end = contents.rfind(')');
  if (name_end == std::string::npos) return 0;
  std::istringstream fields(contents.substr(name_end + 2));
  std::string field;
  double ticks = 0;
  // Fields 3.. follow the name; utime and stime are fields 14 and 15.
  for (int number = 3; number <= 15 && fields >> field; ++number) {
    if (number >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& value) {
    return static_cast<double>(value.tv_sec) + static_cast<double>(value.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// One backtraced process with its log in <directory>/run/backtraced.log.
class Daemon {
 public:
  Daemon(const std::string& directory, const std::string& extra_config)
      : data_dir_(directory + "/data"), run_dir_(directory + "/run") {
    std::filesystem::create_directories(data_dir_);
    std::filesystem::create_directories(run_dir_);
    config_path_ = run_dir_ + "/backtraced.toml";
    log_path_ = run_dir_ + "/backtraced.log";
    std::ofstream config(config_path_);
    config << "data_dir = \"" << data_dir_ << "\"\n"
           << "run_dir = \"" << run_dir_ << "\"\n"
           << "metrics_listen = \"\"\n"
           << extra_config << "\n";
  }
  ~Daemon() { Kill(); }

  // Starts the daemon and waits until it logs that it is ready; returns the
  // seconds from fork to that line.
  Result<double> Start() {
    size_t log_before = Log().size();
    std::string binary = BinaryDirectory() + "/backtraced";
    Clock::time_point started = Clock::now();
    pid_t pid = ::fork();
    if (pid < 0) return Status::FromErrno(errno, "fork");
    if (pid == 0) {
      int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (log >= 0) {
        ::dup2(log, STDERR_FILENO);
        ::dup2(log, STDOUT_FILENO);
      }
      ::execl(binary.c_str(), binary.c_str(), "--config", config_path_.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    pid_ = pid;
    while (Clock::now() - started < std::chrono::minutes(10)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return Status::Aborted("backtraced (" + binary + ") exited during start-up:\n" + Log());
      }
      if (Log().find("ready: ingest socket", log_before) != std::string::npos) {
        return std::chrono::duration<double>(Clock::now() - started).count();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return Status::Aborted("backtraced did not become ready:\n" + Log());
  }

  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // SIGTERM (the daemon compacts what is hot) and waits for the exit.
  Status Terminate() {
    if (pid_ <= 0) return Status::Ok();
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      return Status::Internal("backtraced did not exit cleanly:\n" + Log());
    }
    return Status::Ok();
  }

  // CPU seconds (user + system) used so far by the daemon, all its threads,
  // and by its running children (the compactors).
  double DaemonCpuSeconds() const { return ProcessCpuSeconds(pid_); }
  double ChildrenCpuSeconds() const {
    double total = 0;
    std::error_code error;
    std::string tasks = "/proc/" + std::to_string(pid_) + "/task";
    for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
      std::ifstream children(task.path() / "children");
      pid_t child;
      while (children >> child) total += ProcessCpuSeconds(child);
    }
    return total;
  }

  // Peak resident set of the running daemon in MiB (VmHWM), 0 if unknown.
  double PeakResidentMiB() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    }
    return 0;
  }

  std::string Log() const {
    std::ifstream file(log_path_);
    std::stringstream contents;
    contents << file.rdbuf();
    return contents.str();
  }
  std::string ingest_socket() const { return run_dir_ + "/ingest.sock"; }
  const std::string& data_dir() const { return data_dir_; }

 private:
  std::string data_dir_;
  std::string run_dir_;
  std::string config_path_;
  std::string log_path_;
  pid_t pid_ = -1;
};

TableSchema OrdersSchema() {
  return *ParseTableSchema("orders", "ts:timestamp,symbol:string,price:float64,qty:int64", "ts",
                           "symbol,ts");
}

uint64_t RawBytes(const generate::OrdersChunk& chunk) {
  return chunk.rows() * (8 + 4 + 8 + 8) + chunk.symbol.strings().bytes.size();
}

// The batches of the first `rows` orders, generated once per process.
const std::vector<generate::OrdersChunk>& Batches(uint64_t rows) {
  static std::mutex mutex;
  static std::vector<generate::OrdersChunk> batches;
  static generate::OrdersGenerator generator(42);
  std::lock_guard<std::mutex> lock(mutex);
  while (generator.rows_generated() < rows) {
    batches.emplace_back();
    size_t count =
        static_cast<size_t>(std::min<uint64_t>(kBatchRows, rows - generator.rows_generated()));
    generator.Next(count, &batches.back());
  }
  return batches;
}

std::vector<client::NamedColumn> ColumnsOf(const generate::OrdersChunk& chunk) {
  return {{"ts", &chunk.ts}, {"symbol", &chunk.symbol}, {"price", &chunk.price},
          {"qty", &chunk.qty}};
}

struct StreamResult {
  double seconds = 0;
  uint64_t rows = 0;
  uint64_t bytes = 0;
};

// Streams batch_count batches with `producers` threads (batch i goes to
// producer i % producers), each on its own connection with its own
// producer id, and returns the time from the first Append to the last Ack.
// Batch i is the pre-built batch i % distinct_batches (0: all distinct).
Result<StreamResult> Stream(const Daemon& daemon, size_t batch_count, size_t producers,
                            size_t distinct_batches = 0) {
  if (distinct_batches == 0) distinct_batches = batch_count;
  const auto& batches = Batches(static_cast<uint64_t>(distinct_batches) * kBatchRows);
  std::vector<std::unique_ptr<client::IngestClient>> clients;
  for (size_t producer = 0; producer < producers; ++producer) {
    client::IngestClientOptions options;
    options.socket_path = daemon.ingest_socket();
    options.producer_id = producer + 1;
    ASSIGN_OR_RETURN(auto connected, client::IngestClient::Connect(options));
    clients.push_back(std::move(connected));
  }
  RETURN_IF_ERROR(clients.front()->CreateTable(OrdersSchema()));
  std::vector<Status> results(producers);
  std::vector<std::thread> threads;
  Clock::time_point started = Clock::now();
  for (size_t producer = 0; producer < producers; ++producer) {
    threads.emplace_back([&, producer] {
      client::IngestClient* client = clients[producer].get();
      for (size_t batch = producer; batch < batch_count; batch += producers) {
        Status appended =
            client->Append("orders", ColumnsOf(batches[batch % distinct_batches]));
        if (!appended.ok()) {
          results[producer] = appended;
          return;
        }
      }
      results[producer] = client->Flush();
    });
  }
  for (auto& thread : threads) thread.join();
  StreamResult result;
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  for (const Status& status : results) RETURN_IF_ERROR(status);
  for (const auto& client : clients) result.rows += client->acknowledged_rows();
  for (size_t batch = 0; batch < batch_count; ++batch) {
    result.bytes += RawBytes(batches[batch % distinct_batches]);
  }
  return result;
}

// Rates are computed here rather than with Counter::kIsRate, which divides
// by CPU time in some versions of Google Benchmark.
void SetThroughput(benchmark::State& state, double rows, double bytes, double seconds) {
  state.counters["rows/s"] = seconds > 0 ? rows / seconds : 0;
  state.counters["MB/s"] = seconds > 0 ? bytes / 1e6 / seconds : 0;
}

// 10M rows in 64Ki-row batches from `producers` threads into a daemon with
// the default settings plus extra_config.
void RunIngest(benchmark::State& state, size_t producers, const std::string& extra_config) {
  const size_t batch_count = (kStreamRows + kBatchRows - 1) / kBatchRows;
  Batches(kStreamRows);  // generated outside the timing
  double rows = 0, bytes = 0, seconds = 0, load = 0, peak = 0;
  for (auto _ : state) {
    load = LoadAverage();
    ScratchDirectory scratch;
    Daemon daemon(scratch.path(), extra_config);
    auto ready = daemon.Start();
    if (!ready.ok()) {
      state.SkipWithError(ready.status().ToString().c_str());
      return;
    }
    double daemon_before = daemon.DaemonCpuSeconds();
    double client_before = SelfCpuSeconds();
    auto result = Stream(daemon, batch_count, producers);
    if (!result.ok()) {
      state.SkipWithError(result.status().ToString().c_str());
      return;
    }
    double million_rows = static_cast<double>(result->rows) / 1e6;
    state.counters["daemon_cpu_s/Mrow"] =
        (daemon.DaemonCpuSeconds() - daemon_before) / million_rows;
    state.counters["compactor_cpu_s/Mrow"] = daemon.ChildrenCpuSeconds() / million_rows;
    state.counters["client_cpu_s/Mrow"] = (SelfCpuSeconds() - client_before) / million_rows;
    peak = daemon.PeakResidentMiB();
    state.SetIterationTime(result->seconds);
    seconds += result->seconds;
    rows += static_cast<double>(result->rows);
    bytes += static_cast<double>(result->bytes);
    daemon.Kill();
  }
  SetThroughput(state, rows, bytes, seconds);
  state.counters["load1"] = load;
  state.counters["daemon_peak_rss_MiB"] = peak;
}

// Arg: producers. Durable acks (the default wal_sync = "fdatasync").
void BM_IngestDurable(benchmark::State& state) {
  RunIngest(state, static_cast<size_t>(state.range(0)), "");
}
BENCHMARK(BM_IngestDurable)
    ->ArgName("producers")
    ->Arg(1)
    ->Arg(2)
    ->Arg(4)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// Arg: producers. wal_sync = "none": what ingestion costs without waiting
// for the disk (acks are not durable; for comparison only).
void BM_IngestWithoutSync(benchmark::State& state) {
  RunIngest(state, static_cast<size_t>(state.range(0)), "wal_sync = \"none\"\n");
}
BENCHMARK(BM_IngestWithoutSync)
    ->ArgName("producers")
    ->Arg(2)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// Seconds per block and rows per block from the daemon's debug lines
// "compacted block <id> of table <t> (<rows> rows) in <seconds> s".
struct CompactionLog {
  uint64_t blocks = 0;
  uint64_t rows = 0;
  double seconds = 0;
};

CompactionLog ParseCompactions(const std::string& log) {
  CompactionLog parsed;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    size_t at = line.find("compacted block ");
    if (at == std::string::npos) continue;
    size_t open = line.find(" (", at);
    size_t in = line.find(" rows) in ", at);
    if (open == std::string::npos || in == std::string::npos) continue;
    parsed.rows += std::stoull(line.substr(open + 2, in - open - 2));
    parsed.seconds += std::stod(line.substr(in + 10));
    ++parsed.blocks;
  }
  return parsed;
}

// Sustained ingestion: 100M rows (the 10M pre-built rows ten times over)
// from 2 producers with max_hot_bytes = 256 MiB, so that compaction must
// keep up (backpressure pauses reading while it does not). Reports rows/s,
// the daemon's peak resident memory, and the blocks compacted meanwhile
// (from the debug log). Arg: compactors (the default is 1).
void BM_IngestSustained(benchmark::State& state) {
  const std::string config = "max_hot_bytes = \"256MiB\"\nlog_level = \"debug\"\ncompactors = " +
                             std::to_string(state.range(0)) + "\n";
  const size_t distinct = (kStreamRows + kBatchRows - 1) / kBatchRows;
  const size_t batch_count = distinct * 10;
  Batches(kStreamRows);
  double rows = 0, bytes = 0, seconds = 0, load = 0, peak = 0;
  for (auto _ : state) {
    load = LoadAverage();
    ScratchDirectory scratch;
    Daemon daemon(scratch.path(), config);
    auto ready = daemon.Start();
    if (!ready.ok()) {
      state.SkipWithError(ready.status().ToString().c_str());
      return;
    }
    double daemon_before = daemon.DaemonCpuSeconds();
    auto result = Stream(daemon, batch_count, 2, distinct);
    if (!result.ok()) {
      state.SkipWithError(result.status().ToString().c_str());
      return;
    }
    double million_rows = static_cast<double>(result->rows) / 1e6;
    state.counters["daemon_cpu_s/Mrow"] =
        (daemon.DaemonCpuSeconds() - daemon_before) / million_rows;
    state.counters["compactor_cpu_s/Mrow"] = daemon.ChildrenCpuSeconds() / million_rows;
    CompactionLog compactions = ParseCompactions(daemon.Log());
    state.counters["blocks"] = static_cast<double>(compactions.blocks);
    state.counters["rows/block"] =
        compactions.blocks > 0 ? static_cast<double>(compactions.rows) / compactions.blocks : 0;
    state.counters["compaction_rows/s"] =
        compactions.seconds > 0 ? static_cast<double>(compactions.rows) / compactions.seconds : 0;
    peak = daemon.PeakResidentMiB();
    state.SetIterationTime(result->seconds);
    seconds += result->seconds;
    rows += static_cast<double>(result->rows);
    bytes += static_cast<double>(result->bytes);
    daemon.Kill();
  }
  SetThroughput(state, rows, bytes, seconds);
  state.counters["load1"] = load;
  state.counters["daemon_peak_rss_MiB"] = peak;
}
BENCHMARK(BM_IngestSustained)
    ->ArgName("compactors")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// 10M rows with one producer, then SIGTERM: the daemon compacts every block
// before it exits. Reports compaction rows/s (rows per second of compactor
// time, from the debug log) and rows/s from the first Append until
// everything is persisted in column files.
void BM_IngestAndPersist(benchmark::State& state) {
  const size_t batch_count = (kStreamRows + kBatchRows - 1) / kBatchRows;
  Batches(kStreamRows);
  double load = 0;
  for (auto _ : state) {
    load = LoadAverage();
    ScratchDirectory scratch;
    Daemon daemon(scratch.path(), "log_level = \"debug\"\n");
    auto ready = daemon.Start();
    if (!ready.ok()) {
      state.SkipWithError(ready.status().ToString().c_str());
      return;
    }
    auto result = Stream(daemon, batch_count, 1);
    if (!result.ok()) {
      state.SkipWithError(result.status().ToString().c_str());
      return;
    }
    Clock::time_point terminating = Clock::now();
    Status terminated = daemon.Terminate();
    double drain = std::chrono::duration<double>(Clock::now() - terminating).count();
    if (!terminated.ok()) {
      state.SkipWithError(terminated.ToString().c_str());
      return;
    }
    double total = result->seconds + drain;
    state.SetIterationTime(total);
    CompactionLog compactions = ParseCompactions(daemon.Log());
    state.counters["acked_rows/s"] = static_cast<double>(result->rows) / result->seconds;
    state.counters["persisted_rows/s"] = static_cast<double>(result->rows) / total;
    state.counters["shutdown_s"] = drain;
    state.counters["blocks"] = static_cast<double>(compactions.blocks);
    state.counters["compaction_rows/s"] =
        compactions.seconds > 0 ? static_cast<double>(compactions.rows) / compactions.seconds : 0;
  }
  state.counters["load1"] = load;
}
BENCHMARK(BM_IngestAndPersist)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

// The seconds of the last "replayed ... in <seconds> s" line of the log.
double ReplaySeconds(const std::string& log) {
  size_t at = log.rfind("replayed ");
  if (at == std::string::npos) return 0;
  size_t in = log.find(" in ", at);
  if (in == std::string::npos) return 0;
  return std::stod(log.substr(in + 4));
}

uint64_t DirectoryBytes(const std::string& path) {
  uint64_t total = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

// Drops the page-cache pages of every file in `path`, so that a replay
// reads them from the disk.
void EvictFromPageCache(const std::string& path) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
    int descriptor = ::open(entry.path().c_str(), O_RDONLY);
    if (descriptor < 0) continue;
    ::fdatasync(descriptor);
    ::posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED);
    ::close(descriptor);
  }
}

// WAL replay at start-up. About 1 GiB of orders is ingested with nothing
// frozen (blocks as large as the WAL, max_block_age a week), the daemon is
// SIGKILLed, and the restart is timed until "ready". Arg: 1 to evict the WAL
// from the page cache first (a cold start), 0 to replay from memory.
void BM_WalReplay(benchmark::State& state) {
  const bool cold = state.range(0) != 0;
  const uint64_t rows = 34'000'000;  // ~1.05 GB of WAL
  const size_t batch_count = (rows + kBatchRows - 1) / kBatchRows;
  Batches(static_cast<uint64_t>(batch_count) * kBatchRows);
  const std::string config =
      "max_block_rows = 67108864\nmax_block_age = \"168h\"\nmax_hot_bytes = \"8GiB\"\n";
  double load = 0, wal_bytes = 0, replay_rows = 0, seconds = 0;
  for (auto _ : state) {
    ScratchDirectory scratch;
    Daemon daemon(scratch.path(), config);
    auto ready = daemon.Start();
    if (!ready.ok()) {
      state.SkipWithError(ready.status().ToString().c_str());
      return;
    }
    auto result = Stream(daemon, batch_count, 2);
    if (!result.ok()) {
      state.SkipWithError(result.status().ToString().c_str());
      return;
    }
    daemon.Kill();
    std::string wal = daemon.data_dir() + "/wal";
    wal_bytes = static_cast<double>(DirectoryBytes(wal));
    replay_rows = static_cast<double>(result->rows);
    if (cold) EvictFromPageCache(wal);
    load = LoadAverage();
    auto restarted = daemon.Start();
    if (!restarted.ok()) {
      state.SkipWithError(restarted.status().ToString().c_str());
      return;
    }
    state.SetIterationTime(*restarted);
    seconds = *restarted;
    // All the daemon did before it was ready was recovering.
    state.counters["startup_cpu_s"] = daemon.DaemonCpuSeconds();
    state.counters["replay_s"] = ReplaySeconds(daemon.Log());
    state.counters["daemon_peak_rss_MiB"] = daemon.PeakResidentMiB();
    daemon.Kill();
  }
  state.counters["wal_GB"] = wal_bytes / 1e9;
  state.counters["ready_s"] = seconds;
  state.counters["GB/s"] = seconds > 0 ? wal_bytes / 1e9 / seconds : 0;
  state.counters["rows/s"] = seconds > 0 ? replay_rows / seconds : 0;
  state.counters["load1"] = load;
}
BENCHMARK(BM_WalReplay)
    ->ArgName("cold")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace backtrace

BENCHMARK_MAIN();
