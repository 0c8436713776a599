// tools/grafana/backtracedb.json against a real daemon: every metric the
// dashboard's queries name is one that backtraced exports, so no panel is
// silently empty after a rename.
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "tests/testing/daemon_process.h"
#include "tests/testing/metrics_scrape.h"
#include "tests/testing/orders_ingest.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

std::string ReadDashboard() {
  std::ifstream file(std::string(BACKTRACE_SOURCE_DIRECTORY) + "/tools/grafana/backtracedb.json");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Every backtrace_* name in `text`, with the histogram suffixes removed.
std::set<std::string> MetricNames(const std::string& text) {
  std::set<std::string> names;
  size_t at = 0;
  while ((at = text.find("backtrace_", at)) != std::string::npos) {
    size_t end = at;
    while (end < text.size() && (std::islower(static_cast<unsigned char>(text[end])) ||
                                 text[end] == '_')) {
      ++end;
    }
    std::string name = text.substr(at, end - at);
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string tail(suffix);
      if (name.size() > tail.size() && name.compare(name.size() - tail.size(), tail.size(),
                                                    tail) == 0) {
        name.resize(name.size() - tail.size());
      }
    }
    names.insert(name);
    at = end;
  }
  return names;
}

TEST(GrafanaDashboard, EveryMetricItQueriesIsExported) {
  std::string dashboard = ReadDashboard();
  ASSERT_FALSE(dashboard.empty());
  std::set<std::string> wanted = MetricNames(dashboard);
  ASSERT_GT(wanted.size(), 20u);

  testing::TemporaryDirectory directory;
  int port = testing::FreeLoopbackPort();
  testing::DaemonProcess daemon(directory.Join("data"), directory.Join("run"),
                                "metrics_listen = \"127.0.0.1:" + std::to_string(port) +
                                    "\"\nquery_workers = 1\nmax_block_rows = 1000\n");
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  auto ingest = testing::ConnectIngest(daemon.ingest_socket());
  ASSERT_TRUE(ingest.ok());
  ASSERT_TRUE(testing::IngestNumberedOrders(ingest->get(), "orders", 0, 2000, 1000).ok());
  auto query = testing::ConnectQuery(daemon.query_socket());
  ASSERT_TRUE(query.ok());
  ASSERT_TRUE(testing::QueryInteger(query->get(), "SELECT count(*) FROM orders").ok());
  testing::ScrapeMetricsUntil(port, [](auto& samples) {
    return samples["backtrace_queries_total{outcome=\"ok\"}"] == 1;
  });
  std::set<std::string> exported = MetricNames(testing::ScrapeMetrics(port));
  for (const std::string& name : wanted) {
    EXPECT_TRUE(exported.count(name) == 1) << name << " is in the dashboard but not exported";
  }
}

}  // namespace
}  // namespace backtrace
