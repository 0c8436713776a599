// Column file encode and decode speed, and compressed size, per column of a
// generated orders table (ts, symbol, price, qty; 1,000,000 rows, seed 1).
//
//   Encode/<column>  EncodeColumnFile of the whole column, in memory
//   Decode/<column>  ColumnFileReader::ReadAll of that file into one vector
//                    (checksums verified, zstd undone where used)
//   Scan/<column>    ReadGranule of each granule in turn into one reused
//                    vector, as a query scan reads (the output stays in cache)
//   */table          all four columns one after the other
//   */table_by_symbol  the same rows sorted by (symbol, ts), as a block
//                    sorted by that key would be
//
// Counters: speed = raw bytes per CPU second (ColumnVector::ByteSize(): 8
// per number, string bytes + 4 per string; SI units, so 1.2G/s is
// 1200 MB/s); raw_bytes and file_bytes of the columns, ratio = raw_bytes /
// file_bytes, and for whole tables <column>_bytes, each column's file size.
// Results are in benchmarks/column_file_benchmark.md.
#include <benchmark/benchmark.h>

#include <algorithm>
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

// The generated table in one row order, with each column encoded once so
// that the decode benchmarks have files to read.
struct Table {
  generate::OrdersChunk chunk;
  std::vector<Column> columns;
};

void EncodeColumns(Table* table) {
  const ColumnVector* vectors[] = {&table->chunk.ts, &table->chunk.symbol, &table->chunk.price,
                                   &table->chunk.qty};
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
    table->columns.push_back(std::move(column));
  }
}

// The table as generated: in time order.
Table& TimeOrdered() {
  static Table* table = [] {
    auto* made = new Table;
    generate::OrdersGenerator generator(kSeed);
    generator.Next(kRows, &made->chunk);
    EncodeColumns(made);
    return made;
  }();
  return *table;
}

// The same rows sorted by (symbol, ts), as a block sorted by that key is.
Table& SymbolOrdered() {
  static Table* table = [] {
    const generate::OrdersChunk& source = TimeOrdered().chunk;
    std::vector<uint32_t> order(source.rows());
    for (uint32_t row = 0; row < order.size(); ++row) order[row] = row;
    const StringValues& symbols = source.symbol.strings();
    // Rows are already in time order, so a stable sort by symbol suffices.
    std::stable_sort(order.begin(), order.end(), [&symbols](uint32_t a, uint32_t b) {
      return symbols.at(a) < symbols.at(b);
    });
    auto* made = new Table;
    for (uint32_t row : order) {
      made->chunk.ts.int64s().push_back(source.ts.int64s()[row]);
      made->chunk.symbol.strings().push_back(symbols.at(row));
      made->chunk.price.float64s().push_back(source.price.float64s()[row]);
      made->chunk.qty.int64s().push_back(source.qty.int64s()[row]);
    }
    EncodeColumns(made);
    return made;
  }();
  return *table;
}

// speed (raw bytes per CPU second), raw_bytes, file_bytes and ratio of the
// columns [first, last); for several columns also each one's file size.
void SetCounters(benchmark::State& state, const Table& table, size_t first, size_t last) {
  uint64_t raw_bytes = 0, file_bytes = 0;
  for (size_t i = first; i < last; ++i) {
    raw_bytes += table.columns[i].values->ByteSize();
    file_bytes += table.columns[i].file.size();
    if (last - first > 1) {
      state.counters[table.columns[i].name + "_bytes"] =
          static_cast<double>(table.columns[i].file.size());
    }
  }
  state.counters["speed"] = benchmark::Counter(
      static_cast<double>(raw_bytes) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate, benchmark::Counter::OneK::kIs1000);
  state.counters["raw_bytes"] = static_cast<double>(raw_bytes);
  state.counters["file_bytes"] = static_cast<double>(file_bytes);
  state.counters["ratio"] = static_cast<double>(raw_bytes) / static_cast<double>(file_bytes);
}

// Encodes the columns [first, last) once per iteration.
void Encode(benchmark::State& state, Table& table, size_t first, size_t last) {
  for (auto _ : state) {
    for (size_t i = first; i < last; ++i) {
      Result<std::string> file = column::EncodeColumnFile(*table.columns[i].values, {}, nullptr);
      if (!file.ok()) Die(file.status());
      benchmark::DoNotOptimize(file->data());
    }
  }
  SetCounters(state, table, first, last);
}

// Reads the columns [first, last) back with ReadAll once per iteration.
void Decode(benchmark::State& state, Table& table, size_t first, size_t last) {
  std::vector<ColumnVector> outputs;
  for (size_t i = first; i < last; ++i) outputs.emplace_back(table.columns[i].values->type());
  for (auto _ : state) {
    for (size_t i = first; i < last; ++i) {
      ColumnVector& out = outputs[i - first];
      out.Clear();  // keeps the capacity, as a reader reusing its buffers would
      Status status = table.columns[i].reader->ReadAll(&out);
      if (!status.ok()) Die(status);
      benchmark::DoNotOptimize(out.size());
    }
  }
  SetCounters(state, table, first, last);
}

// Reads the columns [first, last) granule by granule into one reused
// vector per column, as a query scan does.
void Scan(benchmark::State& state, Table& table, size_t first, size_t last) {
  std::vector<ColumnVector> outputs;
  for (size_t i = first; i < last; ++i) outputs.emplace_back(table.columns[i].values->type());
  for (auto _ : state) {
    for (size_t i = first; i < last; ++i) {
      ColumnVector& out = outputs[i - first];
      const column::ColumnFileReader& reader = *table.columns[i].reader;
      for (size_t granule = 0; granule < reader.granule_count(); ++granule) {
        out.Clear();
        Status status = reader.ReadGranule(granule, &out);
        if (!status.ok()) Die(status);
        benchmark::DoNotOptimize(out.size());
      }
    }
  }
  SetCounters(state, table, first, last);
}

using Runner = void (*)(benchmark::State&, Table&, size_t, size_t);

void Register(const std::string& name, Runner runner, Table& (*table)(), size_t first,
              size_t last) {
  benchmark::RegisterBenchmark(name.c_str(),
                               [=](benchmark::State& state) {
                                 runner(state, table(), first, last);
                               })
      ->Unit(benchmark::kMillisecond);
}

void RegisterAll() {
  const size_t count = generate::kOrdersColumns.size();
  const std::pair<const char*, Runner> kinds[] = {
      {"Encode/", &Encode}, {"Decode/", &Decode}, {"Scan/", &Scan}};
  for (const auto& [prefix, runner] : kinds) {
    for (size_t i = 0; i < count; ++i) {
      Register(prefix + std::string(generate::kOrdersColumns[i].name), runner, &TimeOrdered, i,
               i + 1);
    }
    Register(prefix + std::string("table"), runner, &TimeOrdered, 0, count);
  }
  Register("Encode/table_by_symbol", &Encode, &SymbolOrdered, 0, count);
  Register("Scan/table_by_symbol", &Scan, &SymbolOrdered, 0, count);
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
