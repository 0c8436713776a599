#include "worker/query_worker.h"

#include <unistd.h>

#include <chrono>
#include <memory>
#include <vector>

#include "common/base/file.h"
#include "common/base/log.h"
#include "common/catalog/catalog.h"
#include "common/hot/hot_block_view.h"
#include "common/ipc/query_dispatch.h"
#include "worker/catalog_table.h"
#include "worker/client_stream.h"
#include "worker/frame_result_sink.h"

namespace backtrace::worker {
namespace {

using Clock = std::chrono::steady_clock;

// Time an Error frame may take past the deadline (the daemon kills a worker
// only well after that).
constexpr auto kErrorWriteAllowance = std::chrono::seconds(1);

std::string DescribeDuration(std::chrono::nanoseconds duration) {
  double seconds = std::chrono::duration<double>(duration).count();
  char text[32];
  std::snprintf(text, sizeof(text), "%gs", seconds);
  return text;
}

// The engine's error as the client is told, with the setting that set the
// limit named.
Status ExplainError(const Status& status, const ipc::QueryAssignment& assignment, bool timed_out) {
  if (timed_out) {
    return Status::Aborted("query timeout: the query ran longer than query_timeout = " +
                           DescribeDuration(assignment.timeout) + " (" + status.message() + ")");
  }
  if (status.code() == StatusCode::kResourceExhausted &&
      status.message().find("query memory limit") != std::string::npos) {
    return Status::ResourceExhausted(status.message() + " (query_memory_bytes = " +
                                     std::to_string(assignment.memory_bytes) + ")");
  }
  return status;
}

class QueryWorker {
 public:
  QueryWorker(ipc::MessageChannel* channel, std::unique_ptr<Catalog> catalog, std::string data_dir)
      : channel_(channel), catalog_(std::move(catalog)), data_dir_(std::move(data_dir)) {}

  // Serves one assignment. Errors: only the channel's (the daemon is gone).
  Status Serve(ipc::ReceivedAssignment received);

 private:
  // Runs the query; fills *statistics on success.
  Status Execute(const ipc::ReceivedAssignment& received, FrameResultSink* sink,
                 Clock::time_point deadline, query::QueryStatistics* statistics);

