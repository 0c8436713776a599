// A real backtraced under hostile clients: thousands of malformed and
// truncated frames, frames announcing 4 GiB, connections that send half a
// frame and stall, idle connections past max_connections, very wide
// batches. Throughout, a well-behaved client keeps getting its batches
// acknowledged, and the daemon's resident memory stays bounded (a generous
// bound: the daemon runs under AddressSanitizer here, whose quarantine
// alone holds up to 256 MiB of freed memory).
#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/client/ingest_client.h"
#include "common/wire/frame.h"
#include "common/wire/ingest_messages.h"
#include "common/wire/wire_status.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

using client::IngestClient;
using client::NamedColumn;

constexpr uint64_t kResidentLimitBytes = uint64_t{1} << 30;
constexpr size_t kMaxConnections = 64;
constexpr size_t kMaxFrameBytes = size_t{4} << 20;

// A raw connection to the ingest socket that sends whatever it is told.
class RawConnection {
 public:
  explicit RawConnection(const std::string& socket_path) {
    descriptor_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof(address.sun_path) - 1);
    connected_ =
        ::connect(descriptor_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawConnection() {
    if (descriptor_ >= 0) ::close(descriptor_);
  }
  RawConnection(RawConnection&& other) noexcept
      : descriptor_(std::exchange(other.descriptor_, -1)), connected_(other.connected_) {}
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  // Sends everything, or as much as the peer takes before closing (a
  // daemon that closed a rejected connection gives EPIPE / ECONNRESET).
  void Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t sent = ::send(descriptor_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent < 0 && errno == EINTR) continue;
      if (sent <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
  }

  // The status of the first response, read until it arrives or the daemon
  // closes the connection (then a kAborted "closed without a response").
  Status ReadResponse() {
    wire::FrameDecoder decoder;
    while (true) {
      auto space = decoder.WritableSpace();
      ssize_t got = ::recv(descriptor_, space.data(), space.size(), 0);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return Status::Aborted("closed without a response");
      decoder.CommitWrite(static_cast<size_t>(got));
      auto frame = decoder.Next();
      if (!frame.ok()) return frame.status();
      if (!frame->has_value()) continue;
      auto response = wire::VerifyResponse(**frame);
      if (!response.ok()) return response.status();
      if ((*response)->body_as_Error() != nullptr) {
        return wire::StatusFromError(*(*response)->body_as_Error());
      }
      return Status::Ok();
    }
  }

  // Whether the daemon ends the connection (without sending more) within
  // 30 s, a bound that only a daemon that keeps the connection open reaches.
  bool ClosedByPeer() {
    timeval timeout{30, 0};
    ::setsockopt(descriptor_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    char byte;
    ssize_t got;
    do {
      got = ::recv(descriptor_, &byte, 1, 0);
    } while (got < 0 && errno == EINTR);
    return got == 0;
  }

  // True when a response or end of stream is waiting (without blocking).
  bool HasInput() {
    pollfd entry{descriptor_, POLLIN, 0};
    return ::poll(&entry, 1, 0) == 1;
  }

 private:
  int descriptor_ = -1;
  bool connected_ = false;
};

std::string Frame(std::string_view payload) {
  auto header = wire::EncodeFrameHeader(static_cast<uint32_t>(payload.size()));
  return std::string(header.data(), header.size()) + std::string(payload);
}

std::string Header(uint32_t declared_bytes) {
  auto header = wire::EncodeFrameHeader(declared_bytes);
  return std::string(header.data(), header.size());
}

class HostileClient : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<testing::DaemonProcess>(
        directory_.Join("data"), directory_.Join("run"),
        "max_connections = " + std::to_string(kMaxConnections) + "\n" +
            "max_frame_bytes = \"4MiB\"\n");
    ASSERT_TRUE(daemon_->Start().ok()) << daemon_->Log();
    good_ = Connect();
    ASSERT_NE(good_, nullptr);
    auto schema = ParseTableSchema("orders", "ts:timestamp,symbol:string,qty:int64", "ts");
    ASSERT_TRUE(schema.ok());
    ASSERT_TRUE(good_->CreateTable(*schema).ok());
    ExpectGoodBatchAcknowledged();
  }

