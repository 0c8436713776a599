#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "common/client/ingest_client.h"
#include "common/fsck/fsck.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace::fsck {
namespace {

// A data directory with two committed blocks and some rows left in the WAL.
class FsckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::DaemonProcess daemon(directory_.Join("data"), directory_.Join("run"),
                                  "max_block_rows = 5000\n");
    ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
    auto client = client::IngestClient::Connect({.socket_path = daemon.ingest_socket()});
    ASSERT_TRUE(client.ok());
    auto schema = ParseTableSchema("ticks", "ts:timestamp,symbol:string,price:float64");
    ASSERT_TRUE((*client)->CreateTable(*schema).ok());
    client::BatchBuilder batch(*schema);
    for (int64_t row = 0; row < 12000; ++row) {
      ASSERT_TRUE(batch.AddRow({row, std::string(row % 3 ? "A" : "B"), 0.5 * row}).ok());
    }
    ASSERT_TRUE((*client)->Append("ticks", batch.columns()).ok());
    ASSERT_TRUE((*client)->Flush().ok());
    batch.Clear();
    ASSERT_TRUE(batch.AddRow({int64_t{20000}, std::string("C"), 1.0}).ok());
    ASSERT_TRUE((*client)->Append("ticks", batch.columns()).ok());
    ASSERT_TRUE((*client)->Flush().ok());
    // Wait until the full block is committed, then stop without compacting
    // the rest so that the WAL still holds rows.
    for (int attempt = 0; attempt < 500; ++attempt) {
      if (daemon.Log().find("committed block") != std::string::npos) break;
      ::usleep(20000);
    }
    daemon.Kill();
  }

  std::string FirstColumnFile() {
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(directory_.Join("data/tables"))) {
      if (entry.path().filename() == "price.col") return entry.path().string();
    }
    return "";
  }

  testing::TemporaryDirectory directory_;
};

TEST_F(FsckTest, HealthyDirectoryIsClean) {
  auto report = CheckDataDirectory(directory_.Join("data"));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->clean()) << report->faults.front();
  EXPECT_EQ(report->tables, 1u);
  EXPECT_GE(report->blocks, 1u);
  EXPECT_GT(report->granules, 0u);
  EXPECT_GT(report->wal_records, 0u);
}

TEST_F(FsckTest, FlippedByteInAColumnFileIsAFaultNamingTheFile) {
  std::string path = FirstColumnFile();
  ASSERT_FALSE(path.empty());
  int descriptor = ::open(path.c_str(), O_RDWR);
  uint8_t byte = 0;
  ASSERT_EQ(::pread(descriptor, &byte, 1, 100), 1);
  byte ^= 0x40;
  ASSERT_EQ(::pwrite(descriptor, &byte, 1, 100), 1);
  ::close(descriptor);
  auto report = CheckDataDirectory(directory_.Join("data"));
  ASSERT_TRUE(report.ok());
  ASSERT_FALSE(report->clean());
  EXPECT_NE(report->faults.front().find("price.col"), std::string::npos) << report->faults.front();
}

TEST_F(FsckTest, TruncatedColumnFileIsAFault) {
  std::string path = FirstColumnFile();
  ASSERT_FALSE(path.empty());
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  auto report = CheckDataDirectory(directory_.Join("data"));
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->clean());
}

TEST_F(FsckTest, MissingColumnFileIsAFault) {
  std::string path = FirstColumnFile();
  ASSERT_FALSE(path.empty());
  std::filesystem::remove(path);
  auto report = CheckDataDirectory(directory_.Join("data"));
  ASSERT_TRUE(report.ok());
  ASSERT_FALSE(report->clean());
  EXPECT_NE(report->faults.front().find("price.col"), std::string::npos) << report->faults.front();
}

TEST_F(FsckTest, UncommittedBlockDirectoryIsANote) {
  std::string stray = directory_.Join("data/tables/1/999999");
  std::filesystem::create_directories(stray);
  auto report = CheckDataDirectory(directory_.Join("data"));
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->clean());
  ASSERT_EQ(report->notes.size(), 1u);
  EXPECT_NE(report->notes.front().find("999999"), std::string::npos);
}

TEST_F(FsckTest, RunningDaemonIsRefused) {
  testing::DaemonProcess daemon(directory_.Join("data"), directory_.Join("run"));
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  auto report = CheckDataDirectory(directory_.Join("data"));
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("running"), std::string::npos);
}

}  // namespace
}  // namespace backtrace::fsck
