// backtraced's query metrics, scraped over real HTTP after real queries: the
// outcomes, the workers' scan figures (reported through QueryFinished), the
// queue, connections and workers.
#include <gtest/gtest.h>

#include "tests/testing/daemon_process.h"
#include "tests/testing/metrics_scrape.h"
#include "tests/testing/orders_ingest.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

TEST(QueryMetrics, ScrapedValuesFollowQueries) {
  testing::TemporaryDirectory directory;
  int port = testing::FreeLoopbackPort();
  testing::DaemonProcess daemon(directory.Join("data"), directory.Join("run"),
                                "metrics_listen = \"127.0.0.1:" + std::to_string(port) +
                                    "\"\nquery_workers = 2\nmax_block_rows = 1000\n");
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  auto before = testing::ScrapeMetricsUntil(
      port, [](auto& samples) { return samples["backtrace_query_workers"] == 2; });
  EXPECT_EQ(before["backtrace_query_workers"], 2);
  EXPECT_EQ(before["backtrace_queries_total{outcome=\"ok\"}"], 0);

  auto ingest = testing::ConnectIngest(daemon.ingest_socket());
  ASSERT_TRUE(ingest.ok());
  ASSERT_TRUE(testing::IngestNumberedOrders(ingest->get(), "orders", 0, 3000, 1000).ok());
  auto query = testing::ConnectQuery(daemon.query_socket());
  ASSERT_TRUE(query.ok());
  for (int i = 0; i < 3; ++i) {
    auto count = testing::QueryInteger(query->get(), "SELECT count(*) FROM orders");
    ASSERT_TRUE(count.ok()) << count.status().ToString();
    EXPECT_EQ(*count, 3000);
  }
  EXPECT_FALSE((*query)->QueryAll("SELECT count(*) FROM missing").ok());
  EXPECT_FALSE((*query)->QueryAll("SELECT missing FROM orders").ok());

  const std::string ok = "backtrace_queries_total{outcome=\"ok\"}";
  const std::string error = "backtrace_queries_total{outcome=\"error\"}";
  auto after = testing::ScrapeMetricsUntil(
      port, [&](auto& samples) { return samples[ok] == 3 && samples[error] == 2; });
  EXPECT_EQ(after[ok], 3);
  EXPECT_EQ(after[error], 2);
  EXPECT_EQ(after["backtrace_queries_total{outcome=\"rejected\"}"], 0);
  EXPECT_EQ(after["backtrace_queries_total{outcome=\"worker_crash\"}"], 0);
  EXPECT_EQ(after["backtrace_query_duration_seconds_count"], 5);
  // Every query read all 3000 rows, whether persisted or still in memory.
  EXPECT_EQ(after["backtrace_query_rows_scanned_total"], 9000);
  EXPECT_EQ(after["backtrace_query_blocks_total{kind=\"scanned\"}"], 9);
  EXPECT_EQ(after["backtrace_query_blocks_total{kind=\"pruned\"}"], 0);
  EXPECT_EQ(after["backtrace_query_granules_total{kind=\"scanned\"}"], 9);
  EXPECT_EQ(after["backtrace_queries_queued"], 0);
  EXPECT_EQ(after["backtrace_query_connections"], 1);
  EXPECT_EQ(after["backtrace_query_workers"], 2);
  EXPECT_EQ(after["backtrace_query_worker_restarts_total"], 0);
}

}  // namespace
}  // namespace backtrace
