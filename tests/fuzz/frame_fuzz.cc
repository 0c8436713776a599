// Fuzz target "frame": the receiving path of the ingest and query sockets.
// Arbitrary bytes are cut into reads of a size chosen by the input, fed to a
// FrameDecoder the way the daemon's read callbacks feed it, and every
// payload it hands out goes through each message kind's verification and
// validation (ingest Request and Response, QueryRequest and
// QueryResponse), then the conversions a receiver does next: Append columns
// to ColumnVectors and back, schemas to TableSchema, SQL to the parser.
//
// Input: byte 0 chooses the read size, byte 1 the decoder's read chunk and
// max_frame_bytes; the rest is the stream.
#include <cstring>
#include <optional>
#include <vector>

#include "common/query/parser.h"
#include "common/schema/table_schema_codec.h"
#include "common/wire/frame.h"
#include "common/wire/ingest_messages.h"
#include "common/wire/query_messages.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/fuzz_target.h"

namespace backtrace::fuzz {
namespace {

using fb::RequestBody;
using fb::ResponseBody;
using fb::QueryResponseBody;

// Every column of a validated Append becomes a ColumnVector, is written
// into a new Append and read back unchanged.
void RoundTripColumns(const fb::Append& append, size_t rows) {
  for (flatbuffers::uoffset_t index = 0; index < append.columns()->size(); ++index) {
    const fb::ColumnData& data = *append.columns()->Get(index);
    auto column = wire::ColumnVectorFromData(data, index);
    FUZZ_CHECK(column.ok());  // ValidateAppend accepted it
    FUZZ_CHECK(column->size() == rows);
    flatbuffers::FlatBufferBuilder builder;
    auto name = data.name()->string_view();
    auto rebuilt = wire::BuildColumnData(builder, name, *column);
    wire::FinishAppendRequest(builder, 1, append.table()->string_view(), {}, {rebuilt});
    auto request = wire::VerifyRequest(wire::MessageBytes(builder));
    FUZZ_CHECK(request.ok());
    FUZZ_CHECK(wire::ValidateRequest(**request).ok());
    auto again = wire::ColumnVectorFromData(*(*request)->body_as_Append()->columns()->Get(0), 0);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(SameColumn(*column, *again));
  }
}

void ReceiveIngestRequest(std::string_view payload) {
  auto request = wire::VerifyRequest(payload);
  if (!request.ok()) return;
  if (!wire::ValidateRequest(**request).ok()) return;
  switch ((*request)->body_type()) {
    case RequestBody::CreateTable:
      (void)TableSchemaFromFlatBuffer(*(*request)->body_as_CreateTable()->schema());
      break;
    case RequestBody::Append: {
      auto rows = wire::ValidateAppend(*(*request)->body_as_Append());
      FUZZ_CHECK(rows.ok());  // ValidateRequest checked the Append
      RoundTripColumns(*(*request)->body_as_Append(), *rows);
      break;
    }
    default: break;
  }
}

void ReceiveIngestResponse(std::string_view payload) {
  auto response = wire::VerifyResponse(payload);
  if (!response.ok() || !wire::ValidateResponse(**response).ok()) return;
  if ((*response)->body_type() == ResponseBody::TableList) {
    const auto* tables = (*response)->body_as_TableList()->tables();
    if (tables == nullptr) return;
    for (const fb::TableSchema* table : *tables) {
      if (table != nullptr) (void)TableSchemaFromFlatBuffer(*table);
    }
  }
}

void ReceiveQueryRequest(std::string_view payload) {
  auto request = wire::VerifyQueryRequest(payload);
  if (!request.ok()) return;
  auto sql = wire::ValidateQueryRequest(**request);
  if (!sql.ok()) return;
  FUZZ_CHECK(!sql->empty());
  (void)query::ParseStatement(*sql);
}

// A client reading query responses keeps the last schema to check batches.
void ReceiveQueryResponse(std::string_view payload,
                          std::optional<std::vector<wire::ResultColumn>>* schema) {
  auto response = wire::VerifyQueryResponse(payload);
  if (!response.ok() || !wire::ValidateQueryResponse(**response).ok()) return;
  switch ((*response)->body_type()) {
    case QueryResponseBody::ResultSchema: {
      auto columns = wire::ReadResultSchema(*(*response)->body_as_ResultSchema());
      if (columns.ok()) {
        FUZZ_CHECK(!columns->empty());
        *schema = std::move(*columns);
      }
      break;
    }
    case QueryResponseBody::ResultBatch: {
      if (!schema->has_value()) break;
      const auto& batch = *(*response)->body_as_ResultBatch();
      auto rows = wire::ValidateResultBatch(batch, **schema);
      if (!rows.ok()) break;
      for (flatbuffers::uoffset_t index = 0; index < batch.columns()->size(); ++index) {
        auto column = wire::ColumnVectorFromData(*batch.columns()->Get(index), index);
        FUZZ_CHECK(column.ok());
        FUZZ_CHECK(column->size() == *rows);
        FUZZ_CHECK(column->type() == (**schema)[index].type);
      }
      break;
    }
    case QueryResponseBody::End: (void)wire::ReadEnd(*(*response)->body_as_End()); break;
    default: break;
  }
}

}  // namespace

void FuzzFrames(const uint8_t* data, size_t size) {
  InputCursor input(data, size);
  const size_t read_bytes = 1 + input.Byte() % 97;
  const uint8_t sizes = input.Byte();
  const size_t read_chunk_bytes = size_t{16} << (sizes % 8);                // 16 B .. 2 KiB
  const size_t max_frame_bytes = (sizes & 0x80) != 0 ? 4096 : wire::kDefaultMaxFrameBytes;
  const size_t capacity_bound = max_frame_bytes + wire::kFrameHeaderBytes + read_chunk_bytes +
                                2 * wire::kFramePayloadAlignment;
  std::string_view stream = input.rest();

  wire::FrameDecoder decoder(max_frame_bytes, read_chunk_bytes);
  std::optional<std::vector<wire::ResultColumn>> query_schema;
  while (!stream.empty()) {
    std::span<char> space = decoder.WritableSpace();
    if (space.empty()) {
      // Only a failed decoder offers no space: every frame was drained.
      FUZZ_CHECK(!decoder.status().ok());
      break;
    }
    FUZZ_CHECK(space.size() <= read_chunk_bytes);
    size_t bytes = std::min({space.size(), read_bytes, stream.size()});
    std::memcpy(space.data(), stream.data(), bytes);
    decoder.CommitWrite(bytes);
    stream.remove_prefix(bytes);
    FUZZ_CHECK(decoder.capacity() <= capacity_bound);
    bool failed = false;
    while (true) {
      auto payload = decoder.Next();
      if (!payload.ok()) {
        // Sticky: the same error again.
        auto again = decoder.Next();
        FUZZ_CHECK(!again.ok() && again.status().message() == payload.status().message());
        failed = true;
        break;
      }
      if (!payload->has_value()) break;
      std::string_view frame = **payload;
      FUZZ_CHECK(!frame.empty() && frame.size() <= max_frame_bytes);
      FUZZ_CHECK(reinterpret_cast<uintptr_t>(frame.data()) % wire::kFramePayloadAlignment == 0);
      ReceiveIngestRequest(frame);
      ReceiveIngestResponse(frame);
      ReceiveQueryRequest(frame);
      ReceiveQueryResponse(frame, &query_schema);
    }
    if (failed) break;
  }
  decoder.ReleaseMemoryIfIdle();
  if (decoder.buffered_bytes() == 0) FUZZ_CHECK(decoder.capacity() == 0);
}

}  // namespace backtrace::fuzz

BACKTRACE_FUZZ_TARGET(backtrace::fuzz::FuzzFrames)
