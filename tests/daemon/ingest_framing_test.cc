// How backtraced cuts its ingest stream into frames: frames split across
// writes at any byte, large frames read straight into their own buffer,
// many frames in one write, and frames the daemon must refuse.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <thread>

#include "common/client/ingest_client.h"
#include "common/wire/frame.h"
#include "common/wire/ingest_messages.h"
#include "common/wire/wire_status.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/stored_rows.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

TableSchema TradesSchema() {
  auto schema = ParseTableSchema("trades", "ts:timestamp,symbol:string,qty:int64", "ts");
  EXPECT_TRUE(schema.ok()) << schema.status().ToString();
  return *schema;
}

// One Append frame (header and payload) of rows [first, first + count).
std::string AppendFrame(uint64_t request_id, int64_t first, size_t count) {
  ColumnVector ts(ColumnType::kTimestamp), symbol(ColumnType::kString), qty(ColumnType::kInt64);
  for (size_t i = 0; i < count; ++i) {
    int64_t row = first + static_cast<int64_t>(i);
    ts.int64s().push_back(row);
    symbol.strings().push_back(row % 3 == 0 ? "BTC" : "ETH");
    qty.int64s().push_back(row);
  }
  flatbuffers::FlatBufferBuilder builder(1024 + count * 32);
  std::vector<flatbuffers::Offset<fb::ColumnData>> columns = {
      wire::BuildColumnData(builder, "ts", ts), wire::BuildColumnData(builder, "symbol", symbol),
      wire::BuildColumnData(builder, "qty", qty)};
  wire::FinishAppendRequest(builder, request_id, "trades", {}, columns);
  std::string frame;
  Status framed =
      wire::AppendFrame(wire::MessageBytes(builder), wire::kLargestMaxFrameBytes, &frame);
  EXPECT_TRUE(framed.ok()) << framed.ToString();
  return frame;
}

