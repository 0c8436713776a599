#include "common/wire/query_messages.h"

#include "common/wire/message_text.h"
#include "common/wire/wire_status.h"

namespace backtrace::wire {
namespace {

void FinishQueryResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                         fb::QueryResponseBody type, flatbuffers::Offset<void> body) {
  auto response = fb::CreateQueryResponse(builder, request_id, type, body);
  builder.TrackMinAlign(kFramePayloadAlignment);
  builder.Finish(response, kQueryResponseIdentifier);
}

}  // namespace

void FinishQueryRequest(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                        std::string_view sql) {
  auto text = builder.CreateString(sql.data(), sql.size());
  auto query = fb::CreateQuery(builder, text);
  auto request =
      fb::CreateQueryRequest(builder, request_id, fb::QueryRequestBody::Query, query.Union());
  builder.TrackMinAlign(kFramePayloadAlignment);
  builder.Finish(request, kQueryRequestIdentifier);
}

void FinishResultSchemaResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                                const std::vector<ResultColumn>& columns) {
  std::vector<flatbuffers::Offset<fb::ColumnDefinition>> definitions;
  definitions.reserve(columns.size());
  for (const ResultColumn& column : columns) {
    definitions.push_back(fb::CreateColumnDefinition(builder, builder.CreateString(column.name),
                                                     static_cast<fb::ColumnType>(column.type)));
  }
  auto vector = builder.CreateVector(definitions);
  FinishQueryResponse(builder, request_id, fb::QueryResponseBody::ResultSchema,
                      fb::CreateResultSchema(builder, vector).Union());
}

void FinishResultBatchResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                               const std::vector<flatbuffers::Offset<fb::ColumnData>>& columns) {
  auto vector = builder.CreateVector(columns);
  FinishQueryResponse(builder, request_id, fb::QueryResponseBody::ResultBatch,
                      fb::CreateResultBatch(builder, vector).Union());
}

void FinishEndResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                       const QueryStatistics& statistics) {
  auto end = fb::CreateEnd(builder, statistics.rows, statistics.rows_scanned,
                           statistics.blocks_total, statistics.blocks_pruned,
                           statistics.blocks_scanned, statistics.granules_total,
                           statistics.granules_skipped, statistics.elapsed_nanos);
  FinishQueryResponse(builder, request_id, fb::QueryResponseBody::End, end.Union());
}

void FinishQueryErrorResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                              const Status& status) {
  FinishQueryResponse(builder, request_id, fb::QueryResponseBody::Error,
                      BuildError(builder, 0, status).Union());
}

Result<const fb::QueryRequest*> VerifyQueryRequest(std::string_view payload) {
  return VerifyMessage<fb::QueryRequest>(payload, kQueryRequestIdentifier, "query request");
}

Result<const fb::QueryResponse*> VerifyQueryResponse(std::string_view payload) {
  return VerifyMessage<fb::QueryResponse>(payload, kQueryResponseIdentifier, "query response");
}

Result<std::string_view> ValidateQueryRequest(const fb::QueryRequest& request) {
  fb::QueryRequestBody type = request.body_type();
  if (type == fb::QueryRequestBody::NONE) {
    return Status::InvalidArgument("query request carries no body");
  }
  if (static_cast<uint8_t>(type) > static_cast<uint8_t>(fb::QueryRequestBody::MAX)) {
    return Status::NotSupported("query request body " +
                                std::to_string(static_cast<uint8_t>(type)) +
                                " is not supported by this server");
  }
  const fb::Query* query = request.body_as_Query();
  if (query == nullptr) return Status::InvalidArgument("Query request has no body table");
  if (query->sql() == nullptr || query->sql()->size() == 0) {
    return Status::InvalidArgument("Query carries no SQL text");
  }
  return View(query->sql());
}

Status ValidateQueryResponse(const fb::QueryResponse& response) {
  fb::QueryResponseBody type = response.body_type();
  if (type == fb::QueryResponseBody::NONE) {
    return Status::InvalidArgument("query response carries no body");
  }
  if (static_cast<uint8_t>(type) > static_cast<uint8_t>(fb::QueryResponseBody::MAX)) {
    return Status::NotSupported("query response body " +
                                std::to_string(static_cast<uint8_t>(type)) +
                                " is not supported by this client");
  }
  if (response.body() == nullptr) {
    return Status::InvalidArgument(std::string(fb::EnumNameQueryResponseBody(type)) +
                                   " response has no body table");
  }
  return Status::Ok();
}

Result<std::vector<ResultColumn>> ReadResultSchema(const fb::ResultSchema& schema) {
  const auto* definitions = schema.columns();
  if (definitions == nullptr || definitions->size() == 0) {
    return Status::InvalidArgument("result schema has no columns");
  }
  std::vector<ResultColumn> columns;
  columns.reserve(definitions->size());
  for (flatbuffers::uoffset_t index = 0; index < definitions->size(); ++index) {
    const fb::ColumnDefinition* definition = definitions->Get(index);
    if (definition->name() == nullptr || definition->name()->size() == 0) {
      return Status::InvalidArgument("result column #" + std::to_string(index) + " has no name");
    }
    uint8_t raw_type = static_cast<uint8_t>(definition->type());
    if (!IsValidColumnType(raw_type)) {
      return Status::InvalidArgument("result column " + QuoteForMessage(View(definition->name())) +
                                     " has unknown type " + std::to_string(raw_type));
    }
    columns.push_back({std::string(View(definition->name())), static_cast<ColumnType>(raw_type)});
  }
  return columns;
}

Result<size_t> ValidateResultBatch(const fb::ResultBatch& batch,
                                   const std::vector<ResultColumn>& schema) {
  ASSIGN_OR_RETURN(size_t rows, ValidateColumns(batch.columns(), DuplicateNames::kAllow));
  if (batch.columns()->size() != schema.size()) {
    return Status::InvalidArgument("result batch has " + std::to_string(batch.columns()->size()) +
                                   " columns, the result schema " + std::to_string(schema.size()));
  }
  for (flatbuffers::uoffset_t index = 0; index < schema.size(); ++index) {
    const fb::ColumnData& column = *batch.columns()->Get(index);
    if (View(column.name()) != schema[index].name || ColumnTypeOf(column) != schema[index].type) {
      return Status::InvalidArgument(
          "result batch column #" + std::to_string(index) + " is " +
          QuoteForMessage(View(column.name())) + " " +
          std::string(ColumnTypeName(ColumnTypeOf(column))) + ", the result schema says " +
          QuoteForMessage(schema[index].name) + " " +
          std::string(ColumnTypeName(schema[index].type)));
    }
  }
  return rows;
}

QueryStatistics ReadEnd(const fb::End& end) {
  QueryStatistics statistics;
  statistics.rows = end.rows();
  statistics.rows_scanned = end.rows_scanned();
  statistics.blocks_total = end.blocks_total();
  statistics.blocks_pruned = end.blocks_pruned();
  statistics.blocks_scanned = end.blocks_scanned();
  statistics.granules_total = end.granules_total();
  statistics.granules_skipped = end.granules_skipped();
  statistics.elapsed_nanos = end.elapsed_nanos();
  return statistics;
}

}  // namespace backtrace::wire
