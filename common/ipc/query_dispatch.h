// The query worker protocol's messages (common/ipc/query_dispatch.fbs,
// docs/process_protocol.md "Query workers") as plain structs, and their
// sending and receiving over a MessageChannel.
//
// An assignment travels as one message carrying the client's connection and
// up to 15 memfds, followed by QueryDescriptors messages carrying 16 more
// each; SendQueryAssignment and ReceiveQueryAssignment hide the split.
//
// Stateless functions; each call uses its channel as MessageChannel allows
// (one sender and one receiver at a time).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/base/status.h"
#include "common/ipc/message_channel.h"
#include "common/query/query_engine.h"

namespace backtrace::ipc {

struct AssignedBlockInfo {
  uint64_t row_count = 0;
  uint64_t block_sequence = 0;
};

struct QueryAssignment {
  uint64_t request_id = 0;
  std::string sql;
  uint64_t table_id = 0;
  std::string table_name;
  uint64_t catalog_sequence = 0;
  std::chrono::nanoseconds remaining{0};  // 0: no deadline
  std::chrono::nanoseconds timeout{0};    // query_timeout, for messages
  uint64_t memory_bytes = 0;
  uint64_t max_frame_bytes = 0;
  std::chrono::nanoseconds queued{0};
  std::vector<AssignedBlockInfo> blocks;  // one per block descriptor, in order
};

// An assignment as the worker receives it, with its own descriptors.
struct ReceivedAssignment {
  QueryAssignment assignment;
  OwnedDescriptor client;
  std::vector<OwnedDescriptor> blocks;
};

struct QueryFinished {
  uint64_t request_id = 0;
  Status status;  // the query's outcome as the client was told
  bool timed_out = false;
  bool answer_complete = false;
  query::QueryStatistics statistics;
};

struct QueryOutputStarted {
  uint64_t request_id = 0;
};

using WorkerReport = std::variant<QueryOutputStarted, QueryFinished>;

// Sends the assignment with the client's connection and one memfd per
// assignment.blocks entry (block_descriptors, same order). The descriptors
// stay the caller's. Errors: InvalidArgument when the counts differ; the
// channel's errors (kAborted when the worker is gone).
[[nodiscard]] Status SendQueryAssignment(MessageChannel& channel, const QueryAssignment& assignment,
                                         int client_descriptor,
                                         const std::vector<int>& block_descriptors);

// Receives one assignment and all its descriptors. kAborted "peer closed the
// channel" at a clean end; kCorruption for a message that does not verify,
// is not what the protocol expects next, or carries the wrong number of
// descriptors.
[[nodiscard]] Result<ReceivedAssignment> ReceiveQueryAssignment(MessageChannel& channel);

std::string EncodeWorkerReport(const WorkerReport& report);
// kCorruption for a payload that does not verify or carries no body.
[[nodiscard]] Result<WorkerReport> DecodeWorkerReport(std::string_view payload);

}  // namespace backtrace::ipc
