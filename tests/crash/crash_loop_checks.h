// The crash loop's checks (crash_loop_test.cc) and its tally: what is
// stored in a stopped daemon's data directory against what the producers
// know they sent and had acknowledged, and what queries answer against the
// same reference.
//
// Header-only (tests/crash has no library of its own); one test thread.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/client/ingest_client.h"
#include "common/client/query_client.h"
#include "common/schema/table_schema.h"
#include "tests/crash/crash_loop_producer.h"
#include "tests/testing/orders_ingest.h"
#include "tests/testing/stored_rows.h"

namespace backtrace::testing {

struct CrashLoopTally {
  uint64_t cycles = 0;
  uint64_t checks = 0;         // offline checks of the stored rows
  uint64_t rows_verified = 0;  // acknowledged rows found exactly once at the last check
  uint64_t queries_checked = 0;
  std::map<std::string, uint64_t> kills;             // victim → count
  std::map<std::string, uint64_t> crash_points_hit;  // point → count

  std::string Summary() const {
    std::string text = "crash loop: " + std::to_string(cycles) + " cycles, " +
                       std::to_string(checks) + " offline checks, " +
                       std::to_string(rows_verified) + " acknowledged rows verified, " +
                       std::to_string(queries_checked) + " query answers checked; kills:";
    for (const auto& [victim, count] : kills) text += " " + victim + " " + std::to_string(count);
    text += "; crash points:";
    for (const auto& [point, count] : crash_points_hit) {
      text += " " + point + " " + std::to_string(count);
    }
    return text;
  }
};

inline Status CreateOrdersTable(const std::string& socket_path) {
  ASSIGN_OR_RETURN(auto client, client::IngestClient::Connect({.socket_path = socket_path}));
  return client->CreateTable(NumberedOrdersSchema("orders"));
}

// Reads every stored row of `orders` (the daemon must be stopped) and
// checks: no row twice; every row belongs to a batch some producer sent,
// with its row index inside that batch; every acknowledged batch is
// complete. With require_all_sent, every batch sent is complete too (all
// were acknowledged by then).
inline void ExpectStoredRowsConsistent(
    const std::string& data_dir, const std::vector<std::unique_ptr<CrashLoopProducer>>& producers,
    bool require_all_sent, CrashLoopTally* tally) {
  auto stored = ReadStoredTimes(data_dir, "orders");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  std::vector<int64_t> all = stored->persisted;
  all.insert(all.end(), stored->in_wal.begin(), stored->in_wal.end());
  std::sort(all.begin(), all.end());
  auto duplicate = std::adjacent_find(all.begin(), all.end());
  ASSERT_EQ(duplicate, all.end()) << "row ts " << *duplicate << " is stored twice";
  // producer → sequence → rows found
  std::map<uint64_t, std::map<uint64_t, uint64_t>> found;
  for (int64_t ts : all) {
    uint64_t producer = CrashLoopProducerOf(ts);
    uint64_t sequence = CrashLoopSequenceOf(ts);
    uint64_t row = static_cast<uint64_t>(ts - CrashLoopTimestamp(producer, sequence, 0));
    ASSERT_TRUE(producer >= 1 && producer <= producers.size()) << "stored ts " << ts;
    uint64_t rows = producers[producer - 1]->RowsOf(sequence);
    ASSERT_LT(row, rows) << "stored row " << row << " of batch " << sequence << " of producer "
                         << producer << ", which was never sent with that many rows";
    ++found[producer][sequence];
  }
  uint64_t verified = 0;
  for (const auto& producer : producers) {
    for (const auto& [sequence, rows] : producer->acknowledged()) {
      ASSERT_EQ(found[producer->producer_id()][sequence], rows)
          << "acknowledged batch " << sequence << " of producer " << producer->producer_id()
          << " is not stored completely";
      verified += rows;
    }
    for (const auto& [sequence, rows] : producer->unanswered()) {
      uint64_t have = found[producer->producer_id()][sequence];
      ASSERT_TRUE(have == 0 || have == rows)
          << "batch " << sequence << " of producer " << producer->producer_id() << " is stored "
          << "in part (" << have << " of " << rows << " rows)";
      ASSERT_FALSE(require_all_sent && have == 0)
          << "batch " << sequence << " of producer " << producer->producer_id() << " is missing";
    }
  }
  ++tally->checks;
  tally->rows_verified = verified;
}

// With every sent batch acknowledged: count(*) and sum(qty) through the
// daemon's query socket equal the producers' totals.
inline void ExpectQueriesCountEverySentRow(
    const std::string& run_dir, const std::vector<std::unique_ptr<CrashLoopProducer>>& producers,
    CrashLoopTally* tally) {
  int64_t rows = 0;
  int64_t quantity = 0;
  for (const auto& producer : producers) {
    for (const auto& [sequence, count] : producer->acknowledged()) {
      rows += static_cast<int64_t>(count);
      for (uint64_t row = 0; row < count; ++row) quantity += CrashLoopQuantity(sequence, row);
    }
  }
  auto client = client::QueryClient::Connect({.socket_path = run_dir + "/query.sock"});
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto result = (*client)->QueryAll("SELECT count(*), sum(qty) FROM orders");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->rows(), 1u);
  EXPECT_EQ(result->values[0].ValueAt(0), Value(rows)) << "count(*)";
  EXPECT_EQ(result->values[1].ValueAt(0), Value(quantity)) << "sum(qty)";
  ++tally->queries_checked;
}

}  // namespace backtrace::testing
