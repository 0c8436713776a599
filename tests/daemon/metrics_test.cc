// backtraced's Prometheus endpoint, scraped over real HTTP: the values move
// by the amounts that ingestion, rejections and compaction imply.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "common/client/ingest_client.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/metrics_scrape.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

using testing::FreeLoopbackPort;

std::string Scrape(int port) { return testing::ScrapeMetrics(port); }
std::map<std::string, double> Parse(const std::string& text) {
  return testing::ParseMetrics(text);
}
template <typename Predicate>
std::map<std::string, double> ScrapeUntil(int port, Predicate ready) {
  return testing::ScrapeMetricsUntil(port, ready);
}

TEST(DaemonMetrics, ScrapedValuesFollowIngestionRejectionsAndCompaction) {
  testing::TemporaryDirectory directory;
  int port = FreeLoopbackPort();
  testing::DaemonProcess daemon(
      directory.Join("data"), directory.Join("run"),
      "metrics_listen = \"127.0.0.1:" + std::to_string(port) + "\"\nmax_block_rows = 10000\n");
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  auto before = Parse(Scrape(port));
  ASSERT_EQ(before["backtrace_ingest_batches_acknowledged_total"], 0);
  ASSERT_TRUE(before.count("backtrace_wal_replay_duration_seconds"));

  auto client = client::IngestClient::Connect({.socket_path = daemon.ingest_socket()});
  ASSERT_TRUE(client.ok());
  auto schema = ParseTableSchema("orders", "ts:timestamp,symbol:string,qty:int64");
  ASSERT_TRUE((*client)->CreateTable(*schema).ok());
  client::BatchBuilder batch(*schema);
  for (int batch_number = 0; batch_number < 5; ++batch_number) {
    batch.Clear();
    for (int64_t row = 0; row < 5000; ++row) {
      ASSERT_TRUE(batch.AddRow({batch_number * 5000 + row, std::string("BTC"), row}).ok());
    }
    ASSERT_TRUE((*client)->Append("orders", batch.columns()).ok());
  }
  ASSERT_TRUE((*client)->Flush().ok());
  EXPECT_FALSE((*client)->Append("missing", batch.columns()).ok() && (*client)->Flush().ok());

  const std::string rows = "backtrace_ingest_rows_total{table=\"orders\"}";
  const std::string blocks = "backtrace_blocks{table=\"orders\"}";
  auto after = ScrapeUntil(port, [&](auto& samples) {
    return samples[rows] == 25000 && samples[blocks] >= 2 &&
           samples["backtrace_ingest_batches_rejected_total{reason=\"not_found\"}"] == 1;
  });
  EXPECT_EQ(after[rows], 25000);
  // ts and qty: 8 bytes a row; symbol: 3 bytes and a 4-byte offset.
  EXPECT_GT(after["backtrace_ingest_bytes_total{table=\"orders\"}"], 25000 * 23);
  EXPECT_EQ(after["backtrace_ingest_batches_acknowledged_total"], 5);
  EXPECT_EQ(after["backtrace_ingest_batches_rejected_total{reason=\"not_found\"}"], 1);
  EXPECT_GE(after["backtrace_wal_records_written_total"], 5);
  EXPECT_GT(after["backtrace_wal_bytes_written_total"],
            after["backtrace_ingest_bytes_total{table=\"orders\"}"]);
  EXPECT_GE(after["backtrace_wal_sync_duration_seconds_count"], 1);
  EXPECT_EQ(after["backtrace_wal_group_commit_records_sum"],
            after["backtrace_wal_records_written_total"]);
  EXPECT_GE(after[blocks], 2) << "two blocks of 10000 rows froze and were committed";
  EXPECT_GE(after["backtrace_compactions_total"], 2);
  EXPECT_GT(after["backtrace_disk_bytes{table=\"orders\"}"], 0);
  EXPECT_EQ(after["backtrace_hot_rows{table=\"orders\"}"] +
                10000 * after[blocks],
            25000);
  EXPECT_EQ(after["backtrace_ingest_connections"], 1);
}

TEST(DaemonMetrics, EmptyMetricsListenDisablesTheEndpoint) {
  testing::TemporaryDirectory directory;
  testing::DaemonProcess daemon(directory.Join("data"), directory.Join("run"));
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  EXPECT_EQ(daemon.Log().find("metrics: http"), std::string::npos);
}

TEST(DaemonMetrics, MetricsAddressInUseStopsStartUpWithAClearMessage) {
  int descriptor = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(descriptor, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(descriptor, 1), 0);
  socklen_t length = sizeof(address);
  ::getsockname(descriptor, reinterpret_cast<sockaddr*>(&address), &length);
  int port = ntohs(address.sin_port);
  testing::TemporaryDirectory directory;
  testing::DaemonProcess daemon(directory.Join("data"), directory.Join("run"),
                                "metrics_listen = \"127.0.0.1:" + std::to_string(port) + "\"\n");
  auto exit_code = daemon.RunToExit();
  ::close(descriptor);
  ASSERT_TRUE(exit_code.ok());
  EXPECT_NE(*exit_code, 0);
  EXPECT_NE(daemon.Log().find("metrics_listen"), std::string::npos) << daemon.Log();
}

}  // namespace
}  // namespace backtrace
