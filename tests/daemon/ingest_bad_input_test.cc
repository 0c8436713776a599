// Every kind of bad ingest input gets an error naming the problem, the
// daemon keeps serving, and nothing invalid reaches the WAL.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "common/client/ingest_client.h"
#include "common/wal/wal_replay.h"
#include "common/wire/frame.h"
#include "common/wire/ingest_messages.h"
#include "common/wire/wire_status.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

using client::IngestClient;
using client::NamedColumn;

class IngestBadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<testing::DaemonProcess>(directory_.Join("data"),
                                                       directory_.Join("run"));
    ASSERT_TRUE(daemon_->Start().ok()) << daemon_->Log();
    client_ = Connect();
    auto schema = ParseTableSchema("orders", "ts:timestamp,symbol:string,qty:int64", "ts");
    ASSERT_TRUE(schema.ok());
    ASSERT_TRUE(client_->CreateTable(*schema).ok());
  }

  std::unique_ptr<IngestClient> Connect() {
    auto client = IngestClient::Connect({.socket_path = daemon_->ingest_socket()});
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return std::move(client).value();
  }

  // Sends a batch and returns what Flush says.
  Status Send(const std::vector<NamedColumn>& columns, std::string table = "orders") {
    Status sent = client_->Append(table, columns);
    if (!sent.ok()) return sent;
    return client_->Flush();
  }

  // A good batch on a fresh connection and on the test's connection.
  void ExpectGoodBatchAccepted() {
    ColumnVector ts(ColumnType::kTimestamp), symbol(ColumnType::kString), qty(ColumnType::kInt64);
    ts.int64s() = {1, 2};
    symbol.strings().push_back("BTC");
    symbol.strings().push_back("ETH");
    qty.int64s() = {10, 20};
    auto fresh = Connect();
    EXPECT_TRUE(fresh->Append("orders", {{"ts", &ts}, {"symbol", &symbol}, {"qty", &qty}}).ok());
    EXPECT_TRUE(fresh->Flush().ok());
    ++good_batches_;
  }

  // Connects a raw socket, sends bytes, returns the first response's
  // status and whether the daemon closed the connection afterwards.
  std::pair<Status, bool> SendRaw(const std::string& bytes) {
    int descriptor = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, daemon_->ingest_socket().c_str());
    EXPECT_EQ(::connect(descriptor, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(::send(descriptor, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
    wire::FrameDecoder decoder;
    Status status = Status::Internal("no response");
    bool closed = false;
    while (true) {
      auto space = decoder.WritableSpace();
      ssize_t got = ::recv(descriptor, space.data(), space.size(), 0);
      if (got <= 0) {
        closed = true;
        break;
      }
      decoder.CommitWrite(static_cast<size_t>(got));
      auto frame = decoder.Next();
      if (frame.ok() && frame->has_value()) {
        auto response = wire::VerifyResponse(**frame);
        if (response.ok() && (*response)->body_as_Error() != nullptr) {
          status = wire::StatusFromError(*(*response)->body_as_Error());
        }
        // Wait to see whether the daemon closes the connection.
        timeval timeout{2, 0};
        ::setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
        char byte;
        closed = ::recv(descriptor, &byte, 1, 0) == 0;
        break;
      }
    }
    ::close(descriptor);
    return {status, closed};
  }

  testing::TemporaryDirectory directory_;
  std::unique_ptr<testing::DaemonProcess> daemon_;
  std::unique_ptr<IngestClient> client_;
  int good_batches_ = 0;
};

std::string MessageOf(const Status& status) { return status.message(); }

TEST_F(IngestBadInput, UnknownTableIsNamed) {
  ColumnVector ts(ColumnType::kTimestamp);
  ts.int64s() = {1};
  Status status = Send({{"ts", &ts}}, "nosuchtable");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_NE(MessageOf(status).find("nosuchtable"), std::string::npos) << status.ToString();
  ExpectGoodBatchAccepted();
}

TEST_F(IngestBadInput, MissingColumnIsNamed) {
  ColumnVector ts(ColumnType::kTimestamp), symbol(ColumnType::kString);
  ts.int64s() = {1};
  symbol.strings().push_back("BTC");
  Status status = Send({{"ts", &ts}, {"symbol", &symbol}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(MessageOf(status).find("\"qty\""), std::string::npos) << status.ToString();
  EXPECT_NE(MessageOf(status).find("missing"), std::string::npos) << status.ToString();
  ExpectGoodBatchAccepted();
}

TEST_F(IngestBadInput, WrongTypeIsNamed) {
  ColumnVector ts(ColumnType::kTimestamp), symbol(ColumnType::kString), qty(ColumnType::kFloat64);
  ts.int64s() = {1};
  symbol.strings().push_back("BTC");
  qty.float64s() = {1.5};
  Status status = Send({{"ts", &ts}, {"symbol", &symbol}, {"qty", &qty}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(MessageOf(status).find("\"qty\" is float64 in the batch but int64"),
            std::string::npos)
      << status.ToString();
  ExpectGoodBatchAccepted();
}

TEST_F(IngestBadInput, UnknownColumnIsNamed) {
  ColumnVector ts(ColumnType::kTimestamp), symbol(ColumnType::kString), qty(ColumnType::kInt64),
      extra(ColumnType::kInt64);
  ts.int64s() = {1};
  symbol.strings().push_back("BTC");
  qty.int64s() = {1};
  extra.int64s() = {1};
  Status status = Send({{"ts", &ts}, {"symbol", &symbol}, {"qty", &qty}, {"venue", &extra}});
  EXPECT_NE(MessageOf(status).find("\"venue\" is not a column of table orders"), std::string::npos)
      << status.ToString();
  ExpectGoodBatchAccepted();
}

TEST_F(IngestBadInput, UnequalColumnLengthsAreRejected) {
  ColumnVector ts(ColumnType::kTimestamp), symbol(ColumnType::kString), qty(ColumnType::kInt64);
  ts.int64s() = {1, 2};
  symbol.strings().push_back("BTC");
  symbol.strings().push_back("ETH");
  qty.int64s() = {1};
  Status status = Send({{"ts", &ts}, {"symbol", &symbol}, {"qty", &qty}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(MessageOf(status).find("qty"), std::string::npos) << status.ToString();
  ExpectGoodBatchAccepted();
}

TEST_F(IngestBadInput, OversizedStringIsRejected) {
  ColumnVector ts(ColumnType::kTimestamp), symbol(ColumnType::kString), qty(ColumnType::kInt64);
  ts.int64s() = {1};
  symbol.strings().push_back(std::string(kMaxStringBytes + 1, 'x'));
  qty.int64s() = {1};
  Status status = Send({{"ts", &ts}, {"symbol", &symbol}, {"qty", &qty}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(MessageOf(status).find("symbol"), std::string::npos) << status.ToString();
  ExpectGoodBatchAccepted();
}

TEST_F(IngestBadInput, TimestampOutOfRangeIsRejected) {
  ColumnVector ts(ColumnType::kTimestamp), symbol(ColumnType::kString), qty(ColumnType::kInt64);
  ts.int64s() = {INT64_MIN};
  symbol.strings().push_back("BTC");
  qty.int64s() = {1};
  Status status = Send({{"ts", &ts}, {"symbol", &symbol}, {"qty", &qty}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(MessageOf(status).find("outside the accepted range"), std::string::npos)
      << status.ToString();
  ExpectGoodBatchAccepted();
}

TEST_F(IngestBadInput, FrameOverTheLimitGetsAnErrorAndIsClosed) {
  auto header = wire::EncodeFrameHeader(0xFFFFFFF0u);
  auto [status, closed] = SendRaw(std::string(header.data(), header.size()) + "abc");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("frame"), std::string::npos) << status.ToString();
  EXPECT_TRUE(closed);
  ExpectGoodBatchAccepted();
}

TEST_F(IngestBadInput, GarbageFrameGetsAnErrorAndIsClosed) {
  std::string garbage(100, '\x5a');
  auto header = wire::EncodeFrameHeader(static_cast<uint32_t>(garbage.size()));
  auto [status, closed] = SendRaw(std::string(header.data(), header.size()) + garbage);
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(closed);
  ExpectGoodBatchAccepted();
}

TEST_F(IngestBadInput, WalHoldsOnlyValidRecords) {
  ColumnVector ts(ColumnType::kTimestamp);
  ts.int64s() = {1};
  EXPECT_FALSE(Send({{"ts", &ts}}).ok());
  ASSERT_TRUE(client_->Reconnect().ok());
  EXPECT_FALSE(Send({{"ts", &ts}}, "nosuchtable").ok());
  ExpectGoodBatchAccepted();
  ExpectGoodBatchAccepted();
  daemon_->Kill();
  int records = 0;
  wal::ReplayReport report;
  Status replayed = wal::Replay(
      daemon_->data_dir() + "/wal", 1,
      [&](uint64_t, uint8_t type, std::string_view payload) -> Status {
        EXPECT_EQ(type, 1);
        std::string aligned(payload.substr(8));
        auto request = wire::VerifyRequest(aligned);
        EXPECT_TRUE(request.ok());
        if (request.ok()) {
          EXPECT_TRUE(wire::ValidateRequest(**request).ok());
        }
        ++records;
        return Status::Ok();
      },
      false, &report);
  ASSERT_TRUE(replayed.ok()) << replayed.ToString();
  EXPECT_EQ(records, good_batches_);
}

}  // namespace
}  // namespace backtrace
