// backtrace-worker --role query as a real process, driven by the test in the
// daemon's place: assignments over a real socketpair with real memfds and a
// real client socket, the catalog opened as a secondary of a real primary.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/catalog/catalog.h"
#include "common/hot/hot_block.h"
#include "common/ipc/query_dispatch.h"
#include "common/wire/frame.h"
#include "common/wire/query_messages.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/orders_ingest.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

// What a client received: the frames of one answer, decoded.
struct Answer {
  bool has_schema = false;
  std::vector<ColumnVector> values;
  std::optional<wire::QueryStatistics> end;
  Status error;
};

class QueryWorkerProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = directory_.Join("data");
    auto catalog = Catalog::OpenPrimary(data_dir_ + "/catalog");
    ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
    catalog_ = std::move(*catalog);
    auto table = catalog_->CreateTable(testing::NumberedOrdersSchema("orders"));
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    table_ = *table;

    int daemon_end = -1, worker_end = -1;
    ASSERT_TRUE(ipc::MessageChannel::CreatePair(&daemon_end, &worker_end).ok());
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::dup2(worker_end, 3);
      std::string binary = testing::BinaryDirectory() + "/backtrace-worker";
      ::execl(binary.c_str(), binary.c_str(), "--role", "query", "--control-fd", "3",
              "--data-dir", data_dir_.c_str(), "--worker-index", "0",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(worker_end);
    channel_ = std::make_unique<ipc::MessageChannel>(daemon_end);
  }

  void TearDown() override {
    channel_.reset();  // the worker exits at the end of its channel
    if (pid_ > 0) {
      int status = 0;
      ::waitpid(pid_, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
  }

  // A hot block holding numbered rows [first, first + count).
  std::shared_ptr<hot::HotBlock> Block(int64_t first, size_t count) {
    testing::NumberedOrders rows(first, count);
    auto block = hot::HotBlock::Create(table_.table_id, static_cast<uint64_t>(first) + 1,
                                       {ColumnType::kTimestamp, ColumnType::kString,
                                        ColumnType::kFloat64, ColumnType::kInt64},
                                       count, 1 << 16);
    EXPECT_TRUE(block.ok()) << block.status().ToString();
    (*block)->AppendFixed(0, rows.ts.int64s().data(), count);
    (*block)->AppendStrings(1, rows.symbol.strings().offsets.data(),
                            reinterpret_cast<const uint8_t*>(rows.symbol.strings().bytes.data()),
                            count);
    (*block)->AppendFixed(2, rows.price.float64s().data(), count);
    (*block)->AppendFixed(3, rows.qty.int64s().data(), count);
    (*block)->CommitRows(count);
    return std::shared_ptr<hot::HotBlock>(std::move(*block));
  }

  // Sends `sql` over `blocks` and reads the answer from the client's end.
  Answer Run(uint64_t request_id, const std::string& sql,
             const std::vector<std::shared_ptr<hot::HotBlock>>& blocks,
             ipc::QueryFinished* finished) {
    int sockets[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets), 0);
    ipc::QueryAssignment assignment;
    assignment.request_id = request_id;
    assignment.sql = sql;
    assignment.table_id = table_.table_id;
    assignment.table_name = "orders";
    assignment.catalog_sequence = *catalog_->CurrentSequence();
    assignment.memory_bytes = 64 << 20;
    assignment.max_frame_bytes = 1 << 20;
    std::vector<int> descriptors;
    for (const auto& block : blocks) {
      assignment.blocks.push_back({block->row_count(), block->block_sequence()});
      descriptors.push_back(block->descriptor());
    }
    Status sent = ipc::SendQueryAssignment(*channel_, assignment, sockets[1], descriptors);
    EXPECT_TRUE(sent.ok()) << sent.ToString();
    ::close(sockets[1]);

    // The worker reports its first output, then the end.
    bool started = false;
    while (true) {
      auto message = channel_->Receive();
      EXPECT_TRUE(message.ok()) << message.status().ToString();
      if (!message.ok()) break;
      auto report = ipc::DecodeWorkerReport(message->payload);
      EXPECT_TRUE(report.ok());
      if (std::holds_alternative<ipc::QueryOutputStarted>(*report)) {
        started = true;
        continue;
      }
      *finished = std::get<ipc::QueryFinished>(*report);
      break;
    }
    EXPECT_TRUE(started);

    // The worker closed its copy: the answer ends at end of stream.
    std::string bytes;
    char buffer[65536];
    ssize_t got;
    while ((got = ::read(sockets[0], buffer, sizeof(buffer))) > 0) bytes.append(buffer, got);
    ::close(sockets[0]);
    Answer answer;
    wire::FrameDecoder decoder;
    Status fed = decoder.Feed(bytes, [&](std::string_view payload) -> Status {
      ASSIGN_OR_RETURN(const fb::QueryResponse* response, wire::VerifyQueryResponse(payload));
      EXPECT_EQ(response->request_id(), request_id);
      if (const auto* schema = response->body_as_ResultSchema()) {
        answer.has_schema = true;
        ASSIGN_OR_RETURN(auto columns, wire::ReadResultSchema(*schema));
        for (const auto& column : columns) answer.values.emplace_back(column.type);
      } else if (const auto* batch = response->body_as_ResultBatch()) {
        for (size_t i = 0; i < answer.values.size(); ++i) {
          RETURN_IF_ERROR(wire::AppendColumnData(*batch->columns()->Get(i), &answer.values[i]));
        }
      } else if (const auto* end = response->body_as_End()) {
        answer.end = wire::ReadEnd(*end);
      } else if (const auto* error = response->body_as_Error()) {
        answer.error = Status(static_cast<StatusCode>(error->code()), error->message()->str());
      }
      return Status::Ok();
    });
    EXPECT_TRUE(fed.ok()) << fed.ToString();
    return answer;
  }

  testing::TemporaryDirectory directory_;
  std::string data_dir_;
  std::unique_ptr<Catalog> catalog_;
  TableInfo table_;
  pid_t pid_ = -1;
  std::unique_ptr<ipc::MessageChannel> channel_;
};

