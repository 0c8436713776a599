// query_server_helper: a QueryTestServer in a process of its own, for tests
// that run the real `backtrace query` against it.
//
//   query_server_helper SOCKET_PATH TABLE_DIRECTORY ORDER_ROWS [BEHAVIOUR]
//
// Builds the tables of AddQueryTestTables (ORDER_ROWS generated orders)
// under TABLE_DIRECTORY, serves SOCKET_PATH, writes "ready\n" to standard
// output and serves until SIGTERM or SIGINT. BEHAVIOUR is one of normal
// (the default), close-after-first-batch, error-after-first-batch,
// busy-and-close. Exit code 0 after a clean stop, 1 on a bad argument or
// start-up failure (with the reason on standard error).
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/testing/query_test_server.h"

int main(int argc, char** argv) {
  using backtrace::testing::QueryServerBehaviour;
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr,
                 "usage: query_server_helper SOCKET_PATH TABLE_DIRECTORY ORDER_ROWS [BEHAVIOUR]\n");
    return 1;
  }
  std::string behaviour_name = argc == 5 ? argv[4] : "normal";
  QueryServerBehaviour behaviour;
  if (behaviour_name == "normal") {
    behaviour = QueryServerBehaviour::kNormal;
  } else if (behaviour_name == "close-after-first-batch") {
    behaviour = QueryServerBehaviour::kCloseAfterFirstBatch;
  } else if (behaviour_name == "error-after-first-batch") {
    behaviour = QueryServerBehaviour::kErrorAfterFirstBatch;
  } else if (behaviour_name == "busy-and-close") {
    behaviour = QueryServerBehaviour::kBusyAndClose;
  } else {
    std::fprintf(stderr, "query_server_helper: unknown behaviour %s\n", behaviour_name.c_str());
    return 1;
  }

  // Block the stop signals before the server thread starts, so that only
  // sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  backtrace::query::LocalCatalogue catalogue;
  backtrace::Status added = backtrace::testing::AddQueryTestTables(
      argv[2], static_cast<size_t>(std::strtoull(argv[3], nullptr, 10)), &catalogue);
  if (!added.ok()) {
    std::fprintf(stderr, "query_server_helper: %s\n", added.ToString().c_str());
    return 1;
  }
  auto server = backtrace::testing::QueryTestServer::Start(argv[1], &catalogue);
  if (!server.ok()) {
    std::fprintf(stderr, "query_server_helper: %s\n", server.status().ToString().c_str());
    return 1;
  }
  (*server)->set_behaviour(behaviour);
  std::fputs("ready\n", stdout);
  std::fflush(stdout);
  int received = 0;
  sigwait(&stop_signals, &received);
  return 0;
}
