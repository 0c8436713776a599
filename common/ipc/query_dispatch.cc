#include "common/ipc/query_dispatch.h"

#include <algorithm>

#include "common/ipc/query_dispatch_generated.h"

namespace backtrace::ipc {
namespace {

std::string Bytes(const flatbuffers::FlatBufferBuilder& builder) {
  return std::string(reinterpret_cast<const char*>(builder.GetBufferPointer()), builder.GetSize());
}

template <typename Root>
const Root* Verified(std::string_view payload) {
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
  if (!verifier.VerifyBuffer<Root>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<Root>(payload.data());
}

std::string Text(const flatbuffers::String* text) { return text == nullptr ? "" : text->str(); }

// Descriptors of the first message besides the client's connection.
constexpr size_t kFirstBlockDescriptors = kMaxDescriptorsPerMessage - 1;

}  // namespace

Status SendQueryAssignment(MessageChannel& channel, const QueryAssignment& assignment,
                           int client_descriptor, const std::vector<int>& block_descriptors) {
  if (block_descriptors.size() != assignment.blocks.size()) {
    return Status::InvalidArgument("query assignment lists " +
                                   std::to_string(assignment.blocks.size()) + " blocks but " +
                                   std::to_string(block_descriptors.size()) + " descriptors");
  }
  flatbuffers::FlatBufferBuilder builder(512);
  std::vector<fb::AssignedBlock> blocks;
  for (const auto& block : assignment.blocks) blocks.emplace_back(block.row_count, block.block_sequence);
  auto block_vector = builder.CreateVectorOfStructs(blocks);
  auto sql = builder.CreateString(assignment.sql);
  auto table_name = builder.CreateString(assignment.table_name);
  fb::QueryAssignmentBuilder body(builder);
  body.add_request_id(assignment.request_id);
  body.add_sql(sql);
  body.add_table_id(assignment.table_id);
  body.add_table_name(table_name);
  body.add_catalog_sequence(assignment.catalog_sequence);
  body.add_remaining_nanos(static_cast<uint64_t>(std::max<int64_t>(0, assignment.remaining.count())));
  body.add_timeout_nanos(static_cast<uint64_t>(std::max<int64_t>(0, assignment.timeout.count())));
  body.add_memory_bytes(assignment.memory_bytes);
  body.add_max_frame_bytes(assignment.max_frame_bytes);
  body.add_queued_nanos(static_cast<uint64_t>(std::max<int64_t>(0, assignment.queued.count())));
  body.add_blocks(block_vector);
  auto body_offset = body.Finish();
  builder.Finish(fb::CreateDaemonToWorker(builder, fb::DaemonToWorkerBody::QueryAssignment,
                                          body_offset.Union()));

  size_t first = std::min(block_descriptors.size(), kFirstBlockDescriptors);
  std::vector<int> descriptors = {client_descriptor};
  descriptors.insert(descriptors.end(), block_descriptors.begin(),
                     block_descriptors.begin() + static_cast<ptrdiff_t>(first));
  RETURN_IF_ERROR(channel.Send(Bytes(builder), descriptors));
  for (size_t next = first; next < block_descriptors.size(); next += kMaxDescriptorsPerMessage) {
    size_t end = std::min(block_descriptors.size(), next + kMaxDescriptorsPerMessage);
    flatbuffers::FlatBufferBuilder more(64);
    auto more_body = fb::CreateQueryDescriptors(more, assignment.request_id);
    more.Finish(fb::CreateDaemonToWorker(more, fb::DaemonToWorkerBody::QueryDescriptors,
                                         more_body.Union()));
    std::vector<int> part(block_descriptors.begin() + static_cast<ptrdiff_t>(next),
                          block_descriptors.begin() + static_cast<ptrdiff_t>(end));
    RETURN_IF_ERROR(channel.Send(Bytes(more), part));
  }
  return Status::Ok();
}

Result<ReceivedAssignment> ReceiveQueryAssignment(MessageChannel& channel) {
  ASSIGN_OR_RETURN(ReceivedMessage first, channel.Receive());
  const auto* message = Verified<fb::DaemonToWorker>(first.payload);
  if (message == nullptr) return Status::Corruption("the daemon sent an unreadable message");
  const fb::QueryAssignment* body = message->body_as_QueryAssignment();
  if (body == nullptr) return Status::Corruption("the daemon sent something other than a query");
  ReceivedAssignment received;
  QueryAssignment& assignment = received.assignment;
  assignment.request_id = body->request_id();
  assignment.sql = Text(body->sql());
  assignment.table_id = body->table_id();
  assignment.table_name = Text(body->table_name());
  assignment.catalog_sequence = body->catalog_sequence();
  assignment.remaining = std::chrono::nanoseconds(static_cast<int64_t>(
      std::min<uint64_t>(body->remaining_nanos(), static_cast<uint64_t>(INT64_MAX))));
  assignment.timeout = std::chrono::nanoseconds(static_cast<int64_t>(
      std::min<uint64_t>(body->timeout_nanos(), static_cast<uint64_t>(INT64_MAX))));
  assignment.memory_bytes = body->memory_bytes();
  assignment.max_frame_bytes = body->max_frame_bytes();
  assignment.queued = std::chrono::nanoseconds(static_cast<int64_t>(
      std::min<uint64_t>(body->queued_nanos(), static_cast<uint64_t>(INT64_MAX))));
  if (body->blocks() != nullptr) {
    for (const fb::AssignedBlock* block : *body->blocks()) {
      assignment.blocks.push_back({block->row_count(), block->block_sequence()});
    }
  }
  size_t expected_first = 1 + std::min(assignment.blocks.size(), kFirstBlockDescriptors);
  if (first.descriptors.size() != expected_first) {
    return Status::Corruption("query " + std::to_string(assignment.request_id) + " came with " +
                              std::to_string(first.descriptors.size()) + " descriptors, not " +
                              std::to_string(expected_first));
  }
  received.client = std::move(first.descriptors[0]);
  for (size_t i = 1; i < first.descriptors.size(); ++i) {
    received.blocks.push_back(std::move(first.descriptors[i]));
  }
  while (received.blocks.size() < assignment.blocks.size()) {
    ASSIGN_OR_RETURN(ReceivedMessage more, channel.Receive());
    const auto* next = Verified<fb::DaemonToWorker>(more.payload);
    const fb::QueryDescriptors* descriptors =
        next == nullptr ? nullptr : next->body_as_QueryDescriptors();
    if (descriptors == nullptr || descriptors->request_id() != assignment.request_id) {
      return Status::Corruption("query " + std::to_string(assignment.request_id) +
                                ": expected more block descriptors");
    }
    size_t missing = assignment.blocks.size() - received.blocks.size();
    if (more.descriptors.empty() || more.descriptors.size() > missing) {
      return Status::Corruption("query " + std::to_string(assignment.request_id) +
                                ": a descriptor message carries " +
                                std::to_string(more.descriptors.size()) + " of the " +
                                std::to_string(missing) + " missing descriptors");
    }
    for (auto& descriptor : more.descriptors) received.blocks.push_back(std::move(descriptor));
  }
  return received;
}

std::string EncodeWorkerReport(const WorkerReport& report) {
  flatbuffers::FlatBufferBuilder builder(256);
  if (const auto* started = std::get_if<QueryOutputStarted>(&report)) {
    auto body = fb::CreateQueryOutputStarted(builder, started->request_id);
    builder.Finish(fb::CreateWorkerToDaemon(builder, fb::WorkerToDaemonBody::QueryOutputStarted,
                                            body.Union()));
    return Bytes(builder);
  }
  const auto& finished = std::get<QueryFinished>(report);
  flatbuffers::Offset<flatbuffers::String> message;
  if (!finished.status.ok()) message = builder.CreateString(finished.status.message());
  fb::QueryFinishedBuilder body(builder);
  body.add_request_id(finished.request_id);
  body.add_error_code(static_cast<uint16_t>(finished.status.code()));
  if (!finished.status.ok()) body.add_error_message(message);
  body.add_timed_out(finished.timed_out);
  body.add_answer_complete(finished.answer_complete);
  const query::QueryStatistics& statistics = finished.statistics;
  body.add_rows_returned(statistics.rows_returned);
  body.add_rows_scanned(statistics.rows_scanned);
  body.add_blocks_total(statistics.blocks_total);
  body.add_blocks_pruned(statistics.blocks_pruned);
  body.add_blocks_scanned(statistics.blocks_scanned);
  body.add_granules_total(statistics.granules_total);
  body.add_granules_skipped(statistics.granules_skipped);
  body.add_elapsed_nanos(statistics.elapsed_nanos);
  auto offset = body.Finish();
  builder.Finish(
      fb::CreateWorkerToDaemon(builder, fb::WorkerToDaemonBody::QueryFinished, offset.Union()));
  return Bytes(builder);
}

Result<WorkerReport> DecodeWorkerReport(std::string_view payload) {
  const auto* message = Verified<fb::WorkerToDaemon>(payload);
  if (message == nullptr) return Status::Corruption("a query worker sent an unreadable message");
  if (const auto* started = message->body_as_QueryOutputStarted()) {
    return WorkerReport(QueryOutputStarted{started->request_id()});
  }
  const auto* body = message->body_as_QueryFinished();
  if (body == nullptr) return Status::Corruption("a query worker sent a message without a body");
  QueryFinished finished;
  finished.request_id = body->request_id();
  if (body->error_code() != 0) {
    // A code this build does not know is reported as Internal.
    StatusCode code = body->error_code() <= static_cast<uint16_t>(StatusCode::kBusy)
                          ? static_cast<StatusCode>(body->error_code())
                          : StatusCode::kInternal;
    finished.status = Status(code,
                             body->error_message() == nullptr ? "query failed"
                                                              : body->error_message()->str());
  }
  finished.timed_out = body->timed_out();
  finished.answer_complete = body->answer_complete();
  query::QueryStatistics& statistics = finished.statistics;
  statistics.rows_returned = body->rows_returned();
  statistics.rows_scanned = body->rows_scanned();
  statistics.blocks_total = body->blocks_total();
  statistics.blocks_pruned = body->blocks_pruned();
  statistics.blocks_scanned = body->blocks_scanned();
  statistics.granules_total = body->granules_total();
  statistics.granules_skipped = body->granules_skipped();
  statistics.elapsed_nanos = body->elapsed_nanos();
  return WorkerReport(std::move(finished));
}

}  // namespace backtrace::ipc
