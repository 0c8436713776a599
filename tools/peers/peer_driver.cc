// RunPeer: the timing loops and the JSON lines shared by the peer runners
// (see peer_engine.h and README.md in this folder; the command line is in
// peer_options.h).
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tools/peers/file_cache.h"
#include "tools/peers/peer_engine.h"
#include "tools/peers/peer_options.h"
#include "tools/peers/peer_report.h"

namespace backtrace::peers {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
// Answers with more rows than this are reported by digest, row count and
// their first and last rows only.
constexpr size_t kFullResultRows = 200;
constexpr size_t kHeadTailRows = 5;
// Sums of doubles computed in parallel differ from run to run in the last bits.
constexpr double kAnswerTolerance = 1e-9;

void ReplaceAll(std::string* text, std::string_view from, std::string_view to) {
  size_t position = 0;
  while ((position = text->find(from, position)) != std::string::npos) {
    text->replace(position, from.size(), to);
    position += to.size();
  }
}

class Driver {
 public:
  Driver(PeerEngine* engine, const Options& options) : engine_(engine), options_(options) {}

  int Run() {
    if (options_.command == "bulk-load") return BulkLoad();
    if (options_.command == "stream-load") return StreamLoad();
    if (options_.command == "query") return Query();
    return Size();
  }

 private:
  JsonLine Line() const {
    JsonLine line;
    line.Add("system", engine_->system()).Add("version", engine_->version()).Add("command", options_.command);
    return line;
  }

  int Fail(const std::string& error) {
    std::string ignored;
    (void)engine_->Close(&ignored);
    Line().Add("error", error).Print();
    std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(engine_->system().size()), engine_->system().data(),
                 error.c_str());
    return kExitFailure;
  }

  bool RefuseExisting(const std::string& database, std::string* error) const {
    for (const std::string& path : engine_->DatabaseFiles(database)) {
      struct stat info {};
      if (::stat(path.c_str(), &info) == 0) {
        *error = path + " already exists; remove the database first";
        return false;
      }
    }
    return true;
  }

  void AddServerFigures(JsonLine* line) const {
    for (const auto& [key, value] : engine_->ServerFigures()) line->Add(key, value);
  }

  void AddFootprint(JsonLine* line, const std::string& database) const {
    FileFootprint footprint;
    std::string error;
    if (!MeasureFiles(engine_->DatabaseFiles(database), &footprint, &error)) {
      line->Add("footprint_error", error);
      return;
    }
    line->Add("files", footprint.files)
        .Add("bytes_on_disk", footprint.allocated_bytes)
        .Add("apparent_bytes", footprint.apparent_bytes);
    for (const auto& [part, bytes] : engine_->FootprintParts(database)) line->Add("bytes_on_disk_" + part, bytes);
  }

  int BulkLoad() {
    const std::string& database = options_.positional[0];
    const std::string& csv = options_.positional[1];
    std::string error;
    if (!RefuseExisting(database, &error)) return Fail(error);
    LoadReport report;
    double cpu_start = ProcessCpuSeconds();
    Stopwatch total;
    if (!engine_->BulkLoad(database, csv, &report, &error)) return Fail(error);
    double seconds = total.Seconds();
    double cpu_seconds = ProcessCpuSeconds() - cpu_start;
    std::string phases = "{";
    for (size_t i = 0; i < report.phases.size(); ++i) {
      if (i > 0) phases += ',';
      phases += JsonString(report.phases[i].first) + ":" + JsonNumber(report.phases[i].second);
    }
    phases += "}";
    JsonLine line = Line();
    line.Add("database", database)
        .Add("csv", csv)
        .Add("rows", report.rows)
        .Add("seconds", seconds)
        .Add("rows_per_second", static_cast<double>(report.rows) / seconds)
        .Add("cpu_seconds", cpu_seconds)
        .AddRaw("phases", phases);
    AddServerFigures(&line);
    AddFootprint(&line, database);
    line.Add("peak_rss_bytes", PeakResidentBytes()).AddRaw("load_average", LoadAverageJson()).Print();
    return 0;
  }

