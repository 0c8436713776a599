// backtraced as a real process: ingestion over its socket, durability across
// SIGKILL, idempotent producers, compaction, and refusing a second daemon.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <numeric>
#include <thread>

#include "common/client/ingest_client.h"
#include "common/schema/table_schema.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/stored_rows.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

using client::IngestClient;
using client::IngestClientOptions;
using client::NamedColumn;
using testing::DaemonProcess;
using testing::TemporaryDirectory;

TableSchema OrdersSchema() {
  auto schema = ParseTableSchema("orders", "ts:timestamp,symbol:string,price:float64,qty:int64",
                                 "ts", "symbol,ts");
  EXPECT_TRUE(schema.ok()) << schema.status().ToString();
  return *schema;
}

// Rows first..first+count with ts = row number, so each row is identifiable.
struct OrderColumns {
  ColumnVector ts{ColumnType::kTimestamp};
  ColumnVector symbol{ColumnType::kString};
  ColumnVector price{ColumnType::kFloat64};
  ColumnVector qty{ColumnType::kInt64};

  OrderColumns(int64_t first, size_t count) {
    static const char* kSymbols[] = {"BTC", "ETH", "SOL", "ADA"};
    for (size_t i = 0; i < count; ++i) {
      int64_t row = first + static_cast<int64_t>(i);
      ts.int64s().push_back(row);
      symbol.strings().push_back(kSymbols[row % 4]);
      price.float64s().push_back(40000.0 + static_cast<double>(row % 1000));
      qty.int64s().push_back(row % 1000 + 1);
    }
  }
  std::vector<NamedColumn> columns() const {
    return {{"ts", &ts}, {"symbol", &symbol}, {"price", &price}, {"qty", &qty}};
  }
};

std::unique_ptr<IngestClient> ConnectTo(const DaemonProcess& daemon, uint64_t producer = 0) {
  IngestClientOptions options;
  options.socket_path = daemon.ingest_socket();
  options.producer_id = producer;
  auto client = IngestClient::Connect(options);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return client.ok() ? std::move(client).value() : nullptr;
}

Status IngestRows(IngestClient* client, int64_t rows, size_t batch_rows) {
  for (int64_t first = 0; first < rows; first += static_cast<int64_t>(batch_rows)) {
    size_t count = static_cast<size_t>(std::min<int64_t>(batch_rows, rows - first));
    OrderColumns batch(first, count);
    RETURN_IF_ERROR(client->Append("orders", batch.columns()));
  }
  return client->Flush();
}

void ExpectEachRowOnce(const testing::StoredRows& stored, int64_t rows) {
  std::vector<int64_t> all = stored.persisted;
  all.insert(all.end(), stored.in_wal.begin(), stored.in_wal.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(rows));
  for (int64_t row = 0; row < rows; ++row) ASSERT_EQ(all[static_cast<size_t>(row)], row);
}

TEST(IngestDaemon, AcknowledgedRowsSurviveSigkill) {
  TemporaryDirectory directory;
  DaemonProcess daemon(directory.Join("data"), directory.Join("run"),
                       "max_block_rows = 200000\n");
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  auto client = ConnectTo(daemon);
  ASSERT_TRUE(client->CreateTable(OrdersSchema()).ok());
  ASSERT_TRUE(IngestRows(client.get(), 1000000, 10000).ok());
  EXPECT_EQ(client->acknowledged_rows(), 1000000u);
  daemon.Kill();
  auto stored = testing::ReadStoredTimes(daemon.data_dir(), "orders");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  ExpectEachRowOnce(*stored, 1000000);
}

TEST(IngestDaemon, RestartAfterSigkillReplaysAndCompactsEverything) {
  TemporaryDirectory directory;
  DaemonProcess daemon(directory.Join("data"), directory.Join("run"), "max_block_rows = 50000\n");
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  auto client = ConnectTo(daemon);
  ASSERT_TRUE(client->CreateTable(OrdersSchema()).ok());
  ASSERT_TRUE(IngestRows(client.get(), 120000, 7000).ok());
  daemon.Kill();
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  auto exit_code = daemon.Terminate();
  ASSERT_TRUE(exit_code.ok());
  EXPECT_EQ(*exit_code, 0) << daemon.Log();
  auto stored = testing::ReadStoredTimes(daemon.data_dir(), "orders");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_TRUE(stored->in_wal.empty()) << "a clean shutdown compacts every hot row";
  ExpectEachRowOnce(*stored, 120000);
}

TEST(IngestDaemon, SameInputTwiceWithOneProducerIsStoredOnce) {
  TemporaryDirectory directory;
  DaemonProcess daemon(directory.Join("data"), directory.Join("run"));
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  {
    auto client = ConnectTo(daemon, 77);
    ASSERT_TRUE(client->CreateTable(OrdersSchema()).ok());
    ASSERT_TRUE(IngestRows(client.get(), 50000, 5000).ok());
  }
  auto again = ConnectTo(daemon, 77);
  ASSERT_TRUE(IngestRows(again.get(), 50000, 5000).ok());
  EXPECT_EQ(again->duplicate_batches(), 10u);
  EXPECT_EQ(again->acknowledged_rows(), 0u);
  ASSERT_EQ(*daemon.Terminate(), 0);
  auto stored = testing::ReadStoredTimes(daemon.data_dir(), "orders");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  ExpectEachRowOnce(*stored, 50000);
}

