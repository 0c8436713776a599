// The C++ ingest client against a real daemon: row-by-row batches,
// pipelining, errors as values, and resending unacknowledged batches after
// the daemon died.
#include <gtest/gtest.h>

#include <algorithm>

#include "common/client/ingest_client.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/stored_rows.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

using client::BatchBuilder;
using client::IngestClient;

TableSchema TradesSchema() {
  auto schema = ParseTableSchema("trades", "ts:timestamp,symbol:string,price:float64,size:uint64");
  EXPECT_TRUE(schema.ok()) << schema.status().ToString();
  return *schema;
}

TEST(BatchBuilder, RejectsAValueOfTheWrongTypeNamingTheColumn) {
  BatchBuilder batch(TradesSchema());
  Status added = batch.AddRow({int64_t{1}, std::string("BTC"), int64_t{5}, uint64_t{1}});
  EXPECT_EQ(added.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(added.message().find("\"price\""), std::string::npos) << added.ToString();
  EXPECT_EQ(batch.rows(), 0u);
}

TEST(BatchBuilder, RejectsARowOfTheWrongWidth) {
  BatchBuilder batch(TradesSchema());
  EXPECT_FALSE(batch.AddRow({int64_t{1}}).ok());
}

TEST(IngestClient, ConnectingWhereNoDaemonRunsSaysSo) {
  testing::TemporaryDirectory directory;
  auto client = IngestClient::Connect({.socket_path = directory.Join("ingest.sock")});
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.status().message().find("not running"), std::string::npos)
      << client.status().ToString();
}

TEST(IngestClient, RowByRowBatchesArriveAndTablesAreListed) {
  testing::TemporaryDirectory directory;
  testing::DaemonProcess daemon(directory.Join("data"), directory.Join("run"));
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  auto client = IngestClient::Connect({.socket_path = daemon.ingest_socket()});
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->CreateTable(TradesSchema()).ok());
  BatchBuilder batch(TradesSchema());
  for (int64_t row = 0; row < 1000; ++row) {
    ASSERT_TRUE(batch.AddRow({row, std::string(row % 2 ? "BTC" : "ETH"), 1.5 * row,
                              static_cast<uint64_t>(row)})
                    .ok());
    if (batch.rows() == 100) {
      ASSERT_TRUE((*client)->Append("trades", batch.columns()).ok());
      batch.Clear();
    }
  }
  ASSERT_TRUE((*client)->Flush().ok());
  EXPECT_EQ((*client)->acknowledged_rows(), 1000u);
  auto tables = (*client)->ListTables();
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), 1u);
  EXPECT_EQ((*tables)[0].name, "trades");
  EXPECT_TRUE((*client)->DropTable("trades").ok());
  EXPECT_TRUE((*client)->ListTables()->empty());
}

TEST(IngestClient, CreatingATableAgainWithAnotherSchemaIsAnError) {
  testing::TemporaryDirectory directory;
  testing::DaemonProcess daemon(directory.Join("data"), directory.Join("run"));
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  auto client = IngestClient::Connect({.socket_path = daemon.ingest_socket()});
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->CreateTable(TradesSchema()).ok());
  EXPECT_TRUE((*client)->CreateTable(TradesSchema()).ok()) << "the same schema again is fine";
  auto other = ParseTableSchema("trades", "ts:timestamp,symbol:string");
  Status created = (*client)->CreateTable(*other);
  EXPECT_EQ(created.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(created.message().find("trades"), std::string::npos) << created.ToString();
}

TEST(IngestClient, UnacknowledgedBatchesAreResentAfterTheDaemonDiedAndStoredOnce) {
  testing::TemporaryDirectory directory;
  testing::DaemonProcess daemon(directory.Join("data"), directory.Join("run"));
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  auto connected = IngestClient::Connect(
      {.socket_path = daemon.ingest_socket(), .producer_id = 9, .max_in_flight = 64});
  ASSERT_TRUE(connected.ok());
  IngestClient& client = **connected;
  ASSERT_TRUE(client.CreateTable(TradesSchema()).ok());
  const int64_t kBatches = 60, kRows = 2000;
  for (int64_t batch_number = 0; batch_number < kBatches; ++batch_number) {
    BatchBuilder batch(TradesSchema());
    for (int64_t row = 0; row < kRows; ++row) {
      int64_t ts = batch_number * kRows + row;
      ASSERT_TRUE(batch.AddRow({ts, std::string("BTC"), 1.0, uint64_t{1}}).ok());
    }
    ASSERT_TRUE(client.Append("trades", batch.columns()).ok());
  }
  // The client has read no acknowledgement yet: every batch is resent, and
  // the daemon applies only those it had not made durable.
  ASSERT_EQ(client.in_flight(), static_cast<size_t>(kBatches));
  daemon.Kill();
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  ASSERT_TRUE(client.Reconnect().ok());
  ASSERT_TRUE(client.Flush().ok());
  EXPECT_EQ(client.acknowledged_batches(), static_cast<uint64_t>(kBatches));
  ASSERT_EQ(*daemon.Terminate(), 0);
  auto stored = testing::ReadStoredTimes(daemon.data_dir(), "trades");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  std::vector<int64_t> all = stored->persisted;
  all.insert(all.end(), stored->in_wal.begin(), stored->in_wal.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kBatches * kRows));
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], static_cast<int64_t>(i));
}

}  // namespace
}  // namespace backtrace