  int StreamLoad() {
    const std::string& database = options_.positional[0];
    const std::string& csv = options_.positional[1];
    std::string error;
    if (!RefuseExisting(database, &error)) return Fail(error);
    StreamOptions stream_options;
    stream_options.create_indexes = options_.create_indexes;

    double cpu_start = ProcessCpuSeconds();
    Stopwatch total;
    OrdersCsvReader reader;
    if (!reader.Open(csv, &error)) return Fail(error);
    if (!engine_->StreamBegin(database, stream_options, &error)) return Fail(error);
    std::vector<double> commit_seconds;
    uint64_t in_batch = 0;
    OrderRow row;
    while (true) {
      OrdersCsvReader::Outcome outcome = reader.Read(&row, &error);
      if (outcome == OrdersCsvReader::Outcome::kError) return Fail(error);
      if (outcome == OrdersCsvReader::Outcome::kEnd) break;
      if (!engine_->StreamAppend(row, &error)) return Fail(error);
      if (++in_batch == options_.batch_rows) {
        Stopwatch commit;
        if (!engine_->StreamCommit(&error)) return Fail(error);
        commit_seconds.push_back(commit.Seconds());
        in_batch = 0;
      }
    }
    if (in_batch > 0) {
      Stopwatch commit;
      if (!engine_->StreamCommit(&error)) return Fail(error);
      commit_seconds.push_back(commit.Seconds());
    }
    if (!engine_->StreamEnd(&error)) return Fail(error);
    double seconds = total.Seconds();  // every row committed durably by now
    double cpu_seconds = ProcessCpuSeconds() - cpu_start;
    Stopwatch close;
    if (!engine_->Close(&error)) return Fail(error);
    double close_seconds = close.Seconds();
    if (std::vector<double> acknowledged = engine_->AcknowledgedCommitSeconds(); !acknowledged.empty()) {
      commit_seconds = std::move(acknowledged);
    }
    double commit_total = 0;
    for (double value : commit_seconds) commit_total += value;

    uint64_t rows = reader.rows_read();
    JsonLine line = Line();
    line.Add("database", database)
        .Add("csv", csv)
        .Add("rows", rows)
        .Add("batch_rows", options_.batch_rows)
        .Add("commits", static_cast<uint64_t>(commit_seconds.size()))
        .Add("indexes", engine_->StreamIndexes(stream_options))
        .Add("seconds", seconds)
        .Add("rows_per_second", static_cast<double>(rows) / seconds)
        .Add("cpu_seconds", cpu_seconds)
        .Add("commit_seconds_total", commit_total)
        .Add("commit_seconds_p50", Quantile(commit_seconds, 0.5))
        .Add("commit_seconds_p99", Quantile(commit_seconds, 0.99))
        .Add("commit_seconds_max", Quantile(commit_seconds, 1.0))
        .Add("close_seconds", close_seconds)
        .Add("rows_per_second_including_close", static_cast<double>(rows) / (seconds + close_seconds));
    AddServerFigures(&line);
    AddFootprint(&line, database);
    line.Add("peak_rss_bytes", PeakResidentBytes()).AddRaw("load_average", LoadAverageJson()).Print();
    return 0;
  }

