// Messages of the ingest protocol (common/wire/ingest.fbs,
// docs/wire_protocol.md): builders for every Request and Response, their
// verification, and the schema-independent validation of requests.
//
// Receiving a request is three steps, and the daemon treats their errors
// differently:
//   1. VerifyRequest: the payload is an ingest Request that FlatBuffers can
//      read safely. An error means the peer does not speak the protocol:
//      answer with an Error (request_id 0) and close the connection.
//   2. ValidateRequest: the request is well formed without looking at any
//      table (a known body, names present, an Append's columns consistent).
//      An error is answered with an Error for that request; the connection
//      goes on.
//   3. The checks against the catalog (the table exists, its columns and
//      types), done by the daemon with the table's schema.
//
// Builders: each Finish* function finishes `builder` as one message (with
// the ingest file identifier); its bytes, MessageBytes(builder), are the
// payload of one frame. The message is padded so that it starts at an
// 8-aligned address in the builder and may be verified in place. A builder
// holds one message: Clear() it before building the next.
//
// Stateless functions; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/wire/column_data.h"
#include "common/wire/ingest_generated.h"

namespace backtrace::wire {

// ---- Requests (client → daemon)

// CreateTable for a schema built into the same builder beforehand.
void FinishCreateTableRequest(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                              flatbuffers::Offset<fb::TableSchema> schema);
void FinishDropTableRequest(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                            std::string_view table);
void FinishListTablesRequest(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id);

// The identity of one Append batch: the producer and its batch sequence.
struct BatchIdentity {
  uint64_t producer_id = 0;
  uint64_t sequence = 0;
};

// Append of columns built into the same builder beforehand (BuildColumnData).
void FinishAppendRequest(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                         std::string_view table, BatchIdentity batch,
                         const std::vector<flatbuffers::Offset<fb::ColumnData>>& columns);

// ---- Responses (daemon → client)

void FinishAckResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                       uint64_t sequence, bool durable, bool duplicate = false);
// An Error carrying the code and message of `status` (which should not be
// OK). sequence: the failed Append's batch sequence, 0 for other requests.
void FinishErrorResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                         uint64_t sequence, const Status& status);
// statistics: empty, or one per table in the same order (BuildTableStatus,
// status_messages.h).
void FinishTableListResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                             const std::vector<flatbuffers::Offset<fb::TableSchema>>& tables,
                             const std::vector<flatbuffers::Offset<fb::TableStatus>>& statistics =
                                 {});
void FinishOkResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id);

// Finish a Request / Response envelope around a body built beforehand
// (the other Finish* functions use these).
void FinishRequest(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                   fb::RequestBody type, flatbuffers::Offset<void> body);
void FinishResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                    fb::ResponseBody type, flatbuffers::Offset<void> body);

// The finished message in builder: the payload of one frame.
inline std::string_view MessageBytes(const flatbuffers::FlatBufferBuilder& builder) {
  return std::string_view(reinterpret_cast<const char*>(builder.GetBufferPointer()),
                          builder.GetSize());
}

// ---- Receiving

// Step 1 (see above) for a frame payload from FrameDecoder. The returned
// pointer points into payload.
[[nodiscard]] Result<const fb::Request*> VerifyRequest(std::string_view payload);
[[nodiscard]] Result<const fb::Response*> VerifyResponse(std::string_view payload);

// Step 2 for a verified request: its body is a member this build knows
// (else NotSupported: a newer client) and present, and then
//   CreateTable: a schema with a non-empty name (the schema itself is
//     checked by the catalog);
//   DropTable: a non-empty name;
//   Append: see ValidateAppend.
// Errors are InvalidArgument unless said otherwise and name what is wrong.
[[nodiscard]] Status ValidateRequest(const fb::Request& request);

// The checks of an Append that need no schema: a non-empty table name and
// valid columns (ValidateColumns: at least one, each well formed and
// consistent with its type tag, no name twice, equal lengths, strings at
// most kMaxStringBytes), with at least one row. Returns the row count.
[[nodiscard]] Result<size_t> ValidateAppend(const fb::Append& append);

// Checks a verified response: a known, present body (else NotSupported or
// InvalidArgument).
[[nodiscard]] Status ValidateResponse(const fb::Response& response);

// The whole receiving path of the daemon and client for arbitrary bytes:
// decodes frames (kDefaultMaxFrameBytes), verifies each as a Request or
// else a Response, validates it, and converts every Append column to a
// ColumnVector and back. Returns the first error. Never crashes, whatever
// the bytes: this is the body of the ingest fuzz target.
[[nodiscard]] Status DecodeAnyIngestFrame(std::string_view bytes);

}  // namespace backtrace::wire
