// Checks that CsvReader parses without allocating per row: once the batch
// columns and the reader's buffers have reached their working size, reading
// further batches allocates nothing. Global operator new is replaced in this
// test program only, to count allocations.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "common/text/byte_source.h"
#include "common/text/csv_reader.h"

namespace {
std::atomic<uint64_t> allocations{0};
}  // namespace

// The replacements pair malloc with free; GCC cannot see that pairing.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* pointer = std::malloc(size == 0 ? 1 : size)) return pointer;
  throw std::bad_alloc();
}
void operator delete(void* pointer) noexcept { std::free(pointer); }
void operator delete(void* pointer, size_t) noexcept { std::free(pointer); }

namespace backtrace {
namespace {

TEST(CsvReaderAllocation, SteadyStateBatchesAllocateNothing) {
  const CsvReader::Columns columns = {{"ts", ColumnType::kTimestamp},
                                      {"symbol", ColumnType::kString},
                                      {"price", ColumnType::kFloat64},
                                      {"qty", ColumnType::kInt64},
                                      {"venue", ColumnType::kUInt64}};
  std::string csv = "qty,ts,symbol,price,venue\n";
  for (int i = 0; i < 50'000; ++i) {
    const std::string iso = i % 2 ? "2024-01-02T00:00:00.5Z" : "1704153600000000000";
    csv += std::to_string(i % 1000) + "," + iso + ",SYM" + std::to_string(100 + i % 100) + "," +
           std::to_string(i % 977) + ".25," + std::to_string(i % 7) + "\r\n";
    if (i % 100 == 0) csv += "2,1,\"QU\"\"OTED\",1.5,3\n\n";
  }
  CsvReaderOptions options;
  options.read_bytes = 4096;
  Result<CsvReader> reader =
      CsvReader::Open(columns, std::make_unique<StringByteSource>(csv), options);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  std::vector<ColumnVector> batch;
  ASSERT_EQ(*reader->ReadBatch(1000, &batch), 1000u);  // reaches the working size

  const uint64_t before = allocations.load();
  size_t rows = 1000;
  while (true) {
    Result<size_t> count = reader->ReadBatch(1000, &batch);
    ASSERT_TRUE(count.ok());
    if (*count == 0) break;
    rows += *count;
  }
  const uint64_t allocated = allocations.load() - before;
  EXPECT_EQ(rows, 50'500u);
  EXPECT_EQ(allocated, 0u);
}

}  // namespace
}  // namespace backtrace