TEST(IngestDaemon, ProducerMarksSurviveRestart) {
  TemporaryDirectory directory;
  DaemonProcess daemon(directory.Join("data"), directory.Join("run"));
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  {
    auto client = ConnectTo(daemon, 5);
    ASSERT_TRUE(client->CreateTable(OrdersSchema()).ok());
    ASSERT_TRUE(IngestRows(client.get(), 30000, 3000).ok());
  }
  daemon.Kill();
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  auto again = ConnectTo(daemon, 5);
  ASSERT_TRUE(IngestRows(again.get(), 30000, 3000).ok());
  EXPECT_EQ(again->duplicate_batches(), 10u);
  ASSERT_EQ(*daemon.Terminate(), 0);
  auto stored = testing::ReadStoredTimes(daemon.data_dir(), "orders");
  ASSERT_TRUE(stored.ok());
  ExpectEachRowOnce(*stored, 30000);
}

TEST(IngestDaemon, CompactorKilledMidBlockIsHandedTheBlockAgain) {
  TemporaryDirectory directory;
  std::string once = directory.Join("crashed-once");
  ::setenv("BACKTRACE_CRASH_POINT", "compactor_during_column_files", 1);
  ::setenv("BACKTRACE_CRASH_ONCE_FILE", once.c_str(), 1);
  DaemonProcess daemon(directory.Join("data"), directory.Join("run"), "max_block_rows = 20000\n");
  Status started = daemon.Start();
  ::unsetenv("BACKTRACE_CRASH_POINT");
  ::unsetenv("BACKTRACE_CRASH_ONCE_FILE");
  ASSERT_TRUE(started.ok()) << daemon.Log();
  auto client = ConnectTo(daemon);
  ASSERT_TRUE(client->CreateTable(OrdersSchema()).ok());
  ASSERT_TRUE(IngestRows(client.get(), 60000, 5000).ok());
  ASSERT_EQ(*daemon.Terminate(), 0) << daemon.Log();
  EXPECT_TRUE(testing::TemporaryDirectory::Exists(once)) << "the crash point never fired";
  EXPECT_NE(daemon.Log().find("restarting it"), std::string::npos) << daemon.Log();
  auto stored = testing::ReadStoredTimes(daemon.data_dir(), "orders");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_TRUE(stored->in_wal.empty());
  ExpectEachRowOnce(*stored, 60000);
}

TEST(IngestDaemon, SecondDaemonOnTheSameDataDirectoryRefuses) {
  TemporaryDirectory directory;
  DaemonProcess first(directory.Join("data"), directory.Join("run"));
  ASSERT_TRUE(first.Start().ok()) << first.Log();
  DaemonProcess second(directory.Join("data"), directory.Join("run2"));
  auto exit_code = second.RunToExit();
  ASSERT_TRUE(exit_code.ok());
  EXPECT_NE(*exit_code, 0);
  EXPECT_NE(second.Log().find("is in use by another backtraced"), std::string::npos)
      << second.Log();
}

TEST(IngestDaemon, SigtermExitsZeroAndRemovesTheSocket) {
  TemporaryDirectory directory;
  DaemonProcess daemon(directory.Join("data"), directory.Join("run"));
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  auto exit_code = daemon.Terminate();
  ASSERT_TRUE(exit_code.ok());
  EXPECT_EQ(*exit_code, 0);
  EXPECT_FALSE(testing::TemporaryDirectory::Exists(daemon.ingest_socket()));
}

}  // namespace
}  // namespace backtrace

namespace backtrace {
namespace {

TEST(IngestDaemonBackpressure, IngestionPausesAndResumesWhenCompactionFallsBehind) {
  testing::TemporaryDirectory directory;
  DaemonProcess daemon(directory.Join("data"), directory.Join("run"),
                       "max_block_rows = 10000\nmax_frozen_blocks = 1\n"
                       "max_hot_bytes = \"16MiB\"\n");
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  auto client = ConnectTo(daemon);
  ASSERT_TRUE(client->CreateTable(OrdersSchema()).ok());
  ASSERT_TRUE(IngestRows(client.get(), 200000, 10000).ok());
  EXPECT_EQ(client->acknowledged_rows(), 200000u);
  ASSERT_EQ(*daemon.Terminate(), 0);
  EXPECT_NE(daemon.Log().find("pausing ingestion"), std::string::npos) << daemon.Log();
  EXPECT_NE(daemon.Log().find("resuming ingestion"), std::string::npos);
  auto stored = testing::ReadStoredTimes(daemon.data_dir(), "orders");
  ASSERT_TRUE(stored.ok());
  ExpectEachRowOnce(*stored, 200000);
}

}  // namespace
}  // namespace backtrace
