// Messages of the query protocol (common/wire/query.fbs,
// docs/wire_protocol.md): builders for the QueryRequest and every
// QueryResponse, their verification and validation.
//
// As for ingest (see ingest_messages.h): a Verify* error means the peer
// does not speak the protocol and the connection is closed; a Validate*
// error is answered with an Error and the connection goes on.
//
// Builders: each Finish* function finishes `builder` as one message with the
// query file identifier; MessageBytes(builder) (ingest_messages.h) is the
// payload of one frame.
//
// Stateless functions; callable from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/schema/column_type.h"
#include "common/wire/column_data.h"
#include "common/wire/query_generated.h"

namespace backtrace::wire {

// One column of a result.
struct ResultColumn {
  std::string name;
  ColumnType type = ColumnType::kInt64;

  bool operator==(const ResultColumn&) const = default;
};

// The figures an End message reports (see query.fbs for each one's meaning).
struct QueryStatistics {
  uint64_t rows = 0;
  uint64_t rows_scanned = 0;
  uint64_t blocks_total = 0;
  uint64_t blocks_pruned = 0;
  uint64_t blocks_scanned = 0;
  uint64_t granules_total = 0;
  uint64_t granules_skipped = 0;
  uint64_t elapsed_nanos = 0;

  bool operator==(const QueryStatistics&) const = default;
};

// ---- Request (client → daemon)

void FinishQueryRequest(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                        std::string_view sql);

// ---- Responses (daemon or worker → client), in this order:
// ResultSchema, ResultBatch*, End; or Error at any point, which ends the
// answer.

void FinishResultSchemaResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                                const std::vector<ResultColumn>& columns);
// A batch of columns built into the same builder beforehand (BuildColumnData).
void FinishResultBatchResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                               const std::vector<flatbuffers::Offset<fb::ColumnData>>& columns);
void FinishEndResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                       const QueryStatistics& statistics);
void FinishQueryErrorResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                              const Status& status);

// ---- Receiving

// Checks that a frame payload is a QueryRequest / QueryResponse that
// FlatBuffers can read safely. The returned pointer points into payload.
[[nodiscard]] Result<const fb::QueryRequest*> VerifyQueryRequest(std::string_view payload);
[[nodiscard]] Result<const fb::QueryResponse*> VerifyQueryResponse(std::string_view payload);

// A verified request carries a Query (else NotSupported for a body this
// build does not know, InvalidArgument for none) with non-empty SQL.
// Returns the SQL text, a view into the message.
[[nodiscard]] Result<std::string_view> ValidateQueryRequest(const fb::QueryRequest& request);

// A verified response carries a body this build knows (else NotSupported)
// and it is present (else InvalidArgument).
[[nodiscard]] Status ValidateQueryResponse(const fb::QueryResponse& response);

// The columns of a ResultSchema: at least one, each named and of a known
// type (names may repeat).
[[nodiscard]] Result<std::vector<ResultColumn>> ReadResultSchema(const fb::ResultSchema& schema);

// Checks a ResultBatch against the schema received before it: valid columns
// (ValidateColumns), as many as the schema has, with the schema's names and
// types in its order. Returns the row count (0 is allowed).
[[nodiscard]] Result<size_t> ValidateResultBatch(const fb::ResultBatch& batch,
                                                 const std::vector<ResultColumn>& schema);

QueryStatistics ReadEnd(const fb::End& end);

}  // namespace backtrace::wire