TEST_F(QueryWorkerProcess, CountsEveryRowOfMoreBlocksThanOneMessageCarries) {
  // 20 blocks: the connection and 15 memfds in the assignment, 5 more after.
  std::vector<std::shared_ptr<hot::HotBlock>> blocks;
  for (int i = 0; i < 20; ++i) blocks.push_back(Block(i * 100, 100));
  ipc::QueryFinished finished;
  Answer answer = Run(7, "SELECT count(*), sum(qty) FROM orders", blocks, &finished);
  ASSERT_TRUE(answer.error.ok()) << answer.error.ToString();
  ASSERT_TRUE(answer.end.has_value());
  ASSERT_EQ(answer.values.size(), 2u);
  EXPECT_EQ(answer.values[0].int64s().at(0), 2000);
  EXPECT_EQ(answer.values[1].int64s().at(0), 2000 * 2001 / 2);
  EXPECT_EQ(answer.end->blocks_total, 20u);
  EXPECT_TRUE(finished.status.ok()) << finished.status.ToString();
  EXPECT_TRUE(finished.answer_complete);
  EXPECT_EQ(finished.request_id, 7u);
  EXPECT_EQ(finished.statistics.rows_scanned, 2000u);
}

TEST_F(QueryWorkerProcess, QueryErrorGoesToTheClientAndTheWorkerGoesOn) {
  std::vector<std::shared_ptr<hot::HotBlock>> blocks = {Block(0, 50)};
  ipc::QueryFinished finished;
  Answer failed = Run(1, "SELECT nothing FROM orders", blocks, &finished);
  EXPECT_FALSE(failed.has_schema);
  ASSERT_FALSE(failed.error.ok());
  EXPECT_NE(failed.error.message().find("nothing"), std::string::npos) << failed.error.ToString();
  EXPECT_EQ(finished.status.code(), failed.error.code());
  EXPECT_TRUE(finished.answer_complete);

  Answer rows = Run(2, "SELECT ts FROM orders WHERE ts >= 10 AND ts < 20", blocks, &finished);
  ASSERT_TRUE(rows.error.ok()) << rows.error.ToString();
  ASSERT_EQ(rows.values.size(), 1u);
  EXPECT_EQ(rows.values[0].size(), 10u);
  EXPECT_TRUE(finished.status.ok());
}

}  // namespace
}  // namespace backtrace