class IngestFraming : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(daemon_.Start().ok()) << daemon_.Log();
    auto client = client::IngestClient::Connect({.socket_path = daemon_.ingest_socket()});
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    ASSERT_TRUE((*client)->CreateTable(TradesSchema()).ok());
  }

  int ConnectRaw() {
    int descriptor = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, daemon_.ingest_socket().c_str());
    EXPECT_EQ(::connect(descriptor, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    return descriptor;
  }

  static void SendAll(int descriptor, std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t sent = ::send(descriptor, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      ASSERT_GT(sent, 0);
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
  }

  // Reads `count` responses; stops early at the end of the stream.
  static std::vector<std::string> ReadResponses(int descriptor, size_t count) {
    wire::FrameDecoder decoder;
    std::vector<std::string> responses;
    while (responses.size() < count) {
      auto frame = decoder.Next();
      EXPECT_TRUE(frame.ok());
      if (!frame.ok()) break;
      if (frame->has_value()) {
        responses.emplace_back(**frame);
        continue;
      }
      auto space = decoder.WritableSpace();
      ssize_t got = ::recv(descriptor, space.data(), space.size(), 0);
      if (got <= 0) break;
      decoder.CommitWrite(static_cast<size_t>(got));
    }
    return responses;
  }

  // Whether the daemon closes the connection (within two seconds).
  static bool ClosedByDaemon(int descriptor) {
    timeval timeout{2, 0};
    ::setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    char byte;
    return ::recv(descriptor, &byte, 1, 0) == 0;
  }

  std::vector<int64_t> StoredTimes() {
    daemon_.Kill();
    auto stored = testing::ReadStoredTimes(daemon_.data_dir(), "trades");
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
    if (!stored.ok()) return {};
    std::vector<int64_t> all = stored->persisted;
    all.insert(all.end(), stored->in_wal.begin(), stored->in_wal.end());
    std::sort(all.begin(), all.end());
    return all;
  }

  testing::TemporaryDirectory directory_;
  testing::DaemonProcess daemon_{directory_.Join("data"), directory_.Join("run")};
};

TEST_F(IngestFraming, LargeFrameSentInRandomPiecesIsAppliedOnce) {
  const size_t rows = 150000;  // about 3 MB: most of it read straight into its buffer
  std::string frame = AppendFrame(7, 0, rows);
  int descriptor = ConnectRaw();
  std::mt19937 random(11);
  for (size_t at = 0; at < frame.size();) {
    // Pieces from 1 byte (headers split anywhere) to 200 KB.
    size_t piece = std::min<size_t>(frame.size() - at, random() % 3 == 0 ? 1 + random() % 7
                                                                        : 1 + random() % 200000);
    SendAll(descriptor, std::string_view(frame).substr(at, piece));
    at += piece;
    if (random() % 8 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::vector<std::string> responses = ReadResponses(descriptor, 1);
  ::close(descriptor);
  ASSERT_EQ(responses.size(), 1u);
  auto response = wire::VerifyResponse(responses[0]);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ((*response)->request_id(), 7u);
  ASSERT_NE((*response)->body_as_Ack(), nullptr);
  std::vector<int64_t> stored = StoredTimes();
  ASSERT_EQ(stored.size(), rows);
  for (size_t row = 0; row < rows; ++row) ASSERT_EQ(stored[row], static_cast<int64_t>(row));
}

TEST_F(IngestFraming, ManyFramesInOneWriteAreAnsweredInOrder) {
  // Small frames and large ones, all sent before any answer is read.
  std::string bytes;
  std::vector<size_t> counts;
  int64_t first = 0;
  for (uint64_t request = 1; request <= 120; ++request) {
    size_t count = request % 10 == 0 ? 40000 : request % 7 + 1;
    bytes += AppendFrame(request, first, count);
    counts.push_back(count);
    first += static_cast<int64_t>(count);
  }
  int descriptor = ConnectRaw();
  std::thread sender([&] { SendAll(descriptor, bytes); });
  std::vector<std::string> responses = ReadResponses(descriptor, counts.size());
  sender.join();
  ::close(descriptor);
  ASSERT_EQ(responses.size(), counts.size());
  for (size_t i = 0; i < responses.size(); ++i) {
    auto response = wire::VerifyResponse(responses[i]);
    ASSERT_TRUE(response.ok());
    EXPECT_EQ((*response)->request_id(), i + 1);
    EXPECT_NE((*response)->body_as_Ack(), nullptr);
  }
  std::vector<int64_t> stored = StoredTimes();
  ASSERT_EQ(stored.size(), static_cast<size_t>(first));
  for (int64_t row = 0; row < first; ++row) ASSERT_EQ(stored[static_cast<size_t>(row)], row);
}

TEST_F(IngestFraming, ZeroLengthFrameGetsAnErrorAndIsClosed) {
  int descriptor = ConnectRaw();
  // A good frame first: it is answered before the error.
  SendAll(descriptor, AppendFrame(1, 0, 10) + std::string(4, '\0'));
  std::vector<std::string> responses = ReadResponses(descriptor, 2);
  ASSERT_EQ(responses.size(), 2u);
  auto ack = wire::VerifyResponse(responses[0]);
  ASSERT_TRUE(ack.ok());
  EXPECT_NE((*ack)->body_as_Ack(), nullptr);
  auto error = wire::VerifyResponse(responses[1]);
  ASSERT_TRUE(error.ok());
  ASSERT_NE((*error)->body_as_Error(), nullptr);
  Status status = wire::StatusFromError(*(*error)->body_as_Error());
  EXPECT_NE(status.message().find("empty payload"), std::string::npos) << status.ToString();
  EXPECT_TRUE(ClosedByDaemon(descriptor));
  ::close(descriptor);
  EXPECT_EQ(StoredTimes().size(), 10u);
}

TEST_F(IngestFraming, FrameCutOffByTheClientIsNotApplied) {
  std::string frame = AppendFrame(1, 0, 50000);
  int descriptor = ConnectRaw();
  SendAll(descriptor, std::string_view(frame).substr(0, frame.size() / 2));
  ::close(descriptor);
  // The daemon goes on serving other connections.
  int again = ConnectRaw();
  SendAll(again, AppendFrame(2, 1000000, 5));
  std::vector<std::string> responses = ReadResponses(again, 1);
  ::close(again);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(StoredTimes().size(), 5u);
}

}  // namespace
}  // namespace backtrace
