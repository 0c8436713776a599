// ProducerPool: see backtrace_producers.h.
#include "tools/peers/backtrace_producers.h"

#include <utility>

#include "common/client/ingest_client.h"

namespace backtrace::peers {

TableSchema OrdersTableSchema() {
  TableSchema schema;
  schema.name = "orders";
  schema.columns = {{"ts", ColumnType::kTimestamp},
                    {"symbol", ColumnType::kString},
                    {"price", ColumnType::kFloat64},
                    {"qty", ColumnType::kInt64}};
  schema.time_column = "ts";
  schema.sort_key = {"symbol", "ts"};
  return schema;
}

struct ProducerPool::Producer {
  std::unique_ptr<client::IngestClient> client;
  // Hand-off times of the batches sent and not yet seen acknowledged.
  std::deque<Clock::time_point> unacknowledged;
  std::vector<double> acknowledged_seconds;

  void RecordAcks() {
    Clock::time_point now = Clock::now();
    while (unacknowledged.size() > client->in_flight()) {
      acknowledged_seconds.push_back(std::chrono::duration<double>(now - unacknowledged.front()).count());
      unacknowledged.pop_front();
    }
  }
};

ProducerPool::ProducerPool() = default;

ProducerPool::~ProducerPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finishing_ = true;
    if (error_.empty()) error_ = "stopped";
  }
  changed_.notify_all();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

bool ProducerPool::Start(const std::string& socket_path, int producers, size_t max_in_flight,
                         uint64_t first_producer_id, std::string* error) {
  for (int i = 0; i < producers; ++i) {
    auto client = client::IngestClient::Connect(
        {.socket_path = socket_path, .producer_id = first_producer_id + static_cast<uint64_t>(i),
         .max_in_flight = max_in_flight});
    if (!client.ok()) {
      *error = "connecting producer " + std::to_string(i) + ": " + client.status().ToString();
      return false;
    }
    auto producer = std::make_unique<Producer>();
    producer->client = std::move(*client);
    producers_.push_back(std::move(producer));
  }
  for (auto& producer : producers_) threads_.emplace_back(&ProducerPool::Run, this, producer.get());
  return true;
}

void ProducerPool::SetError(const std::string& error) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (error_.empty()) error_ = error;
  changed_.notify_all();
}

void ProducerPool::Run(Producer* producer) {
  while (true) {
    Pending pending;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      // With nothing to send, collect the Acks of what is in flight first.
      if (queue_.empty() && producer->client->in_flight() > 0) {
        lock.unlock();
        Status flushed = producer->client->Flush();
        producer->RecordAcks();
        if (!flushed.ok()) return SetError("flush: " + flushed.ToString());
        continue;
      }
      changed_.wait(lock, [&] { return !queue_.empty() || finishing_ || !error_.empty(); });
      if (!error_.empty()) return;
      if (queue_.empty()) return;  // finishing, and every Ack collected
      pending = std::move(queue_.front());
      queue_.pop_front();
    }
    changed_.notify_all();
    OrdersBatch& batch = *pending.batch;
    std::vector<client::NamedColumn> columns = {
        {"ts", &batch.ts}, {"symbol", &batch.symbol}, {"price", &batch.price}, {"qty", &batch.qty}};
    producer->unacknowledged.push_back(pending.handed_off);
    Status appended = producer->client->Append("orders", columns);
    producer->RecordAcks();
    if (!appended.ok()) return SetError("append: " + appended.ToString());
  }
}

bool ProducerPool::Submit(std::unique_ptr<OrdersBatch> batch, std::string* error) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return queue_.size() < 2 * producers_.size() || !error_.empty(); });
  if (!error_.empty()) {
    *error = error_;
    return false;
  }
  queue_.push_back({std::move(batch), Clock::now()});
  lock.unlock();
  changed_.notify_all();
  return true;
}

bool ProducerPool::Finish(std::string* error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finishing_ = true;
  }
  changed_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  std::lock_guard<std::mutex> lock(mutex_);
  if (!error_.empty()) {
    *error = error_;
    return false;
  }
  return true;
}

std::vector<double> ProducerPool::AcknowledgedSeconds() const {
  std::vector<double> seconds;
  for (const auto& producer : producers_) {
    seconds.insert(seconds.end(), producer->acknowledged_seconds.begin(), producer->acknowledged_seconds.end());
  }
  return seconds;
}

uint64_t ProducerPool::acknowledged_rows() const {
  uint64_t rows = 0;
  for (const auto& producer : producers_) rows += producer->client->acknowledged_rows();
  return rows;
}

}  // namespace backtrace::peers
