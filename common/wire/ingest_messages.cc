#include "common/wire/ingest_messages.h"

#include <algorithm>
#include <cstring>

#include "common/wire/frame.h"
#include "common/wire/message_text.h"
#include "common/wire/wire_status.h"

namespace backtrace::wire {
namespace {

// The member name of a union tag, or its number when this build does not
// know it.
template <typename Enum>
std::string MemberName(Enum type, Enum max, const char* (*names)(Enum)) {
  if (static_cast<uint8_t>(type) > static_cast<uint8_t>(max)) {
    return "unknown member " + std::to_string(static_cast<uint8_t>(type));
  }
  return names(type);
}

bool SameColumns(const ColumnVector& left, const ColumnVector& right) {
  if (left.type() != right.type()) return false;
  switch (left.type()) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp: return left.int64s() == right.int64s();
    case ColumnType::kUInt64: return left.uint64s() == right.uint64s();
    case ColumnType::kFloat64:
      // Bitwise, so NaN payloads compare equal to themselves.
      return left.size() == right.size() &&
             std::memcmp(left.float64s().data(), right.float64s().data(),
                         left.size() * sizeof(double)) == 0;
    case ColumnType::kString:
      return left.strings().offsets == right.strings().offsets &&
             left.strings().bytes == right.strings().bytes;
  }
  return false;
}

// Converts every column of a validated Append to a ColumnVector, writes it
// back into a new message and checks that the second conversion yields the
// same values.
Status RoundTripAppendColumns(const fb::Append& append) {
  for (flatbuffers::uoffset_t index = 0; index < append.columns()->size(); ++index) {
    const fb::ColumnData& data = *append.columns()->Get(index);
    ASSIGN_OR_RETURN(ColumnVector column, ColumnVectorFromData(data, index));
    flatbuffers::FlatBufferBuilder builder;
    auto rebuilt = BuildColumnData(builder, View(data.name()), column);
    FinishAppendRequest(builder, 0, View(append.table()), {}, {rebuilt});
    ASSIGN_OR_RETURN(const fb::Request* request, VerifyRequest(MessageBytes(builder)));
    ASSIGN_OR_RETURN(ColumnVector again,
                     ColumnVectorFromData(*request->body_as_Append()->columns()->Get(0), 0));
    if (!SameColumns(column, again)) {
      return Status::Internal("column #" + std::to_string(index) + " changed in a round trip");
    }
  }
  return Status::Ok();
}

}  // namespace

void FinishRequest(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                   fb::RequestBody type, flatbuffers::Offset<void> body) {
  auto request = fb::CreateRequest(builder, request_id, type, body);
  builder.TrackMinAlign(kFramePayloadAlignment);
  builder.Finish(request, kIngestRequestIdentifier);
}

void FinishResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                    fb::ResponseBody type, flatbuffers::Offset<void> body) {
  auto response = fb::CreateResponse(builder, request_id, type, body);
  builder.TrackMinAlign(kFramePayloadAlignment);
  builder.Finish(response, kIngestResponseIdentifier);
}

void FinishCreateTableRequest(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                              flatbuffers::Offset<fb::TableSchema> schema) {
  FinishRequest(builder, request_id, fb::RequestBody::CreateTable,
                fb::CreateCreateTable(builder, schema).Union());
}

void FinishDropTableRequest(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                            std::string_view table) {
  auto name = builder.CreateString(table.data(), table.size());
  FinishRequest(builder, request_id, fb::RequestBody::DropTable,
                fb::CreateDropTable(builder, name).Union());
}

void FinishListTablesRequest(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id) {
  FinishRequest(builder, request_id, fb::RequestBody::ListTables,
                fb::CreateListTables(builder).Union());
}

void FinishAppendRequest(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                         std::string_view table, BatchIdentity batch,
                         const std::vector<flatbuffers::Offset<fb::ColumnData>>& columns) {
  auto name = builder.CreateString(table.data(), table.size());
  auto column_vector = builder.CreateVector(columns);
  FinishRequest(
      builder, request_id, fb::RequestBody::Append,
      fb::CreateAppend(builder, name, batch.producer_id, batch.sequence, column_vector).Union());
}

void FinishAckResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                       uint64_t sequence, bool durable, bool duplicate) {
  FinishResponse(builder, request_id, fb::ResponseBody::Ack,
                 fb::CreateAck(builder, sequence, durable, duplicate).Union());
}

void FinishErrorResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                         uint64_t sequence, const Status& status) {
  FinishResponse(builder, request_id, fb::ResponseBody::Error,
                 BuildError(builder, sequence, status).Union());
}

void FinishTableListResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id,
                             const std::vector<flatbuffers::Offset<fb::TableSchema>>& tables,
                             const std::vector<flatbuffers::Offset<fb::TableStatus>>& statistics) {
  auto table_vector = builder.CreateVector(tables);
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::TableStatus>>> statistics_vector;
  if (!statistics.empty()) statistics_vector = builder.CreateVector(statistics);
  FinishResponse(builder, request_id, fb::ResponseBody::TableList,
                 fb::CreateTableList(builder, table_vector, statistics_vector).Union());
}

void FinishOkResponse(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id) {
  FinishResponse(builder, request_id, fb::ResponseBody::Ok, fb::CreateOk(builder).Union());
}

Result<const fb::Request*> VerifyRequest(std::string_view payload) {
  return VerifyMessage<fb::Request>(payload, kIngestRequestIdentifier, "ingest request");
}

