// QueryServer: the routing of queries — in order per connection, to a free
// worker or the FIFO queue, the snapshot at dispatch, and the end of each
// query (see query_server.h).
#include <sys/socket.h>

#include "common/base/log.h"
#include "common/query/parser.h"
#include "daemon/query_connection.h"

namespace backtrace::daemon {

using Clock = std::chrono::steady_clock;

namespace {

std::string Seconds(Clock::duration duration) {
  char text[32];
  std::snprintf(text, sizeof(text), "%gs", std::chrono::duration<double>(duration).count());
  return text;
}

}  // namespace

void QueryServer::Advance(Connection* connection) {
  while (!connection->closing && !connection->current && connection->pending_writes == 0 &&
         !connection->backlog.empty()) {
    PendingQuery query = std::move(connection->backlog.front());
    connection->backlog.pop_front();
    if (query.error) {
      Count("error", query.received);
      AnswerError(connection, query.request_id, *query.error);
      continue;
    }
    auto statement = query::ParseStatement(query.sql);
    if (!statement.ok()) {
      Count("error", query.received);
      AnswerError(connection, query.request_id, statement.status());
      continue;
    }
    query.table = statement->select.table.text;
    if (!table_exists_(query.table)) {
      Count("error", query.received);
      AnswerError(connection, query.request_id,
                  Status::NotFound("table '" + query.table + "' does not exist"));
      continue;
    }
    if (queue_.empty() && pool_->HasIdleWorker()) {
      connection->current = std::move(query);
      Dispatch(connection);
      continue;
    }
    if (queue_.size() >= options_.max_queued_queries) {
      Count("rejected", query.received);
      AnswerError(connection, query.request_id,
                  Status::Busy("busy: every query worker is busy and " +
                               std::to_string(queue_.size()) +
                               " queries are waiting (max_queued_queries = " +
                               std::to_string(options_.max_queued_queries) +
                               "); try again later"));
      continue;
    }
    LogDebug("query " + std::to_string(query.request_id) + " of connection " +
             std::to_string(connection->id) + " queued behind " + std::to_string(queue_.size()));
    connection->current = std::move(query);
    queue_.push_back(connection->id);
  }
  UpdateReading(connection);
}

void QueryServer::Pump() {
  while (!queue_.empty() && pool_->HasIdleWorker()) {
    uint64_t id = queue_.front();
    queue_.pop_front();
    auto found = connections_.find(id);
    if (found == connections_.end() || found->second->closing || !found->second->current) continue;
    Dispatch(found->second.get());
  }
}

void QueryServer::Dispatch(Connection* connection) {
  PendingQuery& query = *connection->current;
  const Clock::time_point now = Clock::now();
  const bool bounded = options_.query_timeout.count() > 0;
  const Clock::time_point deadline =
      bounded ? query.received + options_.query_timeout : Clock::time_point::max();
  if (bounded && now >= deadline) {
    Count("timeout", query.received);
    uint64_t request_id = query.request_id;
    connection->current.reset();
    AnswerError(connection, request_id,
                Status::Aborted("query timeout: the query waited " + Seconds(now - query.received) +
                                " for a free query worker, longer than query_timeout = " +
                                Seconds(options_.query_timeout)));
    return;
  }
  auto snapshot = snapshot_(query.table);
  if (!snapshot.ok()) {
    Count("error", query.received);
    uint64_t request_id = query.request_id;
    connection->current.reset();
    AnswerError(connection, request_id, snapshot.status());
    return;
  }
  QueryJob job;
  ipc::QueryAssignment& assignment = job.assignment;
  assignment.request_id = query.request_id;
  assignment.sql = query.sql;
  assignment.table_id = snapshot->table_id;
  assignment.table_name = snapshot->table_name;
  assignment.catalog_sequence = snapshot->catalog_sequence;
  assignment.timeout = options_.query_timeout;
  assignment.memory_bytes = options_.query_memory_bytes;
  assignment.max_frame_bytes = options_.max_frame_bytes;
  assignment.queued = now - query.received;
  job.snapshot = std::move(*snapshot);
  job.deadline = deadline;
  uv_os_fd_t descriptor = -1;
  uv_fileno(reinterpret_cast<uv_handle_t*>(&connection->pipe), &descriptor);
  job.client_descriptor = descriptor;
  size_t blocks = job.snapshot.blocks.size();
  uint64_t sequence = job.snapshot.catalog_sequence;
  uint64_t id = connection->id;
  uint64_t request_id = query.request_id;
  Clock::time_point received = query.received;
  Status assigned = pool_->Assign(std::move(job), [this, id, request_id, received](QueryOutcome o) {
    OnQueryDone(id, request_id, received, std::move(o));
  });
  if (!assigned.ok()) {
    // Nothing reached the worker; the query waits for the next one.
    queue_.push_front(connection->id);
    return;
  }
  connection->running = true;
  LogDebug("query " + std::to_string(request_id) + " of connection " + std::to_string(id) +
           " dispatched at catalog sequence " + std::to_string(sequence) + " with " +
           std::to_string(blocks) + " in-memory blocks");
}

void QueryServer::OnQueryDone(uint64_t connection_id, uint64_t request_id,
                              Clock::time_point received, QueryOutcome outcome) {
  const char* kind = outcome.timed_out                                            ? "timeout"
                     : outcome.worker_died                                        ? "worker_crash"
                     : outcome.status.ok()                                        ? "ok"
                     : outcome.status.code() == StatusCode::kResourceExhausted    ? "memory"
                                                                                  : "error";
  Count(kind, received);
  const query::QueryStatistics& statistics = outcome.statistics;
  metrics_.blocks_pruned += statistics.blocks_pruned;
  metrics_.blocks_scanned += statistics.blocks_scanned;
  metrics_.granules_skipped += statistics.granules_skipped;
  metrics_.granules_scanned += statistics.granules_total - statistics.granules_skipped;
  metrics_.rows_scanned += statistics.rows_scanned;

  auto found = connections_.find(connection_id);
  if (found == connections_.end() || found->second->closed) return;
  Connection* connection = found->second.get();
  connection->current.reset();
  connection->running = false;
  if (outcome.worker_died) {
    if (outcome.output_started) {
      LogWarning("closing query connection " + std::to_string(connection_id) +
                 ": its worker died in the middle of the answer (" + outcome.status.message() + ")");
      Close(connection, true);
      return;
    }
    Status told = outcome.timed_out
                      ? Status::Aborted("query timeout: the query ran past query_timeout = " +
                                        Seconds(options_.query_timeout) +
                                        " and its worker did not stop; the worker was killed")
                      : Status::Aborted(outcome.status.message() +
                                        "; a new worker is being started, the query may be sent "
                                        "again");
    AnswerError(connection, request_id, told);
    return;
  }
  if (!outcome.answer_complete) {
    Close(connection, true);
    return;
  }
  Advance(connection);
}

void QueryServer::Count(const char* outcome, Clock::time_point received) {
  ++metrics_.outcomes[outcome];
  if (std::string_view(outcome) != "rejected") {
    metrics_.duration_seconds.Observe(std::chrono::duration<double>(Clock::now() - received).count());
  }
}

QueryMetrics QueryServer::Metrics() const {
  QueryMetrics metrics = metrics_;
  metrics.queued = queue_.size();
  metrics.connections = connections_.size();
  metrics.workers_alive = pool_->alive();
  metrics.worker_restarts = pool_->restarts();
  return metrics;
}

}  // namespace backtrace::daemon
