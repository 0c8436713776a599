// How backtraced's query service fails: a query worker killed in the middle
// of a query, the query timeout, the query memory limit, a full queue, and
// errors the daemon answers itself (syntax, unknown table). Queries are
// held in a worker by the test build's BACKTRACE_TEST_QUERY_DELAY hook
// (worker/query_test_delay.h).
#include <gtest/gtest.h>

#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <future>
#include <thread>

#include "tests/testing/daemon_process.h"
#include "tests/testing/orders_ingest.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

using testing::DaemonProcess;
using testing::TemporaryDirectory;

class QueryFailure : public ::testing::Test {
 protected:
  // Starts a daemon whose workers hold every query of table "slow" for
  // delay_ms, with rows in tables "slow" and "orders".
  void StartDaemon(const std::string& config, int delay_ms = 0) {
    if (delay_ms > 0) {
      ::setenv("BACKTRACE_TEST_QUERY_DELAY", ("slow:" + std::to_string(delay_ms)).c_str(), 1);
    }
    daemon_ = std::make_unique<DaemonProcess>(directory_.Join("data"), directory_.Join("run"),
                                              config);
    Status started = daemon_->Start();
    ::unsetenv("BACKTRACE_TEST_QUERY_DELAY");
    ASSERT_TRUE(started.ok()) << daemon_->Log();
    auto ingest = testing::ConnectIngest(daemon_->ingest_socket());
    ASSERT_TRUE(ingest.ok()) << ingest.status().ToString();
    ASSERT_TRUE(testing::IngestNumberedOrders(ingest->get(), "slow", 0, 1000, 1000).ok());
    ASSERT_TRUE(testing::IngestNumberedOrders(ingest->get(), "orders", 0, 1000, 1000).ok());
  }
  std::unique_ptr<client::QueryClient> Query() {
    auto client = testing::ConnectQuery(daemon_->query_socket());
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }
  // Waits until the daemon's log shows `text` (at most 30 s).
  bool WaitForLog(const std::string& text) {
    for (int attempt = 0; attempt < 1500; ++attempt) {
      if (daemon_->Log().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  TemporaryDirectory directory_;
  std::unique_ptr<DaemonProcess> daemon_;
};

#if defined(BACKTRACE_CRASH_POINTS)
#define REQUIRES_TEST_HOOKS()
#else
#define REQUIRES_TEST_HOOKS() GTEST_SKIP() << "needs the test build's query delay hook"
#endif

TEST_F(QueryFailure, WorkerKilledMidQueryAnswersWithAnErrorAndIsReplaced) {
  REQUIRES_TEST_HOOKS();
  StartDaemon("query_workers = 1\n", 20000);
  std::vector<pid_t> workers = daemon_->ChildPidsWithRole("query");
  ASSERT_EQ(workers.size(), 1u);
  auto query = Query();
  auto slow = std::async(std::launch::async,
                         [&] { return query->QueryAll("SELECT count(*) FROM slow"); });
  ASSERT_TRUE(WaitForLog("dispatched at catalog sequence")) << daemon_->Log();
  ASSERT_EQ(::kill(workers[0], SIGKILL), 0);
  auto answer = slow.get();
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.status().message().find("worker"), std::string::npos)
      << answer.status().ToString();

  // The same connection and a new one both work, served by a new worker.
  auto again = testing::QueryInteger(query.get(), "SELECT count(*) FROM orders");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, 1000);
  auto other = Query();
  auto count = testing::QueryInteger(other.get(), "SELECT count(*) FROM orders");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  std::vector<pid_t> replaced = daemon_->ChildPidsWithRole("query");
  ASSERT_EQ(replaced.size(), 1u);
  EXPECT_NE(replaced[0], workers[0]);
}

TEST_F(QueryFailure, QueryPastTheTimeoutGetsAnErrorNamingIt) {
  REQUIRES_TEST_HOOKS();
  StartDaemon("query_workers = 1\nquery_timeout = \"300ms\"\n", 1500);
  auto query = Query();
  auto answer = query->QueryAll("SELECT count(*) FROM slow");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kAborted);
  EXPECT_NE(answer.status().message().find("query_timeout"), std::string::npos)
      << answer.status().ToString();
  // The worker goes on serving.
  auto count = testing::QueryInteger(query.get(), "SELECT count(*) FROM orders");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
}

