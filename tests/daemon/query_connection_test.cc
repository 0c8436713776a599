// Query connections that misbehave, through a real daemon: a client that
// leaves while its query waits in the queue, and one that stops reading
// its answer. Raw sockets stand in for such clients.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "common/wire/frame.h"
#include "common/wire/ingest_messages.h"
#include "common/wire/query_messages.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/orders_ingest.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

using testing::DaemonProcess;
using testing::TemporaryDirectory;

// Connects to `path` and sends one Query; returns the socket.
int SendQuery(const std::string& path, const std::string& sql) {
  int descriptor = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
  EXPECT_EQ(::connect(descriptor, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  flatbuffers::FlatBufferBuilder builder(256);
  wire::FinishQueryRequest(builder, 1, sql);
  std::string frame;
  EXPECT_TRUE(wire::AppendFrame(wire::MessageBytes(builder), wire::kDefaultMaxFrameBytes, &frame).ok());
  EXPECT_EQ(::send(descriptor, frame.data(), frame.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(frame.size()));
  return descriptor;
}

class QueryConnection : public ::testing::Test {
 protected:
  void StartDaemon(const std::string& config, int delay_ms) {
    if (delay_ms > 0) {
      ::setenv("BACKTRACE_TEST_QUERY_DELAY", ("slow:" + std::to_string(delay_ms)).c_str(), 1);
    }
    daemon_ = std::make_unique<DaemonProcess>(directory_.Join("data"), directory_.Join("run"),
                                              config);
    Status started = daemon_->Start();
    ::unsetenv("BACKTRACE_TEST_QUERY_DELAY");
    ASSERT_TRUE(started.ok()) << daemon_->Log();
  }
  void Ingest(const std::string& table, int64_t rows) {
    auto ingest = testing::ConnectIngest(daemon_->ingest_socket());
    ASSERT_TRUE(ingest.ok()) << ingest.status().ToString();
    ASSERT_TRUE(testing::IngestNumberedOrders(ingest->get(), table, 0, rows, 20000).ok());
  }
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

TEST_F(QueryConnection, ClientLeavingWhileQueuedIsDroppedFromTheQueue) {
#if !defined(BACKTRACE_CRASH_POINTS)
  GTEST_SKIP() << "needs the test build's query delay hook";
#endif
  StartDaemon("query_workers = 1\nmax_queued_queries = 1\n", 1500);
  Ingest("slow", 100);
  auto running = testing::ConnectQuery(daemon_->query_socket());
  ASSERT_TRUE(running.ok());
  auto first = std::async(std::launch::async,
                          [&] { return (*running)->QueryAll("SELECT count(*) FROM slow"); });
  ASSERT_TRUE(WaitForLog("dispatched at catalog sequence")) << daemon_->Log();

  // Fills the queue's one place, then leaves.
  int leaving = SendQuery(daemon_->query_socket(), "SELECT count(*) FROM slow");
  ASSERT_TRUE(WaitForLog("queued behind 0")) << daemon_->Log();
  ::close(leaving);
  ASSERT_TRUE(WaitForLog("is dropped")) << daemon_->Log();

  // The place is free again: this query waits instead of being refused.
  auto waiting = testing::ConnectQuery(daemon_->query_socket());
  ASSERT_TRUE(waiting.ok());
  auto count = testing::QueryInteger(waiting->get(), "SELECT count(*) FROM slow");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, 100);
  auto answer = first.get();
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
}

TEST_F(QueryConnection, ClientThatStopsReadingCannotHoldTheWorkerPastTheDeadline) {
  StartDaemon("query_workers = 1\nquery_timeout = \"1s\"\n", 0);
  Ingest("orders", 100000);
  // Asks for 100,000 rows (1.6 MB, far more than the socket buffers) and
  // never reads them.
  int stalled = SendQuery(daemon_->query_socket(), "SELECT ts, qty FROM orders");
  ASSERT_TRUE(WaitForLog("dispatched at catalog sequence")) << daemon_->Log();

  // The worker gives up writing at the deadline and reports the timeout...
  ASSERT_TRUE(WaitForLog("ran longer than query_timeout")) << daemon_->Log();
  // ...and is free again for the next query.
  auto other = testing::ConnectQuery(daemon_->query_socket());
  ASSERT_TRUE(other.ok());
  auto count = testing::QueryInteger(other->get(), "SELECT count(*) FROM orders");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, 100000);

  // The stalled connection holds part of the answer, then ends.
  timeval timeout{30, 0};
  ::setsockopt(stalled, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  size_t received = 0;
  char buffer[65536];
  ssize_t got;
  while ((got = ::recv(stalled, buffer, sizeof(buffer), 0)) > 0) received += static_cast<size_t>(got);
  EXPECT_EQ(got, 0) << "the daemon closes the connection rather than leave it open";
  EXPECT_GT(received, 0u);
  EXPECT_LT(received, 1600000u);
  ::close(stalled);
}

}  // namespace
}  // namespace backtrace