  std::unique_ptr<IngestClient> Connect() {
    auto client = IngestClient::Connect({.socket_path = daemon_->ingest_socket()});
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

  // The well-behaved client sends a batch and gets it acknowledged.
  void ExpectGoodBatchAcknowledged() {
    ColumnVector ts(ColumnType::kTimestamp), symbol(ColumnType::kString), qty(ColumnType::kInt64);
    ts.int64s() = {next_time_, next_time_ + 1};
    next_time_ += 2;
    symbol.strings().push_back("BTC");
    symbol.strings().push_back("ETH");
    qty.int64s() = {10, 20};
    ASSERT_TRUE(good_->Append("orders", {{"ts", &ts}, {"symbol", &symbol}, {"qty", &qty}}).ok());
    Status flushed = good_->Flush();
    ASSERT_TRUE(flushed.ok()) << flushed.ToString() << "\n" << daemon_->Log();
    ++acknowledged_batches_;
  }

  // VmRSS of the daemon, from /proc/<pid>/status.
  uint64_t ResidentBytes() const {
    std::ifstream status("/proc/" + std::to_string(daemon_->pid()) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    }
    ADD_FAILURE() << "no VmRSS for the daemon";
    return 0;
  }

  void ExpectDaemonHealthy() {
    EXPECT_EQ(::kill(daemon_->pid(), 0), 0) << "the daemon died\n" << daemon_->Log();
    EXPECT_LT(ResidentBytes(), kResidentLimitBytes);
    ExpectGoodBatchAcknowledged();
  }

  // A valid Append of `rows` rows to orders, as a frame payload.
  static std::string AppendPayload(size_t rows) {
    ColumnVector ts(ColumnType::kTimestamp), symbol(ColumnType::kString), qty(ColumnType::kInt64);
    for (size_t row = 0; row < rows; ++row) {
      ts.int64s().push_back(1'000'000 + static_cast<int64_t>(row));
      symbol.strings().push_back("SOL");
      qty.int64s().push_back(static_cast<int64_t>(row));
    }
    flatbuffers::FlatBufferBuilder builder;
    std::vector<flatbuffers::Offset<fb::ColumnData>> columns{
        wire::BuildColumnData(builder, "ts", ts), wire::BuildColumnData(builder, "symbol", symbol),
        wire::BuildColumnData(builder, "qty", qty)};
    wire::FinishAppendRequest(builder, 1, "orders", {}, columns);
    return std::string(wire::MessageBytes(builder));
  }

  testing::TemporaryDirectory directory_;
  std::unique_ptr<testing::DaemonProcess> daemon_;
  std::unique_ptr<IngestClient> good_;
  int64_t next_time_ = 1'700'000'000'000'000'000;
  int acknowledged_batches_ = 0;
};

TEST_F(HostileClient, ThousandsOfMalformedAndTruncatedFramesLeaveTheDaemonServing) {
  std::mt19937_64 random(20240501);
  auto bytes = [&](size_t count) {
    std::string out(count, '\0');
    for (char& byte : out) byte = static_cast<char>(random());
    return out;
  };
  const std::string append = AppendPayload(4);
  std::deque<RawConnection> open;  // a few stay open while others arrive
  constexpr int kConnections = 3000;
  for (int index = 0; index < kConnections; ++index) {
    RawConnection connection(daemon_->ingest_socket());
    ASSERT_TRUE(connection.connected()) << "connection " << index << "\n" << daemon_->Log();
    switch (index % 7) {
      case 0:  // noise
        connection.Send(bytes(1 + random() % 200));
        break;
      case 1:  // a well-framed payload of noise
        connection.Send(Frame(bytes(1 + random() % 300)));
        break;
      case 2:  // a frame cut short, then the connection ends
        connection.Send(Header(100) + bytes(40));
        break;
      case 3:  // a frame announcing 4 GiB - 1 bytes
        connection.Send(Header(0xFFFFFFFFu) + bytes(16));
        break;
      case 4: {  // Appends with a few bytes changed, several per connection
        for (int frame = 0; frame < 3; ++frame) {
          std::string mutated = append;
          for (int flip = 0; flip < 1 + static_cast<int>(random() % 4); ++flip) {
            mutated[random() % mutated.size()] = static_cast<char>(random());
          }
          connection.Send(Frame(mutated));
        }
        break;
      }
      case 5:  // half a header
        connection.Send(Header(64).substr(0, 2));
        break;
      case 6:  // an empty frame
        connection.Send(Header(0));
        break;
    }
    open.push_back(std::move(connection));
    if (open.size() > 16) open.pop_front();
    if (index % 300 == 299) ExpectGoodBatchAcknowledged();
  }
  open.clear();
  ExpectDaemonHealthy();
}

TEST_F(HostileClient, StalledHalfFramesCostOnlyWhatWasSent) {
  // 40 connections each announce a whole max_frame_bytes frame, send half
  // of it and stall; 10 more announce 4 GiB.
  std::vector<RawConnection> stalled;
  const std::string half(kMaxFrameBytes / 2, 'x');
  for (int index = 0; index < 40; ++index) {
    RawConnection connection(daemon_->ingest_socket());
    ASSERT_TRUE(connection.connected());
    connection.Send(Header(static_cast<uint32_t>(kMaxFrameBytes)) + half);
    stalled.push_back(std::move(connection));
  }
  for (int index = 0; index < 10; ++index) {
    RawConnection connection(daemon_->ingest_socket());
    ASSERT_TRUE(connection.connected());
    connection.Send(Header(0xFFFFFFFFu));
    Status status = connection.ReadResponse();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
    EXPECT_NE(status.message().find("max_frame_bytes"), std::string::npos) << status.ToString();
    EXPECT_TRUE(connection.ClosedByPeer());
  }
  ExpectDaemonHealthy();
  for (auto& connection : stalled) {
    EXPECT_FALSE(connection.HasInput()) << "a stalled connection got an answer or was closed";
  }
  stalled.clear();
  ExpectDaemonHealthy();
}

TEST_F(HostileClient, IdleConnectionsPastMaxConnectionsAreRefused) {
  // The well-behaved client holds one of the kMaxConnections places.
  constexpr size_t kIdle = kMaxConnections + 36;
  std::vector<RawConnection> idle;
  for (size_t index = 0; index < kIdle; ++index) {
    idle.emplace_back(daemon_->ingest_socket());
    ASSERT_TRUE(idle.back().connected());
  }
  // The daemon accepts in arrival order, so the last ones are refused: all
  // from index kMaxConnections - 1 on. (One place may still be taken by
  // the connection that DaemonProcess::Start probed with, if its end was
  // not yet seen, so index kMaxConnections - 2 may go either way.)
  for (size_t index = kMaxConnections - 1; index < kIdle; ++index) {
    Status status = idle[index].ReadResponse();
    EXPECT_EQ(status.code(), StatusCode::kBusy) << "connection " << index << ": "
                                                << status.ToString();
    EXPECT_NE(status.message().find("max_connections"), std::string::npos) << status.ToString();
    EXPECT_TRUE(idle[index].ClosedByPeer());
  }
  ExpectGoodBatchAcknowledged();
  for (size_t index = 0; index + 2 < kMaxConnections; ++index) {
    EXPECT_FALSE(idle[index].HasInput()) << "accepted idle connection " << index << " got input";
  }
  idle.clear();
  // Once the idle connections are gone, a new client is served (the daemon
  // may not have seen every close yet: a refused attempt is retried).
  std::unique_ptr<IngestClient> fresh;
  for (int attempt = 0; attempt < 200 && fresh == nullptr; ++attempt) {
    auto client = IngestClient::Connect({.socket_path = daemon_->ingest_socket()});
    if (client.ok() && (*client)->ListTables().ok()) fresh = std::move(client).value();
    if (fresh == nullptr) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(fresh, nullptr) << daemon_->Log();
  good_ = std::move(fresh);
  ExpectDaemonHealthy();
}

TEST_F(HostileClient, VeryWideBatchesAreRefusedWithoutHarm) {
  // 20,000 one-row columns (none of them the table's), then 30,000
  // columns with the same name: errors for those batches only.
  auto wide = Connect();
  ASSERT_NE(wide, nullptr);
  constexpr size_t kColumns = 20'000;
  std::vector<ColumnVector> values(kColumns, ColumnVector(ColumnType::kInt64));
  std::vector<std::string> names(kColumns);
  std::vector<NamedColumn> columns;
  for (size_t index = 0; index < kColumns; ++index) {
    values[index].int64s().push_back(static_cast<int64_t>(index));
    names[index] = "c" + std::to_string(index);
    columns.push_back({names[index], &values[index]});
  }
  ASSERT_TRUE(wide->Append("orders", columns).ok());
  Status status = wide->Flush();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  ExpectGoodBatchAcknowledged();

  constexpr size_t kSameName = 30'000;
  std::vector<NamedColumn> repeated(kSameName, NamedColumn{"qty", &values[0]});
  ASSERT_TRUE(wide->Reconnect().ok());
  status = wide->Append("orders", repeated);
  if (status.ok()) status = wide->Flush();
  EXPECT_FALSE(status.ok());
  ExpectGoodBatchAcknowledged();

  // A batch wide in rows, close to max_frame_bytes, is stored.
  RawConnection raw(daemon_->ingest_socket());
  ASSERT_TRUE(raw.connected());
  std::string payload = AppendPayload(150'000);
  ASSERT_LT(payload.size(), kMaxFrameBytes);
  raw.Send(Frame(payload));
  status = raw.ReadResponse();
  EXPECT_TRUE(status.ok()) << status.ToString();
  ExpectDaemonHealthy();
}

}  // namespace
}  // namespace backtrace
