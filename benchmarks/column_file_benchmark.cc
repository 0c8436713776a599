// Column file encode and decode speed, and compressed size, per column of a
// generated orders table (ts, symbol, price, qty; 1,000,000 rows, seed 1).
//
//   Encode/<column>  EncodeColumnFile of the whole column, in memory
//   Decode/<column>  ColumnFileReader::ReadAll of that file into one vector
//                    (checksums verified, zstd undone where used)
//   Scan/<column>    ReadGranule of each granule in turn into one reused
//                    vector, as a query scan reads (the output stays in cache)
//   */table          all four columns one after the other
//
// Counters: speed = raw bytes per second (ColumnVector::ByteSize(): 8 per
// number, string bytes + 4 per string; SI units, so 1.2G/s is 1200 MB/s);
// raw_bytes and file_bytes of the column; ratio = raw_bytes / file_bytes.
// Results are in benchmarks/column_file_benchmark.md.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common/column/column_file_reader.h"
#include "common/column/column_file_writer.h"
#include "common/generate/orders_generator.h"

namespace backtrace {
namespace {

constexpr size_t kRows = 1000000;
constexpr uint64_t kSeed = 1;

struct Column {
  std::string name;
  const ColumnVector* values;
  std::string file;
  std::unique_ptr<column::ColumnFileReader> reader;
};

[[noreturn]] void Die(const Status& status) {
  std::fprintf(stderr, "column_file_benchmark: %s\n", status.ToString().c_str());
  std::exit(1);
}

generate::OrdersChunk& Orders() {
  static generate::OrdersChunk chunk = [] {
    generate::OrdersChunk generated;
    generate::OrdersGenerator generator(kSeed);
    generator.Next(kRows, &generated);
    return generated;
  }();
  return chunk;
}

std::vector<Column>& Columns() {
  static std::vector<Column> columns = [] {
    generate::OrdersChunk& orders = Orders();
    std::vector<Column> made;
    const ColumnVector* vectors[] = {&orders.ts, &orders.symbol, &orders.price, &orders.qty};
    for (size_t i = 0; i < generate::kOrdersColumns.size(); ++i) {
      Column column;
      column.name = std::string(generate::kOrdersColumns[i].name);
      column.values = vectors[i];
      Result<std::string> file = column::EncodeColumnFile(*vectors[i], {}, nullptr);
      if (!file.ok()) Die(file.status());
      column.file = *file;
      auto reader = column::ColumnFileReader::FromBuffer(*std::move(file), column.name + ".col");
      if (!reader.ok()) Die(reader.status());
      column.reader = *std::move(reader);
      made.push_back(std::move(column));
    }
    return made;
  }();
  return columns;
}

void SetCounters(benchmark::State& state, uint64_t raw_bytes, uint64_t file_bytes) {
  state.counters["speed"] = benchmark::Counter(
      static_cast<double>(raw_bytes) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate, benchmark::Counter::OneK::kIs1000);
  state.counters["raw_bytes"] = static_cast<double>(raw_bytes);
  state.counters["file_bytes"] = static_cast<double>(file_bytes);
  state.counters["ratio"] = static_cast<double>(raw_bytes) / static_cast<double>(file_bytes);
}

// Encodes the columns [first, last) once per iteration.
void Encode(benchmark::State& state, size_t first, size_t last) {
  std::vector<Column>& columns = Columns();
  uint64_t raw_bytes = 0, file_bytes = 0;
  for (auto _ : state) {
    raw_bytes = file_bytes = 0;
    for (size_t i = first; i < last; ++i) {
      column::ColumnFileSummary summary;
      Result<std::string> file = column::EncodeColumnFile(*columns[i].values, {}, &summary);
      if (!file.ok()) Die(file.status());
      benchmark::DoNotOptimize(file->data());
      raw_bytes += summary.raw_bytes;
      file_bytes += summary.file_bytes;
    }
  }
  SetCounters(state, raw_bytes, file_bytes);
}

// Reads the columns [first, last) back once per iteration.
void Decode(benchmark::State& state, size_t first, size_t last) {
  std::vector<Column>& columns = Columns();
  std::vector<ColumnVector> outputs;
  uint64_t raw_bytes = 0, file_bytes = 0;
  for (size_t i = first; i < last; ++i) {
    outputs.emplace_back(columns[i].values->type());
    raw_bytes += columns[i].values->ByteSize();
    file_bytes += columns[i].file.size();
  }
  for (auto _ : state) {
    for (size_t i = first; i < last; ++i) {
      ColumnVector& out = outputs[i - first];
      out.Clear();  // keeps the capacity, as a scan reusing its buffers would
      Status status = columns[i].reader->ReadAll(&out);
      if (!status.ok()) Die(status);
      benchmark::DoNotOptimize(out.size());
    }
  }
  SetCounters(state, raw_bytes, file_bytes);
}

// Reads the columns [first, last) granule by granule into one reused
// vector per column, as a query scan does.
void Scan(benchmark::State& state, size_t first, size_t last) {
  std::vector<Column>& columns = Columns();
  std::vector<ColumnVector> outputs;
  uint64_t raw_bytes = 0, file_bytes = 0;
  for (size_t i = first; i < last; ++i) {
    outputs.emplace_back(columns[i].values->type());
    raw_bytes += columns[i].values->ByteSize();
    file_bytes += columns[i].file.size();
  }
  for (auto _ : state) {
    for (size_t i = first; i < last; ++i) {
      ColumnVector& out = outputs[i - first];
      const column::ColumnFileReader& reader = *columns[i].reader;
      for (size_t granule = 0; granule < reader.granule_count(); ++granule) {
        out.Clear();
        Status status = reader.ReadGranule(granule, &out);
        if (!status.ok()) Die(status);
        benchmark::DoNotOptimize(out.size());
      }
    }
  }
  SetCounters(state, raw_bytes, file_bytes);
}

void RegisterAll() {
  const size_t count = generate::kOrdersColumns.size();
  for (size_t i = 0; i < count; ++i) {
    std::string name(generate::kOrdersColumns[i].name);
    benchmark::RegisterBenchmark(("Encode/" + name).c_str(),
                                 [i](benchmark::State& state) { Encode(state, i, i + 1); })
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("Encode/table",
                               [count](benchmark::State& state) { Encode(state, 0, count); })
      ->Unit(benchmark::kMillisecond);
  for (size_t i = 0; i < count; ++i) {
    std::string name(generate::kOrdersColumns[i].name);
    benchmark::RegisterBenchmark(("Decode/" + name).c_str(),
                                 [i](benchmark::State& state) { Decode(state, i, i + 1); })
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("Decode/table",
                               [count](benchmark::State& state) { Decode(state, 0, count); })
      ->Unit(benchmark::kMillisecond);
  for (size_t i = 0; i < count; ++i) {
    std::string name(generate::kOrdersColumns[i].name);
    benchmark::RegisterBenchmark(("Scan/" + name).c_str(),
                                 [i](benchmark::State& state) { Scan(state, i, i + 1); })
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("Scan/table",
                               [count](benchmark::State& state) { Scan(state, 0, count); })
      ->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace backtrace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  backtrace::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
