// Tests of the query protocol messages: round trips of every message and
// the checks of a result batch against its schema.
#include "common/wire/query_messages.h"

#include <gtest/gtest.h>

#include <string>

#include "common/wire/frame.h"
#include "common/wire/ingest_messages.h"
#include "common/wire/wire_status.h"

namespace backtrace::wire {
namespace {

void ExpectError(const Status& status, StatusCode code,
                 std::initializer_list<std::string_view> fragments) {
  EXPECT_EQ(status.code(), code) << status.ToString();
  for (std::string_view fragment : fragments) {
    EXPECT_NE(status.message().find(fragment), std::string::npos)
        << "'" << fragment << "' missing from: " << status.message();
  }
}

// The payload as it leaves a FrameDecoder, copied out so that it outlives
// the decoder (into heap storage of a std::string, which malloc aligns).
std::string ThroughFrame(const flatbuffers::FlatBufferBuilder& builder) {
  std::string stream;
  EXPECT_TRUE(AppendFrame(MessageBytes(builder), kDefaultMaxFrameBytes, &stream).ok());
  FrameDecoder decoder;
  std::string received;
  EXPECT_TRUE(decoder
                  .Feed(stream,
                        [&](std::string_view payload) {
                          received = payload;
                          return Status::Ok();
                        })
                  .ok());
  return received;
}

const std::vector<ResultColumn> kBarSchema = {
    {"symbol", ColumnType::kString},
    {"bar", ColumnType::kTimestamp},
    {"close", ColumnType::kFloat64},
};

void BuildBarBatch(flatbuffers::FlatBufferBuilder& builder, const std::vector<ResultColumn>& as) {
  ColumnVector symbol(ColumnType::kString);
  symbol.strings().push_back("AAPL");
  ColumnVector bar(ColumnType::kTimestamp);
  bar.int64s().push_back(1'700'000'000'000'000'000);
  ColumnVector close(ColumnType::kFloat64);
  close.float64s().push_back(189.5);
  std::vector<const ColumnVector*> values = {&symbol, &bar, &close};
  std::vector<flatbuffers::Offset<fb::ColumnData>> columns;
  for (size_t i = 0; i < as.size(); ++i) {
    columns.push_back(BuildColumnData(builder, as[i].name, *values[i]));
  }
  FinishResultBatchResponse(builder, 3, columns);
}

TEST(WireQuery, QueryRoundTrips) {
  flatbuffers::FlatBufferBuilder builder;
  const std::string sql = "SELECT first(price), last(price) FROM trades SAMPLE BY 1m";
  FinishQueryRequest(builder, 21, sql);
  std::string payload = ThroughFrame(builder);
  auto request = VerifyQueryRequest(payload);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ((*request)->request_id(), 21u);
  Result<std::string_view> text = ValidateQueryRequest(**request);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, sql);
}

TEST(WireQuery, EmptySqlIsRejected) {
  flatbuffers::FlatBufferBuilder builder;
  FinishQueryRequest(builder, 1, "");
  auto request = VerifyQueryRequest(MessageBytes(builder));
  ASSERT_TRUE(request.ok());
  ExpectError(ValidateQueryRequest(**request).status(), StatusCode::kInvalidArgument,
              {"no SQL"});
}

TEST(WireQuery, UnknownRequestBodyIsNotSupported) {
  flatbuffers::FlatBufferBuilder builder;
  auto query = fb::CreateQueryDirect(builder, "SELECT 1");
  builder.Finish(fb::CreateQueryRequest(builder, 1, static_cast<fb::QueryRequestBody>(4),
                                        query.Union()),
                 kQueryRequestIdentifier);
  auto request = VerifyQueryRequest(MessageBytes(builder));
  ASSERT_TRUE(request.ok());
  ExpectError(ValidateQueryRequest(**request).status(), StatusCode::kNotSupported, {"4"});
}

TEST(WireQuery, IngestRequestOnTheQuerySocketIsNamed) {
  flatbuffers::FlatBufferBuilder builder;
  FinishListTablesRequest(builder, 1);
  ExpectError(VerifyQueryRequest(MessageBytes(builder)).status(), StatusCode::kInvalidArgument,
              {"'BIRQ'", "expected 'BQRQ'", "an ingest request"});
}

TEST(WireQuery, ResultSchemaRoundTrips) {
  flatbuffers::FlatBufferBuilder builder;
  FinishResultSchemaResponse(builder, 22, kBarSchema);
  std::string payload = ThroughFrame(builder);
  auto response = VerifyQueryResponse(payload);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_TRUE(ValidateQueryResponse(**response).ok());
  EXPECT_EQ((*response)->request_id(), 22u);
  auto columns = ReadResultSchema(*(*response)->body_as_ResultSchema());
  ASSERT_TRUE(columns.ok()) << columns.status().ToString();
  EXPECT_EQ(*columns, kBarSchema);
}

TEST(WireQuery, ResultSchemaWithUnknownTypeIsRejected) {
  flatbuffers::FlatBufferBuilder builder;
  FinishResultSchemaResponse(builder, 22, {{"x", static_cast<ColumnType>(0)}});
  auto response = VerifyQueryResponse(MessageBytes(builder));
  ASSERT_TRUE(response.ok());
  ExpectError(ReadResultSchema(*(*response)->body_as_ResultSchema()).status(),
              StatusCode::kInvalidArgument, {"column 'x'", "unknown type 0"});
}

TEST(WireQuery, ResultBatchRoundTripsAndMatchesItsSchema) {
  flatbuffers::FlatBufferBuilder builder;
  BuildBarBatch(builder, kBarSchema);
  std::string payload = ThroughFrame(builder);
  auto response = VerifyQueryResponse(payload);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_TRUE(ValidateQueryResponse(**response).ok());
  const fb::ResultBatch& batch = *(*response)->body_as_ResultBatch();
  Result<size_t> rows = ValidateResultBatch(batch, kBarSchema);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, 1u);
  auto close = ColumnVectorFromData(*batch.columns()->Get(2), 2);
  ASSERT_TRUE(close.ok());
  EXPECT_EQ(close->float64s()[0], 189.5);
}

