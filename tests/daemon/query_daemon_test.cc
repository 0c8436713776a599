// Queries through a real backtraced and its query workers, over the real
// query socket: answers over persisted blocks, rows still in memory (hot
// and frozen) counted once, consistency while blocks are committed, and
// pruning reported by End.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <atomic>
#include <map>
#include <thread>

#include "tests/testing/daemon_process.h"
#include "tests/testing/orders_ingest.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

using testing::DaemonProcess;
using testing::TemporaryDirectory;

class QueryDaemon : public ::testing::Test {
 protected:
  void StartDaemon(const std::string& config) {
    daemon_ = std::make_unique<DaemonProcess>(directory_.Join("data"), directory_.Join("run"),
                                              "query_workers = 1\n" + config);
    ASSERT_TRUE(daemon_->Start().ok()) << daemon_->Log();
  }
  // Restarts the daemon: a clean stop persists every block.
  void RestartDaemon() {
    auto code = daemon_->Terminate();
    ASSERT_TRUE(code.ok() && *code == 0) << daemon_->Log();
    ASSERT_TRUE(daemon_->Start().ok()) << daemon_->Log();
  }
  std::unique_ptr<client::IngestClient> Ingest() {
    auto client = testing::ConnectIngest(daemon_->ingest_socket());
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }
  std::unique_ptr<client::QueryClient> Query() {
    auto client = testing::ConnectQuery(daemon_->query_socket());
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  TemporaryDirectory directory_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(QueryDaemon, AggregatesOverPersistedBlocksMatchTheRows) {
  StartDaemon("max_block_rows = 5000\n");
  auto ingest = Ingest();
  ASSERT_TRUE(testing::IngestNumberedOrders(ingest.get(), "orders", 0, 20000, 2500).ok());
  ingest.reset();
  RestartDaemon();

  auto query = Query();
  auto count = testing::QueryInteger(query.get(), "SELECT count(*) FROM orders");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, 20000);
  // qty = row + 1: the sum of 1..20000.
  auto sum = testing::QueryInteger(query.get(), "SELECT sum(qty) FROM orders");
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(*sum, int64_t{20000} * 20001 / 2);

  auto grouped = query->QueryAll(
      "SELECT symbol, count(*), max(qty) FROM orders WHERE ts >= 100 AND ts < 1100 "
      "GROUP BY symbol ORDER BY symbol");
  ASSERT_TRUE(grouped.ok()) << grouped.status().ToString();
  ASSERT_EQ(grouped->rows(), 4u);
  for (size_t row = 0; row < 4; ++row) {
    EXPECT_EQ(grouped->values[0].strings().at(row), testing::NumberedOrders::kSymbols[row]);
    EXPECT_EQ(grouped->values[1].int64s()[row], 250);
    // The largest row of symbol `row` below 1100 is 1096 + row; qty is one more.
    EXPECT_EQ(grouped->values[2].int64s()[row], 1097 + static_cast<int64_t>(row));
  }
  // Four persisted blocks of 5000 rows; only the first holds ts 100..1099.
  EXPECT_EQ(grouped->statistics.blocks_total, 4u);
  EXPECT_EQ(grouped->statistics.blocks_scanned, 1u);
}

TEST_F(QueryDaemon, NarrowTimeRangeScansOnlyTheOverlappingBlock) {
  StartDaemon("max_block_rows = 1000\n");
  auto ingest = Ingest();
  ASSERT_TRUE(testing::IngestNumberedOrders(ingest.get(), "orders", 0, 8000, 1000).ok());
  ingest.reset();
  RestartDaemon();

  auto query = Query();
  auto result = query->QueryAll("SELECT count(*) FROM orders WHERE ts >= 2500 AND ts < 2600");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->rows(), 1u);
  EXPECT_EQ(result->values[0].int64s()[0], 100);
  EXPECT_EQ(result->statistics.blocks_total, 8u);
  EXPECT_EQ(result->statistics.blocks_pruned, 7u);
  EXPECT_EQ(result->statistics.blocks_scanned, 1u);
  EXPECT_EQ(result->statistics.rows_scanned, 1000u);
}