Result<const fb::Response*> VerifyResponse(std::string_view payload) {
  return VerifyMessage<fb::Response>(payload, kIngestResponseIdentifier, "ingest response");
}

Result<size_t> ValidateAppend(const fb::Append& append) {
  if (append.table() == nullptr || append.table()->size() == 0) {
    return Status::InvalidArgument("append names no table");
  }
  std::string table = QuoteForMessage(View(append.table()));
  Result<size_t> rows = ValidateColumns(append.columns());
  if (!rows.ok()) return rows.status().WithContext("append to table " + table);
  if (*rows == 0) {
    return Status::InvalidArgument("append to table " + table + ": the batch has no rows");
  }
  return rows;
}

Status ValidateRequest(const fb::Request& request) {
  fb::RequestBody type = request.body_type();
  if (type == fb::RequestBody::NONE) {
    return Status::InvalidArgument("request carries no body");
  }
  if (static_cast<uint8_t>(type) > static_cast<uint8_t>(fb::RequestBody::MAX)) {
    return Status::NotSupported("request body " +
                                MemberName(type, fb::RequestBody::MAX, fb::EnumNameRequestBody) +
                                " is not supported by this server");
  }
  if (request.body() == nullptr) {
    return Status::InvalidArgument(std::string(fb::EnumNameRequestBody(type)) +
                                   " request has no body table");
  }
  switch (type) {
    case fb::RequestBody::CreateTable: {
      const fb::TableSchema* schema = request.body_as_CreateTable()->schema();
      if (schema == nullptr) return Status::InvalidArgument("CreateTable carries no schema");
      if (schema->name() == nullptr || schema->name()->size() == 0) {
        return Status::InvalidArgument("CreateTable schema has no table name");
      }
      return Status::Ok();
    }
    case fb::RequestBody::DropTable: {
      const flatbuffers::String* name = request.body_as_DropTable()->name();
      if (name == nullptr || name->size() == 0) {
        return Status::InvalidArgument("DropTable names no table");
      }
      return Status::Ok();
    }
    case fb::RequestBody::ListTables: return Status::Ok();
    case fb::RequestBody::GetStatus: return Status::Ok();
    case fb::RequestBody::Append: return ValidateAppend(*request.body_as_Append()).status();
    case fb::RequestBody::NONE: break;
  }
  return Status::Internal("unhandled request body");
}

Status ValidateResponse(const fb::Response& response) {
  fb::ResponseBody type = response.body_type();
  if (type == fb::ResponseBody::NONE) {
    return Status::InvalidArgument("response carries no body");
  }
  if (static_cast<uint8_t>(type) > static_cast<uint8_t>(fb::ResponseBody::MAX)) {
    return Status::NotSupported(
        "response body " + MemberName(type, fb::ResponseBody::MAX, fb::EnumNameResponseBody) +
        " is not supported by this client");
  }
  if (response.body() == nullptr) {
    return Status::InvalidArgument(std::string(fb::EnumNameResponseBody(type)) +
                                   " response has no body table");
  }
  if (type == fb::ResponseBody::TableList) {
    const auto* tables = response.body_as_TableList()->tables();
    if (tables != nullptr) {
      for (flatbuffers::uoffset_t i = 0; i < tables->size(); ++i) {
        if (tables->Get(i)->name() == nullptr) {
          return Status::InvalidArgument("table list entry #" + std::to_string(i) +
                                         " has no name");
        }
      }
    }
    const auto* statistics = response.body_as_TableList()->statistics();
    if (statistics != nullptr && (tables == nullptr || statistics->size() != tables->size())) {
      return Status::InvalidArgument("table list has " + std::to_string(statistics->size()) +
                                     " statistics entries for " +
                                     std::to_string(tables == nullptr ? 0 : tables->size()) +
                                     " tables");
    }
  }
  return Status::Ok();
}

Status DecodeAnyIngestFrame(std::string_view bytes) {
  // Feed in small pieces so that headers and payloads arrive split.
  constexpr size_t kPiece = 13;
  FrameDecoder decoder(kDefaultMaxFrameBytes, 4096);
  auto on_payload = [](std::string_view payload) -> Status {
    constexpr size_t kIdentifierOffset = sizeof(flatbuffers::uoffset_t);
    if (payload.size() >= kIdentifierOffset + flatbuffers::kFileIdentifierLength &&
        payload.substr(kIdentifierOffset, flatbuffers::kFileIdentifierLength) ==
            kIngestResponseIdentifier) {
      ASSIGN_OR_RETURN(const fb::Response* response, VerifyResponse(payload));
      return ValidateResponse(*response);
    }
    ASSIGN_OR_RETURN(const fb::Request* request, VerifyRequest(payload));
    RETURN_IF_ERROR(ValidateRequest(*request));
    if (request->body_type() == fb::RequestBody::Append) {
      return RoundTripAppendColumns(*request->body_as_Append());
    }
    return Status::Ok();
  };
  while (!bytes.empty()) {
    size_t piece = std::min(kPiece, bytes.size());
    RETURN_IF_ERROR(decoder.Feed(bytes.substr(0, piece), on_payload));
    bytes.remove_prefix(piece);
  }
  if (decoder.buffered_bytes() > 0) {
    return Status::InvalidArgument("stream ends inside a frame (" +
                                   std::to_string(decoder.buffered_bytes()) + " bytes buffered)");
  }
  return Status::Ok();
}

}  // namespace backtrace::wire