TEST(WireQuery, ResultBatchThatDisagreesWithItsSchemaIsRejected) {
  flatbuffers::FlatBufferBuilder builder;
  std::vector<ResultColumn> renamed = kBarSchema;
  renamed[1].name = "time";
  BuildBarBatch(builder, renamed);
  auto response = VerifyQueryResponse(MessageBytes(builder));
  ASSERT_TRUE(response.ok());
  ExpectError(ValidateResultBatch(*(*response)->body_as_ResultBatch(), kBarSchema).status(),
              StatusCode::kInvalidArgument, {"column #1", "'time' timestamp", "'bar' timestamp"});
  std::vector<ResultColumn> longer = kBarSchema;
  longer.push_back({"volume", ColumnType::kUInt64});
  ExpectError(ValidateResultBatch(*(*response)->body_as_ResultBatch(), longer).status(),
              StatusCode::kInvalidArgument, {"3 columns", "schema 4"});
}

TEST(WireQuery, EndRoundTrips) {
  QueryStatistics statistics{1, 2, 3, 4, 5, 6, 7, 8};
  flatbuffers::FlatBufferBuilder builder;
  FinishEndResponse(builder, 23, statistics);
  std::string payload = ThroughFrame(builder);
  auto response = VerifyQueryResponse(payload);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_TRUE(ValidateQueryResponse(**response).ok());
  EXPECT_EQ(ReadEnd(*(*response)->body_as_End()), statistics);
}

TEST(WireQuery, ErrorRoundTrips) {
  flatbuffers::FlatBufferBuilder builder;
  FinishQueryErrorResponse(builder, 24, Status::ResourceExhausted("query memory 1GiB exceeded"));
  std::string payload = ThroughFrame(builder);
  auto response = VerifyQueryResponse(payload);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_TRUE(ValidateQueryResponse(**response).ok());
  Status status = StatusFromError(*(*response)->body_as_Error());
  ExpectError(status, StatusCode::kResourceExhausted, {"query memory 1GiB exceeded"});
}

TEST(WireQuery, ResponseWithoutBodyIsRejected) {
  flatbuffers::FlatBufferBuilder builder;
  builder.Finish(fb::CreateQueryResponse(builder, 1, fb::QueryResponseBody::End),
                 kQueryResponseIdentifier);
  auto response = VerifyQueryResponse(MessageBytes(builder));
  ASSERT_TRUE(response.ok());
  ExpectError(ValidateQueryResponse(**response), StatusCode::kInvalidArgument,
              {"End response has no body table"});
}

}  // namespace
}  // namespace backtrace::wire
