// backtraced and its compactor as real processes with faults injected
// through BACKTRACE_FAULTS: a full disk under the WAL (batches refused with
// an error naming it, then accepted again by themselves), a failed WAL
// fdatasync (writes stopped until restart, the reason logged and exported),
// and a full disk or failed rename in the compactor (retried, nothing lost or
// half committed). After each, every acknowledged row is stored exactly
// once.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "common/base/fault_injection.h"
#include "common/client/ingest_client.h"
#include "common/fsck/fsck.h"
#include "common/schema/table_schema.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/metrics_scrape.h"
#include "tests/testing/stored_rows.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

using client::IngestClient;
using client::IngestClientOptions;
using client::NamedColumn;
using testing::DaemonProcess;
using testing::TemporaryDirectory;

constexpr uint64_t kProducer = 5;
constexpr int64_t kBatchRows = 500;

TableSchema TradesSchema() {
  auto schema = ParseTableSchema("trades", "ts:timestamp,symbol:string,price:float64", "ts",
                                 "symbol,ts");
  EXPECT_TRUE(schema.ok()) << schema.status().ToString();
  return *schema;
}

struct Batch {
  ColumnVector ts{ColumnType::kTimestamp};
  ColumnVector symbol{ColumnType::kString};
  ColumnVector price{ColumnType::kFloat64};

  explicit Batch(int64_t number) {
    for (int64_t row = number * kBatchRows; row < (number + 1) * kBatchRows; ++row) {
      ts.int64s().push_back(row);
      symbol.strings().push_back(row % 3 == 0 ? "BTC" : "ETH");
      price.float64s().push_back(100.0 + static_cast<double>(row % 50));
    }
  }
  std::vector<NamedColumn> columns() const {
    return {{"ts", &ts}, {"symbol", &symbol}, {"price", &price}};
  }
};

// Starts the daemon with BACKTRACE_FAULTS set to `faults` (for it and the
// compactors it starts; this test process does not load them).
Status StartWithFaults(DaemonProcess* daemon, const std::string& faults) {
  ::setenv("BACKTRACE_FAULTS", faults.c_str(), 1);
  Status started = daemon->Start();
  ::unsetenv("BACKTRACE_FAULTS");
  return started;
}

std::unique_ptr<IngestClient> Connect(const DaemonProcess& daemon) {
  IngestClientOptions options;
  options.socket_path = daemon.ingest_socket();
  options.producer_id = kProducer;
  options.max_in_flight = 1;
  auto client = IngestClient::Connect(options);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return client.ok() ? std::move(client).value() : nullptr;
}

// Sends batch `number` (sequence number + 1) once and waits for its answer.
Status SendBatch(IngestClient* client, int64_t number) {
  Batch batch(number);
  Status status = client->Append("trades", batch.columns(), static_cast<uint64_t>(number) + 1);
  if (status.ok()) status = client->Flush();
  if (!status.ok()) (void)client->Reconnect();  // clears the stored batch error
  return status;
}

void ExpectBatchesStoredOnce(const std::string& data_dir, int64_t batches) {
  auto stored = testing::ReadStoredTimes(data_dir, "trades");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  std::vector<int64_t> all = stored->persisted;
  all.insert(all.end(), stored->in_wal.begin(), stored->in_wal.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(batches * kBatchRows));
  for (int64_t row = 0; row < batches * kBatchRows; ++row) {
    ASSERT_EQ(all[static_cast<size_t>(row)], row);
  }
}

class DaemonFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fault::Available()) GTEST_SKIP() << "built without BACKTRACE_FAULT_INJECTION";
  }
  TemporaryDirectory directory_;
};

TEST_F(DaemonFaults, FullDiskUnderTheWalRefusesBatchesThenResumesByItself) {
  DaemonProcess daemon(directory_.Join("data"), directory_.Join("run"),
                       "max_block_rows = 4000\n");
  // The first writes succeed (segment header, first batches), then six
  // writes fail as on a full disk (half written, then ENOSPC).
  ASSERT_TRUE(StartWithFaults(&daemon, "write:wal/*:enospc:after=4:times=6:partial:in=backtraced")
                  .ok())
      << daemon.Log();
  auto client = Connect(daemon);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->CreateTable(TradesSchema()).ok());
  constexpr int64_t kBatches = 20;
  int refusals = 0;
  for (int64_t number = 0; number < kBatches; ++number) {
    for (int attempt = 0;; ++attempt) {
      ASSERT_LT(attempt, 20) << "batch " << number << " never acknowledged\n" << daemon.Log();
      Status status = SendBatch(client.get(), number);
      if (status.ok()) break;
      ++refusals;
      EXPECT_EQ(status.code(), StatusCode::kNoSpace) << status.ToString();
      EXPECT_NE(status.message().find("No space left on device"), std::string::npos)
          << status.ToString();
      // Queries (here: the table list) keep working meanwhile.
      auto tables = client->ListTables();
      EXPECT_TRUE(tables.ok()) << tables.status().ToString();
    }
  }
  // Each refusal used up one or two of the six failing writes (a refused
  // batch that also started a segment wrote its header first).
  EXPECT_GE(refusals, 3);
  EXPECT_LE(refusals, 6);
  EXPECT_EQ(client->duplicate_batches(), 0u);
  EXPECT_NE(daemon.Log().find("WAL writes succeed again"), std::string::npos) << daemon.Log();
  auto exit_code = daemon.Terminate();
  ASSERT_TRUE(exit_code.ok());
  EXPECT_EQ(*exit_code, 0) << daemon.Log();
  ExpectBatchesStoredOnce(daemon.data_dir(), kBatches);
  auto report = fsck::CheckDataDirectory(daemon.data_dir());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->clean()) << report->faults.front();
}

