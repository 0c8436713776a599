// orders_csv_generator: writes the deterministic synthetic orders table
// (common/generate/orders_generator.h) as the CSV the peer runners load:
//   ts,symbol,price,qty
//   1704067200000000000,BTC,45000.12,17
// ts in integer nanoseconds, price with two decimals (the generator makes
// whole cents), the same text as `backtrace gen orders` for the same seed.
//
//   orders_csv_generator --rows N [--seed S] [--output PATH]   (default: stdout)
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/base/file.h"
#include "common/generate/orders_generator.h"

namespace backtrace::peers {
namespace {

constexpr size_t kChunkRows = 8192;
constexpr size_t kFlushBytes = size_t{1} << 20;
constexpr size_t kMaxRowBytes = 128;  // 20 + 1 + symbol + 1 + 24 + 1 + 20 + 1

char* WriteInteger(char* out, int64_t value) { return std::to_chars(out, out + 24, value).ptr; }

// Whole cents as "<units>.<two digits>".
char* WritePrice(char* out, double price) {
  int64_t cents = std::llround(price * 100.0);
  if (cents < 0) {
    *out++ = '-';
    cents = -cents;
  }
  out = WriteInteger(out, cents / 100);
  *out++ = '.';
  *out++ = static_cast<char>('0' + cents % 100 / 10);
  *out++ = static_cast<char>('0' + cents % 10);
  return out;
}

int Fail(const Status& status) {
  std::fprintf(stderr, "orders_csv_generator: %s\n", status.ToString().c_str());
  return 1;
}

int Usage(const char* message) {
  std::fprintf(stderr, "orders_csv_generator: %s\nusage: orders_csv_generator --rows N [--seed S] [--output PATH]\n",
               message);
  return 2;
}

bool ParseUnsigned(const char* text, uint64_t* value) {
  std::string_view view(text);
  auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), *value);
  return error == std::errc() && end == view.data() + view.size();
}

int Generate(int argc, char** argv) {
  uint64_t rows = 0;
  uint64_t seed = 1;
  bool have_rows = false;
  std::string output_path;
  for (int i = 1; i < argc; ++i) {
    std::string_view argument = argv[i];
    if (i + 1 >= argc) return Usage("every option takes a value");
    const char* value = argv[++i];
    if (argument == "--rows") {
      if (!ParseUnsigned(value, &rows)) return Usage("--rows needs a non-negative integer");
      have_rows = true;
    } else if (argument == "--seed") {
      if (!ParseUnsigned(value, &seed)) return Usage("--seed needs a non-negative integer");
    } else if (argument == "--output") {
      output_path = value;
    } else {
      return Usage("unknown option");
    }
  }
  if (!have_rows) return Usage("--rows is required");

  io::File output;
  if (output_path.empty()) {
    output = io::File(::dup(STDOUT_FILENO), "<stdout>");
  } else {
    Result<io::File> opened = io::OpenFile(output_path, O_WRONLY | O_CREAT | O_TRUNC);
    if (!opened.ok()) return Fail(opened.status());
    output = std::move(opened).value();
  }
  if (!output.is_open()) return Usage("cannot use standard output");

  generate::OrdersGenerator generator(seed);
  generate::OrdersChunk chunk;
  std::string buffer(kFlushBytes + kChunkRows * kMaxRowBytes, '\0');
  constexpr std::string_view kHeader = "ts,symbol,price,qty\n";
  char* out = std::copy(kHeader.begin(), kHeader.end(), buffer.data());
  for (uint64_t remaining = rows; remaining > 0;) {
    size_t count = static_cast<size_t>(std::min<uint64_t>(remaining, kChunkRows));
    generator.Next(count, &chunk);
    const auto& timestamps = chunk.ts.int64s();
    const auto& prices = chunk.price.float64s();
    const auto& quantities = chunk.qty.int64s();
    for (size_t row = 0; row < count; ++row) {
      out = WriteInteger(out, timestamps[row]);
      *out++ = ',';
      std::string_view symbol = chunk.symbol.strings().at(row);
      out = std::copy(symbol.begin(), symbol.end(), out);
      *out++ = ',';
      out = WritePrice(out, prices[row]);
      *out++ = ',';
      out = WriteInteger(out, quantities[row]);
      *out++ = '\n';
    }
    remaining -= count;
    size_t filled = static_cast<size_t>(out - buffer.data());
    if (filled >= kFlushBytes) {
      Status written = io::WriteAll(output, buffer.data(), filled);
      if (!written.ok()) return Fail(written);
      out = buffer.data();
    }
  }
  Status written = io::WriteAll(output, buffer.data(), static_cast<size_t>(out - buffer.data()));
  if (!written.ok()) return Fail(written);
  Status closed = output.Close();
  if (!closed.ok()) return Fail(closed);
  return 0;
}

}  // namespace
}  // namespace backtrace::peers

int main(int argc, char** argv) { return backtrace::peers::Generate(argc, argv); }