TEST_F(QueryDaemon, AcknowledgedRowsInTheHotBlockAreCountedAtOnce) {
  StartDaemon("max_block_rows = 1000000\nmax_block_age = \"1h\"\n");
  auto ingest = Ingest();
  auto query = Query();
  int64_t acknowledged = 0;
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(
        testing::IngestNumberedOrders(ingest.get(), "orders", acknowledged, 1500, 500).ok());
    acknowledged += 1500;
    auto result = query->QueryAll("SELECT count(*), sum(qty) FROM orders");
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->values[0].int64s()[0], acknowledged);
    EXPECT_EQ(result->values[1].int64s()[0], acknowledged * (acknowledged + 1) / 2);
    // Nothing is persisted yet: the one block read is the hot one.
    EXPECT_EQ(result->statistics.blocks_total, 1u);
  }
}

TEST_F(QueryDaemon, RowsOfFrozenBlocksNotYetCommittedAreCounted) {
#if !defined(BACKTRACE_CRASH_POINTS)
  GTEST_SKIP() << "needs crash points to keep blocks from being committed";
#else
  // Every compactor dies before it finishes a block: frozen blocks stay in
  // memory, uncommitted, for the whole test.
  ::setenv("BACKTRACE_CRASH_POINT", "compactor_during_column_files", 1);
  StartDaemon("max_block_rows = 1000\nmax_block_age = \"1h\"\n");
  ::unsetenv("BACKTRACE_CRASH_POINT");
  auto ingest = Ingest();
  ASSERT_TRUE(testing::IngestNumberedOrders(ingest.get(), "orders", 0, 4500, 500).ok());
  auto query = Query();
  auto result = query->QueryAll("SELECT count(*), min(ts), max(ts) FROM orders");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->values[0].int64s()[0], 4500);
  EXPECT_EQ(result->values[1].int64s()[0], 0);
  EXPECT_EQ(result->values[2].int64s()[0], 4499);
  // Four frozen blocks and the hot one, all in memory.
  EXPECT_EQ(result->statistics.blocks_total, 5u);
  EXPECT_EQ(result->statistics.blocks_scanned, 5u);
#endif
}

TEST_F(QueryDaemon, CountsStayExactWhileBlocksAreCommitted) {
  StartDaemon("max_block_rows = 400\nwal_sync = \"none\"\n");
  auto ingest = Ingest();
  ASSERT_TRUE(ingest->CreateTable(testing::NumberedOrdersSchema("orders")).ok());
  std::atomic<int64_t> acknowledged{0};
  std::atomic<int64_t> sent{0};
  std::atomic<bool> done{false};
  Status ingest_status;
  std::thread producer([&] {
    for (int64_t first = 0; first < 12000 && ingest_status.ok(); first += 100) {
      testing::NumberedOrders batch(first, 100);
      sent += 100;
      ingest_status = ingest->Append("orders", batch.columns());
      if (ingest_status.ok()) ingest_status = ingest->Flush();
      if (ingest_status.ok()) acknowledged += 100;
    }
    done = true;
  });
  auto query = Query();
  int queries = 0;
  while (!done || queries < 5) {
    int64_t before = acknowledged.load();
    auto count = testing::QueryInteger(query.get(), "SELECT count(*) FROM orders");
    // A batch is applied before its Ack is sent and counted in `sent` before
    // it is sent: no row may be missing, none counted twice.
    int64_t after = sent.load();
    ASSERT_TRUE(count.ok()) << count.status().ToString();
    ASSERT_GE(*count, before);
    ASSERT_LE(*count, after);
    ++queries;
  }
  producer.join();
  ASSERT_TRUE(ingest_status.ok()) << ingest_status.ToString();
  auto final_count = testing::QueryInteger(query.get(), "SELECT count(*) FROM orders");
  ASSERT_TRUE(final_count.ok());
  EXPECT_EQ(*final_count, 12000);
  // Blocks were committed while the queries ran.
  EXPECT_NE(daemon_->Log().find("committed block"), std::string::npos);
}

}  // namespace
}  // namespace backtrace
