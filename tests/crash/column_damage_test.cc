// A damaged column file under a table: a query that reads it fails with an
// error naming the file (and so its block directory), queries that do not
// read it keep answering, and fsck reports it in a real data directory.
#include <gtest/gtest.h>

#include <fcntl.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/base/file.h"
#include "common/client/ingest_client.h"
#include "common/fsck/fsck.h"
#include "common/catalog/catalog.h"
#include "tests/common/query_testing.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

using query::LocalCatalogue;
using query::LocalTable;
using query::testing::CollectingSink;

// Flips every byte in the middle third of the file (granule data).
void Garble(const std::string& path) {
  Result<std::string> contents = io::ReadWholeFile(path);
  ASSERT_TRUE(contents.ok()) << contents.status().ToString();
  std::string damaged = *contents;
  for (size_t i = damaged.size() / 3; i < 2 * damaged.size() / 3; ++i) damaged[i] ^= 0x5a;
  Result<io::File> file = io::OpenFile(path, O_WRONLY | O_TRUNC);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(io::WriteAll(*file, damaged.data(), damaged.size()).ok());
}

void Truncate(const std::string& path, double keep) {
  Result<io::File> file = io::OpenFile(path, O_WRONLY);
  ASSERT_TRUE(file.ok());
  Result<uint64_t> size = io::FileSize(*file);
  ASSERT_TRUE(size.ok());
  ASSERT_TRUE(io::Truncate(*file, static_cast<uint64_t>(static_cast<double>(*size) * keep)).ok());
}

class DamagedColumnFile : public ::testing::Test {
 protected:
  void SetUp() override {
    auto table = LocalTable::Create(temporary_.Join("trades"), query::testing::TradesSchema({"ts"}));
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    table_ = *table;
    query::testing::RandomTableOptions options;
    options.rows = 30000;
    options.duplicate_times = false;  // blocks' time ranges must not touch
    std::vector<ColumnVector> all = query::testing::RandomTrades(options);
    // Three blocks with disjoint time ranges.
    for (size_t block = 0; block < 3; ++block) {
      ASSERT_TRUE(table_->AddBlock(query::testing::SliceRows(all, block * 10000, 10000)).ok());
    }
    catalogue_.Add(table_);
  }

  std::string ColumnPath(size_t block, const std::string& column) const {
    return temporary_.Join("trades/" + std::to_string(table_->blocks()[block].block_id) + "/" +
                           column + ".col");
  }
  std::string TimeRangeOf(size_t block) const {
    const BlockMeta& meta = table_->blocks()[block];
    return std::to_string(meta.min_time) + " AND " + std::to_string(meta.max_time);
  }
  Result<query::QueryStatistics> Query(const std::string& sql, CollectingSink* sink) {
    return query::testing::Run(catalogue_, sql, sink);
  }

  testing::TemporaryDirectory temporary_;
  std::shared_ptr<LocalTable> table_;
  LocalCatalogue catalogue_;
};

TEST_F(DamagedColumnFile, QueryReadingItFailsNamingTheFileOthersKeepAnswering) {
  std::string damaged = ColumnPath(1, "price");
  ASSERT_NO_FATAL_FAILURE(Garble(damaged));
  CollectingSink failing;
  // The filter makes the engine decode every granule of price (plain sums
  // may come from the granule index, which the damage spares).
  auto result = Query("SELECT sum(price) FROM trades WHERE price > 0", &failing);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kCorruption) << result.status().ToString();
  EXPECT_NE(result.status().message().find(damaged), std::string::npos)
      << result.status().ToString();

  // The other blocks, and the other columns of the damaged block, answer.
  for (size_t block : {size_t{0}, size_t{2}}) {
    CollectingSink sink;
    auto other = Query("SELECT sum(price), count(*) FROM trades WHERE price > 0 AND ts BETWEEN " +
                           TimeRangeOf(block),
                       &sink);
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    EXPECT_EQ(sink.rows(), 1u);
  }
  CollectingSink quantities;
  auto qty = Query("SELECT sum(qty), count(*) FROM trades WHERE qty > -1000", &quantities);
  ASSERT_TRUE(qty.ok()) << qty.status().ToString();
  EXPECT_EQ(std::get<int64_t>(quantities.At(1, 0)), 30000);
}

