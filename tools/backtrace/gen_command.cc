// backtrace gen orders: writes the deterministic synthetic orders table
// (common/generate/orders_generator.h) as CSV to standard output:
//   ts,symbol,price,qty
//   1704067200000000000,BTC,45000.12,17
// ts in integer nanoseconds, price with two decimals (the generator makes
// whole cents). Rows are formatted with std::to_chars into a buffer that is
// written in large pieces.
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include "common/base/file.h"
#include "common/generate/orders_generator.h"
#include "tools/backtrace/commands.h"

namespace backtrace::cli {
namespace {

constexpr size_t kChunkRows = 8192;
constexpr size_t kFlushBytes = size_t{1} << 20;
// Longest formatted row: 20 + 1 + symbol + 1 + 21 + 1 + 20 + 1.
constexpr size_t kMaxRowBytes = 128;

struct GenOptions {
  uint64_t rows = 0;
  uint64_t seed = 1;
};

char* WriteInteger(char* out, int64_t value) {
  return std::to_chars(out, out + 24, value).ptr;
}

// Whole cents as "<units>.<2 digits>".
char* WritePrice(char* out, double price) {
  int64_t cents = std::llround(price * 100.0);
  if (cents < 0) {
    *out++ = '-';
    cents = -cents;
  }
  out = WriteInteger(out, cents / 100);
  int64_t fraction = cents % 100;
  *out++ = '.';
  *out++ = static_cast<char>('0' + fraction / 10);
  *out++ = static_cast<char>('0' + fraction % 10);
  return out;
}

int RunOrders(const GenOptions& options) {
  io::File output(::dup(STDOUT_FILENO), "<stdout>");
  if (!output.is_open()) return PrintError(Status::FromErrno(errno, "standard output"));
  generate::OrdersGenerator generator(options.seed);
  generate::OrdersChunk chunk;
  std::string buffer;
  buffer.resize(kFlushBytes + kChunkRows * kMaxRowBytes);
  static constexpr std::string_view kHeader = "ts,symbol,price,qty\n";
  char* out = buffer.data();
  out = std::copy(kHeader.begin(), kHeader.end(), out);
  uint64_t remaining = options.rows;
  while (remaining > 0) {
    size_t rows = static_cast<size_t>(std::min<uint64_t>(remaining, kChunkRows));
    generator.Next(rows, &chunk);
    const auto& timestamps = chunk.ts.int64s();
    const StringValues& symbols = chunk.symbol.strings();
    const auto& prices = chunk.price.float64s();
    const auto& quantities = chunk.qty.int64s();
    for (size_t row = 0; row < rows; ++row) {
      out = WriteInteger(out, timestamps[row]);
      *out++ = ',';
      std::string_view symbol = symbols.at(row);
      out = std::copy(symbol.begin(), symbol.end(), out);
      *out++ = ',';
      out = WritePrice(out, prices[row]);
      *out++ = ',';
      out = WriteInteger(out, quantities[row]);
      *out++ = '\n';
    }
    remaining -= rows;
    size_t filled = static_cast<size_t>(out - buffer.data());
    if (filled >= kFlushBytes) {
      Status written = io::WriteAll(output, buffer.data(), filled);
      if (!written.ok()) return PrintError(written);
      out = buffer.data();
    }
  }
  Status written = io::WriteAll(output, buffer.data(), static_cast<size_t>(out - buffer.data()));
  if (!written.ok()) return PrintError(written);
  return kExitSuccess;
}

}  // namespace

void AddGenCommand(CLI::App* app, Context* context) {
  CLI::App* gen = app->add_subcommand("gen", "Generate synthetic data as CSV on standard output");
  gen->require_subcommand(1);
  gen->footer("Example:\n  backtrace gen orders --rows 1000000 --seed 7 > orders.csv");

  auto options = std::make_shared<GenOptions>();
  CLI::App* orders = gen->add_subcommand(
      "orders",
      "Orders (ts,symbol,price,qty): ts rising from 2024-01-01 by 1..2000 us per row, 100 "
      "symbols (BTC ~30%), prices a random walk in cents, qty 1..1000. The same seed gives the "
      "same rows.");
  orders->add_option("--rows", options->rows, "number of rows")->required()->type_name("N");
  orders->add_option("--seed", options->seed, "random seed")->capture_default_str()->type_name("S");
  orders->footer(
      "Example:\n"
      "  backtrace gen orders --rows 1000000 > orders.csv\n"
      "  backtrace gen orders --rows 1000000 --seed 7 | backtrace ingest orders -");
  orders->callback([options, context] { context->exit_code = RunOrders(*options); });
}

}  // namespace backtrace::cli
