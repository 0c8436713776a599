// CrashLoopProducer: one producer of the crash loop (crash_loop_test.cc).
// It appends batches of the orders table with its own producer id and
// increasing sequence numbers, one batch in flight at a time, and records
// what it knows of each batch: acknowledged (durable), or sent without an
// answer (the daemon may or may not hold it). Every row is a function of
// (producer, sequence, row), so the driver can say which stored row belongs
// to which batch without keeping the rows.
//
// Run() is called on a thread of its own and returns when told to stop or
// when the connection fails (the daemon or the connection died); the
// driver reads the state only while no Run() is active.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/client/ingest_client.h"
#include "common/schema/column_vector.h"

namespace backtrace::testing {

// The ts of row `row` of batch `sequence` of `producer`: unique, and the
// three numbers can be read back from it.
inline int64_t CrashLoopTimestamp(uint64_t producer, uint64_t sequence, uint64_t row) {
  constexpr int64_t kBase = 1'700'000'000'000'000'000;
  return kBase + static_cast<int64_t>((producer << 48) | (sequence << 16) | row);
}
inline uint64_t CrashLoopProducerOf(int64_t ts) {
  return static_cast<uint64_t>(ts - 1'700'000'000'000'000'000) >> 48;
}
inline uint64_t CrashLoopSequenceOf(int64_t ts) {
  return (static_cast<uint64_t>(ts - 1'700'000'000'000'000'000) >> 16) & 0xffffffff;
}
inline int64_t CrashLoopQuantity(uint64_t sequence, uint64_t row) {
  return static_cast<int64_t>((sequence * 7 + row) % 1000 + 1);
}

class CrashLoopProducer {
 public:
  CrashLoopProducer(uint64_t producer_id, uint64_t seed) : producer_id_(producer_id), random_(seed) {}

  // Connects and first resends, in order, every batch sent without an
  // answer, then appends new batches until `stop` or a failure. Returns the
  // first error (connection refused or lost), OK when stopped.
  Status Run(const std::string& socket_path, const std::atomic<bool>& stop) {
    auto client = client::IngestClient::Connect(
        {.socket_path = socket_path, .producer_id = producer_id_, .max_in_flight = 1});
    if (!client.ok()) return client.status();
    for (auto [sequence, rows] : std::map<uint64_t, uint64_t>(unanswered_)) {
      RETURN_IF_ERROR(Send(**client, sequence, rows));
    }
    while (!stop.load()) {
      uint64_t rows = std::uniform_int_distribution<uint64_t>(1, 400)(random_);
      RETURN_IF_ERROR(Send(**client, next_sequence_++, rows));
    }
    return Status::Ok();
  }

  uint64_t producer_id() const { return producer_id_; }
  // sequence → rows of the batches acknowledged.
  const std::map<uint64_t, uint64_t>& acknowledged() const { return acknowledged_; }
  // sequence → rows of the batches sent without an answer.
  const std::map<uint64_t, uint64_t>& unanswered() const { return unanswered_; }
  // Rows of a batch this producer sent (answered or not); 0 if none.
  uint64_t RowsOf(uint64_t sequence) const {
    auto found = acknowledged_.find(sequence);
    if (found != acknowledged_.end()) return found->second;
    found = unanswered_.find(sequence);
    return found == unanswered_.end() ? 0 : found->second;
  }

 private:
  Status Send(client::IngestClient& client, uint64_t sequence, uint64_t rows) {
    ColumnVector ts(ColumnType::kTimestamp), symbol(ColumnType::kString),
        price(ColumnType::kFloat64), qty(ColumnType::kInt64);
    std::string name = "P" + std::to_string(producer_id_);
    for (uint64_t row = 0; row < rows; ++row) {
      ts.int64s().push_back(CrashLoopTimestamp(producer_id_, sequence, row));
      symbol.strings().push_back(name);
      price.float64s().push_back(100.0 + static_cast<double>(row) * 0.25);
      qty.int64s().push_back(CrashLoopQuantity(sequence, row));
    }
    unanswered_[sequence] = rows;
    Status sent = client.Append("orders",
                                {{"ts", &ts}, {"symbol", &symbol}, {"price", &price}, {"qty", &qty}},
                                sequence);
    if (sent.ok()) sent = client.Flush();
    if (!sent.ok()) {
      // A rejection would be a bug of the daemon or the driver: report it.
      if (client.batch_rejected()) return Status::Internal("batch rejected: " + sent.ToString());
      return sent;
    }
    unanswered_.erase(sequence);
    acknowledged_[sequence] = rows;
    return Status::Ok();
  }

  uint64_t producer_id_;
  std::mt19937_64 random_;
  uint64_t next_sequence_ = 1;
  std::map<uint64_t, uint64_t> acknowledged_;
  std::map<uint64_t, uint64_t> unanswered_;
};

}  // namespace backtrace::testing