  int Query() {
    const std::string& database = options_.positional[0];
    std::string error;
    std::vector<std::string> files = engine_->DatabaseFiles(database);
    {
      struct stat info {};
      if (::stat(files[0].c_str(), &info) != 0) return Fail(files[0] + ": " + std::strerror(errno));
    }
    std::vector<PeerQuery> queries = engine_->Queries(options_.window_start);
    std::set<std::string> unknown = options_.queries;
    for (const PeerQuery& query : queries) unknown.erase(query.name);
    if (!unknown.empty()) return Fail("unknown query " + *unknown.begin());

    std::string settings;
    for (const PeerQuery& query : queries) {
      if (!options_.queries.empty() && options_.queries.count(query.name) == 0) continue;
      // Every query starts on a freshly opened database whose files were
      // dropped from the page cache (unless --cold none).
      if (!engine_->Close(&error)) return Fail(error);
      // The file list is taken afresh: a system may add files as it runs.
      files = engine_->DatabaseFiles(database);
      if (!DropFileCache(files, options_.cold, &error)) return Fail("dropping the page cache: " + error);
      uint64_t resident_before = ResidentBytes(files);
      Stopwatch open;
      if (!engine_->Open(database, &error)) return Fail(error);
      double open_seconds = open.Seconds();
      if (settings.empty()) {
        settings = "{";
        for (const auto& [key, value] : engine_->Settings()) {
          if (settings.size() > 1) settings += ',';
          settings += JsonString(key) + ":" + JsonString(value);
        }
        settings += "}";
      }

      ResultTable cold_result;
      double cold_cpu_start = ProcessCpuSeconds();
      Stopwatch cold;
      if (!engine_->Run(query.sql, &cold_result, &error)) return Fail(query.name + ": " + error);
      double cold_seconds = cold.Seconds();
      double cold_cpu_seconds = ProcessCpuSeconds() - cold_cpu_start;

      ResultTable result;
      std::vector<double> warm_seconds;
      std::vector<double> warm_cpu_seconds;
      for (int run = 0; run < options_.repeat; ++run) {
        double cpu_start = ProcessCpuSeconds();
        Stopwatch warm;
        if (!engine_->Run(query.sql, &result, &error)) return Fail(query.name + ": " + error);
        warm_seconds.push_back(warm.Seconds());
        warm_cpu_seconds.push_back(ProcessCpuSeconds() - cpu_start);
      }
      std::string digest = Digest(result);

      JsonLine line = Line();
      line.Add("database", database)
          .Add("query", query.name)
          .Add("sql", query.sql)
          .Add("cold_method", ColdMethodName(options_.cold))
          .Add("resident_bytes_before_cold_run", resident_before)
          .Add("open_seconds", open_seconds)
          .Add("cold_seconds", cold_seconds)
          .Add("warm_seconds", warm_seconds)
          .Add("warm_median_seconds", Median(warm_seconds))
          .Add("cold_cpu_seconds", cold_cpu_seconds)
          .Add("warm_cpu_seconds", warm_cpu_seconds)
          .Add("warm_median_cpu_seconds", Median(warm_cpu_seconds))
          .Add("cold_answer_matches_warm", AnswersAgree(cold_result, result, kAnswerTolerance))
          .Add("rows", static_cast<uint64_t>(result.row_count()));
      std::string columns = "[";
      for (size_t i = 0; i < result.columns.size(); ++i) {
        if (i > 0) columns += ',';
        columns += JsonString(result.columns[i]);
      }
      columns += "]";
      line.AddRaw("columns", columns).Add("digest", digest);
      if (result.row_count() <= kFullResultRows) {
        line.AddRaw("result", RowsJson(result, 0, result.row_count()));
      } else {
        line.AddRaw("head", RowsJson(result, 0, kHeadTailRows))
            .AddRaw("tail", RowsJson(result, result.row_count() - kHeadTailRows, kHeadTailRows));
      }
      if (options_.explain) line.Add("plan", engine_->Explain(query.sql));
      line.Print();
    }
    if (!engine_->Close(&error)) return Fail(error);
    JsonLine summary = Line();
    summary.Add("database", database)
        .Add("summary", true)
        .Add("window_start", options_.window_start)
        .Add("repeat", options_.repeat)
        .AddRaw("settings", settings.empty() ? "{}" : settings)
        .Add("peak_rss_bytes", PeakResidentBytes())
        .AddRaw("load_average", LoadAverageJson());
    AddServerFigures(&summary);
    AddFootprint(&summary, database);
    summary.Print();
    return 0;
  }

  int Size() {
    const std::string& database = options_.positional[0];
    JsonLine line = Line();
    line.Add("database", database);
    AddFootprint(&line, database);
    line.Print();
    return 0;
  }

  PeerEngine* engine_;
  const Options& options_;
};

}  // namespace

std::string BindWindow(std::string_view sql, int64_t window_start) {
  std::string bound(sql);
  ReplaceAll(&bound, "{hour_start}", std::to_string(window_start));
  ReplaceAll(&bound, "{hour_end}", std::to_string(window_start + 60 * kNanosPerMinute));
  ReplaceAll(&bound, "{ten_minutes_end}", std::to_string(window_start + 10 * kNanosPerMinute));
  return bound;
}

int RunPeer(int argc, char** argv, PeerEngine* engine) {
  Options options;
  std::string_view program = argc > 0 ? argv[0] : "runner";
  if (std::optional<std::string> usage_error = ParseOptions(argc, argv, &options)) {
    if (!usage_error->empty()) std::fprintf(stderr, "%s\n", usage_error->c_str());
    PrintUsage(program);
    return usage_error->empty() ? 0 : kExitUsage;
  }
  std::string error;
  if (!engine->Load(options.library, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return kExitFailure;
  }
  Driver driver(engine, options);
  return driver.Run();
}

}  // namespace backtrace::peers
