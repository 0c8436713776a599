// CSV ingest parsing and timestamp text throughput. The orders CSV (ts as
// integer nanoseconds or ISO 8601, symbol from 100 names, price with two
// decimals, qty) is generated in memory so that only parsing is measured.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/text/byte_source.h"
#include "common/text/csv_reader.h"
#include "common/text/timestamp_format.h"

namespace backtrace {
namespace {

constexpr int64_t kStart = 1'704'153'600'000'000'000;  // 2024-01-02T00:00:00Z
constexpr size_t kRows = 1'000'000;

const CsvReader::Columns kOrders = {{"ts", ColumnType::kTimestamp},
                                    {"symbol", ColumnType::kString},
                                    {"price", ColumnType::kFloat64},
                                    {"qty", ColumnType::kInt64}};

std::string MakeOrdersCsv(bool iso_timestamps) {
  std::mt19937_64 random(42);
  std::string csv = "ts,symbol,price,qty\n";
  csv.reserve(kRows * 64);
  int64_t ts = kStart;
  char line[128];
  for (size_t i = 0; i < kRows; ++i) {
    ts += 1 + static_cast<int64_t>(random() % 2'000'000);
    const unsigned symbol = static_cast<unsigned>(random() % 100);
    const unsigned cents = 1'000 + static_cast<unsigned>(random() % 99'000);
    const unsigned qty = 1 + static_cast<unsigned>(random() % 1'000);
    if (iso_timestamps) {
      AppendTimestamp(&csv, ts);
    } else {
      csv += std::to_string(ts);
    }
    std::snprintf(line, sizeof(line), ",SYM%03u,%u.%02u,%u\n", symbol, cents / 100, cents % 100, qty);
    csv += line;
  }
  return csv;
}

const std::string& OrdersCsv(bool iso_timestamps) {
  static const std::string integer = MakeOrdersCsv(false);
  static const std::string iso = MakeOrdersCsv(true);
  return iso_timestamps ? iso : integer;
}

void ParseOrders(benchmark::State& state, bool iso_timestamps) {
  const std::string& csv = OrdersCsv(iso_timestamps);
  const size_t batch_rows = static_cast<size_t>(state.range(0));
  std::vector<ColumnVector> batch;
  for (auto _ : state) {
    Result<CsvReader> reader = CsvReader::Open(kOrders, std::make_unique<StringByteSource>(csv));
    if (!reader.ok()) {
      state.SkipWithError(reader.status().ToString().c_str());
      return;
    }
    size_t rows = 0;
    while (true) {
      Result<size_t> count = reader->ReadBatch(batch_rows, &batch);
      if (!count.ok()) {
        state.SkipWithError(count.status().ToString().c_str());
        return;
      }
      if (*count == 0) break;
      rows += *count;
      benchmark::DoNotOptimize(batch[0].int64s().data());
    }
    if (rows != kRows) state.SkipWithError("wrong row count");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * csv.size()));
  state.counters["bytes_per_row"] = static_cast<double>(csv.size()) / kRows;
}

void BM_CsvParseOrders(benchmark::State& state) { ParseOrders(state, false); }
BENCHMARK(BM_CsvParseOrders)->Arg(8192)->Arg(65536)->Unit(benchmark::kMillisecond);

void BM_CsvParseOrdersIsoTimestamps(benchmark::State& state) { ParseOrders(state, true); }
BENCHMARK(BM_CsvParseOrdersIsoTimestamps)->Arg(65536)->Unit(benchmark::kMillisecond);

std::vector<int64_t> SampleTimestamps() {
  std::mt19937_64 random(7);
  std::vector<int64_t> values(4096);
  for (int64_t& value : values) value = kStart + static_cast<int64_t>(random() % (int64_t{1} << 55));
  return values;
}

void BM_TimestampParseInteger(benchmark::State& state) {
  std::vector<std::string> texts;
  for (int64_t value : SampleTimestamps()) texts.push_back(std::to_string(value));
  size_t i = 0;
  int64_t nanos = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(TryParseTimestamp(texts[i++ & 4095], &nanos));
    benchmark::DoNotOptimize(nanos);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_TimestampParseInteger);

void BM_TimestampParseIso(benchmark::State& state) {
  std::vector<std::string> texts;
  for (int64_t value : SampleTimestamps()) texts.push_back(FormatTimestamp(value));
  size_t i = 0;
  int64_t nanos = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(TryParseTimestamp(texts[i++ & 4095], &nanos));
    benchmark::DoNotOptimize(nanos);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_TimestampParseIso);

void BM_TimestampFormat(benchmark::State& state) {
  const std::vector<int64_t> values = SampleTimestamps();
  std::string out;
  size_t i = 0;
  for (auto _ : state) {
    out.clear();
    AppendTimestamp(&out, values[i++ & 4095]);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_TimestampFormat);

}  // namespace
}  // namespace backtrace

BENCHMARK_MAIN();