TEST_F(DaemonFaults, FailedWalSyncStopsWritesUntilRestartAndLosesNothingAcknowledged) {
  int port = testing::FreeLoopbackPort();
  DaemonProcess daemon(directory_.Join("data"), directory_.Join("run"),
                       "metrics_listen = \"127.0.0.1:" + std::to_string(port) + "\"\n");
  // Syncs: the first segment's header, then one per group; the sixth fails.
  ASSERT_TRUE(StartWithFaults(&daemon, "sync:wal/*:eio:after=5:times=1:in=backtraced").ok())
      << daemon.Log();
  auto client = Connect(daemon);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->CreateTable(TradesSchema()).ok());
  int64_t acknowledged = 0;
  Status failure;
  while (acknowledged < 50) {
    failure = SendBatch(client.get(), acknowledged);
    if (!failure.ok()) break;
    ++acknowledged;
  }
  ASSERT_FALSE(failure.ok()) << "the injected fdatasync failure never came";
  EXPECT_EQ(acknowledged, 4);
  EXPECT_EQ(failure.code(), StatusCode::kIoError) << failure.ToString();
  EXPECT_NE(failure.message().find("restart backtraced"), std::string::npos) << failure.ToString();
  // Every later batch is refused the same way (no retry of the sync), while
  // the daemon stays up and answers everything else.
  for (int attempt = 0; attempt < 3; ++attempt) {
    Status again = SendBatch(client.get(), acknowledged);
    EXPECT_FALSE(again.ok());
    EXPECT_NE(again.message().find("restart backtraced"), std::string::npos) << again.ToString();
  }
  EXPECT_TRUE(client->ListTables().ok());
  EXPECT_NE(daemon.Log().find("WAL sync failed"), std::string::npos) << daemon.Log();
  std::string metrics;
  double wal_failed = 0;
  for (int poll = 0; poll < 300 && wal_failed == 0; ++poll) {
    metrics = testing::ScrapeMetrics(port);
    size_t line = metrics.find("\nbacktrace_wal_failed ");
    if (line != std::string::npos) wal_failed = std::atof(metrics.c_str() + line + 22);
    if (wal_failed == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(wal_failed, 1) << metrics;

  // A restart (without the fault) recovers from the disk, and the refused
  // batches can be sent again, each stored once.
  daemon.Kill();
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  client = Connect(daemon);
  ASSERT_NE(client, nullptr);
  constexpr int64_t kBatches = 8;
  for (int64_t number = acknowledged; number < kBatches; ++number) {
    Status status = SendBatch(client.get(), number);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  auto exit_code = daemon.Terminate();
  ASSERT_TRUE(exit_code.ok());
  EXPECT_EQ(*exit_code, 0) << daemon.Log();
  ExpectBatchesStoredOnce(daemon.data_dir(), kBatches);
}

TEST_F(DaemonFaults, CompactorFaultsAreRetriedWithoutLossOrHalfCommittedBlocks) {
  DaemonProcess daemon(directory_.Join("data"), directory_.Join("run"),
                       "max_block_rows = 2000\ncompactors = 1\n");
  // In the compactor: two column-file writes hit a full disk, one sync and
  // one rename of a finished block fail with EIO.
  ASSERT_TRUE(StartWithFaults(&daemon,
                              "write:*.col:enospc:after=3:times=2:in=backtrace-worker;"
                              "sync:*.col:eio:after=9:times=1:in=backtrace-worker;"
                              "rename:tables/*:eio:after=1:times=1:in=backtrace-worker")
                  .ok())
      << daemon.Log();
  auto client = Connect(daemon);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->CreateTable(TradesSchema()).ok());
  constexpr int64_t kBatches = 24;  // 12,000 rows: six blocks
  for (int64_t number = 0; number < kBatches; ++number) {
    Status status = SendBatch(client.get(), number);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  auto exit_code = daemon.Terminate();
  ASSERT_TRUE(exit_code.ok());
  EXPECT_EQ(*exit_code, 0) << daemon.Log();
  std::string log = daemon.Log();
  EXPECT_NE(log.find("No space left on device"), std::string::npos) << log;
  EXPECT_NE(log.find("will retry"), std::string::npos) << log;
  ExpectBatchesStoredOnce(daemon.data_dir(), kBatches);
  auto stored = testing::ReadStoredTimes(daemon.data_dir(), "trades");
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->in_wal.empty()) << "every block was compacted in the end";
  auto report = fsck::CheckDataDirectory(daemon.data_dir());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->clean()) << report->faults.front();
}

}  // namespace
}  // namespace backtrace