TEST_F(DamagedColumnFile, TruncatedFileFailsNamingTheFile) {
  std::string truncated = ColumnPath(2, "qty");
  ASSERT_NO_FATAL_FAILURE(Truncate(truncated, 0.6));
  CollectingSink sink;
  auto result = Query("SELECT max(qty) FROM trades", &sink);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kCorruption) << result.status().ToString();
  EXPECT_NE(result.status().message().find(truncated), std::string::npos)
      << result.status().ToString();
  CollectingSink earlier;
  ASSERT_TRUE(Query("SELECT max(qty) FROM trades WHERE ts BETWEEN " + TimeRangeOf(0), &earlier)
                  .ok());
}

TEST(DamagedColumnFileInADataDirectory, FsckReportsTheFileAndBlock) {
  testing::TemporaryDirectory temporary;
  testing::DaemonProcess daemon(temporary.Join("data"), temporary.Join("run"),
                                "max_block_rows = 3000\n");
  ASSERT_TRUE(daemon.Start().ok()) << daemon.Log();
  {
    client::IngestClientOptions options;
    options.socket_path = daemon.ingest_socket();
    auto client = client::IngestClient::Connect(options);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    auto schema = ParseTableSchema("ticks", "ts:timestamp,price:float64", "ts", "ts");
    ASSERT_TRUE(schema.ok());
    ASSERT_TRUE((*client)->CreateTable(*schema).ok());
    for (int64_t block = 0; block < 3; ++block) {
      ColumnVector ts(ColumnType::kTimestamp), price(ColumnType::kFloat64);
      for (int64_t row = block * 3000; row < (block + 1) * 3000; ++row) {
        ts.int64s().push_back(row);
        price.float64s().push_back(static_cast<double>(row % 97));
      }
      ASSERT_TRUE((*client)->Append("ticks", {{"ts", &ts}, {"price", &price}}).ok());
      ASSERT_TRUE((*client)->Flush().ok());
    }
  }
  auto exit_code = daemon.Terminate();
  ASSERT_TRUE(exit_code.ok());
  ASSERT_EQ(*exit_code, 0) << daemon.Log();
  auto clean = fsck::CheckDataDirectory(daemon.data_dir());
  ASSERT_TRUE(clean.ok()) << clean.status().ToString();
  ASSERT_TRUE(clean->clean());
  ASSERT_GE(clean->blocks, 3u);

  // Damage one column file of one committed block.
  std::string tables = daemon.data_dir() + "/tables";
  auto table_ids = io::ListDirectory(tables);
  ASSERT_TRUE(table_ids.ok() && !table_ids->empty());
  std::string table_path = io::JoinPath(tables, table_ids->front());
  auto block_ids = io::ListDirectory(table_path);
  ASSERT_TRUE(block_ids.ok() && !block_ids->empty());
  std::string block_path = io::JoinPath(table_path, block_ids->front());
  auto files = io::ListDirectory(block_path);
  ASSERT_TRUE(files.ok() && !files->empty());
  std::string damaged = io::JoinPath(block_path, files->back());
  ASSERT_NO_FATAL_FAILURE(Garble(damaged));

  auto report = fsck::CheckDataDirectory(daemon.data_dir());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_FALSE(report->clean());
  bool named = false;
  for (const std::string& fault : report->faults) {
    if (fault.find(files->back()) != std::string::npos &&
        fault.find(block_ids->front()) != std::string::npos) {
      named = true;
    }
  }
  EXPECT_TRUE(named) << report->faults.front();
}

}  // namespace
}  // namespace backtrace
