// ProducerPool: backtrace_runner's streaming load — several producer
// threads, each with its own IngestClient connection and producer id,
// sending the batches handed to the pool with up to `max_in_flight` of them
// pipelined per connection. Every Ack the daemon sends is durable (the WAL
// is synced before it answers), so a batch counts as committed when its Ack
// arrives.
//
// The time from a batch's hand-off (Submit) to its Ack is recorded per
// batch. A producer reads Acks when its window is full or when it has
// nothing to send (then it waits for all of them), so a recorded time is
// when the producer saw the Ack: at most the true latency plus the time to
// send one batch.
//
// Submit and Finish are called from one thread (the runner's); the pool
// owns its threads, clients and the batches handed to it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/schema/column_vector.h"
#include "common/schema/table_schema.h"

namespace backtrace::peers {

// One batch of orders rows, in the columns of OrdersTableSchema().
struct OrdersBatch {
  ColumnVector ts{ColumnType::kTimestamp};
  ColumnVector symbol{ColumnType::kString};
  ColumnVector price{ColumnType::kFloat64};
  ColumnVector qty{ColumnType::kInt64};
  size_t rows() const { return ts.size(); }
};

// orders: ts timestamp (the time column), symbol string, price float64,
// qty int64; blocks sorted by (symbol, ts).
TableSchema OrdersTableSchema();

class ProducerPool {
 public:
  ProducerPool();
  ~ProducerPool();  // stops the threads (without waiting for Acks)
  ProducerPool(const ProducerPool&) = delete;
  ProducerPool& operator=(const ProducerPool&) = delete;

  // Connects `producers` clients (producer ids first_producer_id, +1, …)
  // and starts their threads. False with *error when a connection fails.
  bool Start(const std::string& socket_path, int producers, size_t max_in_flight, uint64_t first_producer_id,
             std::string* error);
  // Hands one batch to the next free producer; waits while two batches per
  // producer are already waiting. False with the first producer error.
  bool Submit(std::unique_ptr<OrdersBatch> batch, std::string* error);
  // Waits until every batch is acknowledged and stops the threads. False
  // with the first producer error.
  bool Finish(std::string* error);

  // Seconds from hand-off to Ack of every batch, in Ack order per producer.
  std::vector<double> AcknowledgedSeconds() const;
  uint64_t acknowledged_rows() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Pending {
    std::unique_ptr<OrdersBatch> batch;
    Clock::time_point handed_off;
  };
  struct Producer;

  void Run(Producer* producer);
  void SetError(const std::string& error);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Pending> queue_;
  bool finishing_ = false;
  std::string error_;
  std::vector<std::unique_ptr<Producer>> producers_;
  std::vector<std::thread> threads_;
};

}  // namespace backtrace::peers