TEST_F(QueryFailure, WorkerStillRunningLongPastTheDeadlineIsKilled) {
  REQUIRES_TEST_HOOKS();
  // The hook's sleep ignores the deadline: only the daemon can end it, 5 s
  // after the deadline.
  StartDaemon("query_workers = 1\nquery_timeout = \"200ms\"\n", 30000);
  std::vector<pid_t> workers = daemon_->ChildPidsWithRole("query");
  ASSERT_EQ(workers.size(), 1u);
  auto query = Query();
  auto answer = query->QueryAll("SELECT count(*) FROM slow");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kAborted);
  EXPECT_NE(answer.status().message().find("query_timeout"), std::string::npos)
      << answer.status().ToString();
  EXPECT_NE(answer.status().message().find("killed"), std::string::npos)
      << answer.status().ToString();
  auto count = testing::QueryInteger(query.get(), "SELECT count(*) FROM orders");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  std::vector<pid_t> replaced = daemon_->ChildPidsWithRole("query");
  ASSERT_EQ(replaced.size(), 1u);
  EXPECT_NE(replaced[0], workers[0]);
}

TEST_F(QueryFailure, QueryOverTheMemoryLimitGetsAnErrorNamingIt) {
  StartDaemon("query_workers = 1\nquery_memory_bytes = \"1MiB\"\n");
  auto ingest = testing::ConnectIngest(daemon_->ingest_socket());
  ASSERT_TRUE(ingest.ok());
  ASSERT_TRUE(testing::IngestNumberedOrders(ingest->get(), "wide", 0, 100000, 20000).ok());
  auto query = Query();
  // qty is distinct on every row: 100,000 groups.
  auto answer = query->QueryAll("SELECT qty, count(*) FROM wide GROUP BY qty");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(answer.status().message().find("query_memory_bytes"), std::string::npos)
      << answer.status().ToString();
  auto count = testing::QueryInteger(query.get(), "SELECT count(*) FROM wide");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, 100000);
}

TEST_F(QueryFailure, QueryBeyondTheQueueIsRefusedAtOnce) {
  REQUIRES_TEST_HOOKS();
  StartDaemon("query_workers = 1\nmax_queued_queries = 1\n", 1500);
  // Three queries at once: one runs, one waits, the third is refused,
  // whatever order they arrive in.
  std::vector<std::future<Result<client::QueryResult>>> answers;
  std::vector<std::unique_ptr<client::QueryClient>> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(Query());
  for (int i = 0; i < 3; ++i) {
    client::QueryClient* client = clients[static_cast<size_t>(i)].get();
    answers.push_back(std::async(std::launch::async,
                                 [client] { return client->QueryAll("SELECT count(*) FROM slow"); }));
  }
  int busy = 0, answered = 0;
  for (auto& answer : answers) {
    auto result = answer.get();
    if (result.ok()) {
      ++answered;
      EXPECT_EQ(result->values[0].int64s()[0], 1000);
    } else {
      ++busy;
      EXPECT_EQ(result.status().code(), StatusCode::kBusy) << result.status().ToString();
      EXPECT_NE(result.status().message().find("max_queued_queries = 1"), std::string::npos)
          << result.status().ToString();
    }
  }
  EXPECT_EQ(busy, 1);
  EXPECT_EQ(answered, 2);
}

TEST_F(QueryFailure, UnknownTableAndSyntaxErrorsNameTheProblem) {
  StartDaemon("query_workers = 1\n");
  auto query = Query();
  auto unknown = query->QueryAll("SELECT count(*) FROM nowhere");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("nowhere"), std::string::npos);
  auto syntax = query->QueryAll("SELECT count(* FROM orders");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(syntax.status().message().find("syntax error"), std::string::npos)
      << syntax.status().ToString();
  auto column = query->QueryAll("SELECT nothing FROM orders");
  ASSERT_FALSE(column.ok());
  EXPECT_NE(column.status().message().find("nothing"), std::string::npos)
      << column.status().ToString();
  // The connection goes on.
  auto count = testing::QueryInteger(query.get(), "SELECT count(*) FROM orders");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, 1000);
}

}  // namespace
}  // namespace backtrace