  ipc::MessageChannel* channel_;
  std::unique_ptr<Catalog> catalog_;
  std::string data_dir_;
};

Status QueryWorker::Execute(const ipc::ReceivedAssignment& received, FrameResultSink* sink,
                            Clock::time_point deadline, query::QueryStatistics* statistics) {
  const ipc::QueryAssignment& assignment = received.assignment;
  RETURN_IF_ERROR(catalog_->CatchUp(assignment.catalog_sequence));
  ASSIGN_OR_RETURN(TableInfo table, catalog_->GetTableById(assignment.table_id));
  std::vector<std::unique_ptr<hot::HotBlockView>> views;
  std::vector<const hot::HotBlockView*> pointers;
  for (size_t index = 0; index < received.blocks.size(); ++index) {
    const ipc::AssignedBlockInfo& block = assignment.blocks[index];
    auto view = hot::HotBlockView::Map(received.blocks[index].get(), block.row_count);
    if (!view.ok()) {
      return Status(view.status().code(), "in-memory block " + std::to_string(block.block_sequence) +
                                              " of table " + assignment.table_name + ": " +
                                              view.status().message());
    }
    pointers.push_back(view->get());
    views.push_back(std::move(*view));
  }
  AssignedCatalogue catalogue(catalog_.get(), data_dir_, std::move(table),
                              assignment.catalog_sequence, std::move(pointers));
  query::QueryLimits limits;
  limits.memory_bytes = assignment.memory_bytes;
  limits.deadline = deadline;
  ASSIGN_OR_RETURN(*statistics, query::ExecuteQuery(assignment.sql, catalogue, *sink, limits));
  return Status::Ok();
}

Status QueryWorker::Serve(ipc::ReceivedAssignment received) {
  const ipc::QueryAssignment assignment = received.assignment;
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline =
      assignment.remaining.count() > 0 ? start + assignment.remaining : Clock::time_point::max();
  Status channel_status;
  ClientStream stream(received.client.get(), [&] {
    channel_status =
        channel_->Send(ipc::EncodeWorkerReport(ipc::QueryOutputStarted{assignment.request_id}));
  });
  FrameResultSink sink(&stream, assignment.request_id,
                       assignment.max_frame_bytes == 0 ? size_t{16} << 20 : assignment.max_frame_bytes,
                       deadline);

  ipc::QueryFinished finished;
  finished.request_id = assignment.request_id;
  query::QueryStatistics statistics;
  Status status = Execute(received, &sink, deadline, &statistics);
  auto elapsed = [&] {
    return static_cast<uint64_t>((assignment.queued + (Clock::now() - start)).count());
  };
  if (status.ok()) {
    statistics.elapsed_nanos = elapsed();
    wire::QueryStatistics end;
    end.rows = statistics.rows_returned;
    end.rows_scanned = statistics.rows_scanned;
    end.blocks_total = statistics.blocks_total;
    end.blocks_pruned = statistics.blocks_pruned;
    end.blocks_scanned = statistics.blocks_scanned;
    end.granules_total = statistics.granules_total;
    end.granules_skipped = statistics.granules_skipped;
    end.elapsed_nanos = statistics.elapsed_nanos;
    status = sink.Finish(end);
    if (status.ok()) finished.statistics = statistics;
  }
  if (!status.ok()) {
    finished.timed_out = Clock::now() >= deadline;
    status = ExplainError(status, assignment, finished.timed_out);
    if (!stream.broken()) {
      Clock::time_point write_deadline =
          deadline == Clock::time_point::max() ? deadline
                                               : std::max(deadline, Clock::now()) + kErrorWriteAllowance;
      Status written = sink.Fail(status, write_deadline);
      if (!written.ok()) LogDebug("query " + std::to_string(assignment.request_id) +
                                  ": cannot send the error: " + written.ToString());
    }
  }
  finished.status = status;
  finished.answer_complete = !stream.broken();
  LogDebug("query " + std::to_string(assignment.request_id) + " on " + assignment.table_name +
           " at catalog sequence " + std::to_string(assignment.catalog_sequence) + " with " +
           std::to_string(assignment.blocks.size()) + " in-memory blocks: " +
           (status.ok() ? std::string("ok") : status.ToString()));
  // Unmap (the views died with Execute) and close the descriptors before
  // the daemon hears of the end: it then releases the blocks.
  received.blocks.clear();
  received.client = ipc::OwnedDescriptor();
  RETURN_IF_ERROR(channel_status);
  return channel_->Send(ipc::EncodeWorkerReport(finished));
}

}  // namespace

Status RunQueryWorker(int control_descriptor, const std::string& data_dir,
                      const std::string& secondary_path) {
  ipc::MessageChannel channel(control_descriptor);
  RETURN_IF_ERROR(io::RemoveTree(secondary_path));
  auto catalog = Catalog::OpenSecondary(io::JoinPath(data_dir, "catalog"), secondary_path);
  if (!catalog.ok()) {
    Status removed = io::RemoveTree(secondary_path);
    (void)removed;
    return catalog.status();
  }
  Status result;
  {
    QueryWorker worker(&channel, std::move(*catalog), data_dir);
    while (true) {
      auto received = ipc::ReceiveQueryAssignment(channel);
      if (!received.ok()) {
        if (received.status().code() != StatusCode::kAborted) result = received.status();
        break;
      }
      Status served = worker.Serve(std::move(*received));
      if (!served.ok()) {
        if (served.code() != StatusCode::kAborted) result = served;
        break;
      }
    }
  }  // the catalog closes here
  Status removed = io::RemoveTree(secondary_path);
  if (!removed.ok()) LogWarning("cannot remove " + secondary_path + ": " + removed.ToString());
  return result;
}

}  // namespace backtrace::worker
