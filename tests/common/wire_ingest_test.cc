// Tests of the ingest protocol messages: round trips of every request and
// response through frames, and every class of malformed message rejected
// with a message that says what was wrong.
#include "common/wire/ingest_messages.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <new>
#include <random>
#include <string>

#include "common/wire/frame.h"
#include "common/wire/wire_status.h"

namespace backtrace::wire {
namespace {

// A heap copy of some bytes at an 8-aligned address and of exactly their
// size, so that AddressSanitizer catches a read one byte past the end.
class AlignedBytes {
 public:
  explicit AlignedBytes(std::string_view bytes)
      : size_(bytes.size()),
        data_(static_cast<char*>(::operator new(std::max<size_t>(size_, 1), std::align_val_t(8)))) {
    if (size_ > 0) std::memcpy(data_, bytes.data(), size_);
  }
  ~AlignedBytes() { ::operator delete(data_, std::align_val_t(8)); }
  AlignedBytes(const AlignedBytes&) = delete;
  AlignedBytes& operator=(const AlignedBytes&) = delete;

  std::string_view view() const { return std::string_view(data_, size_); }
  char* data() { return data_; }

 private:
  size_t size_;
  char* data_;
};

void ExpectError(const Status& status, StatusCode code,
                 std::initializer_list<std::string_view> fragments) {
  EXPECT_EQ(status.code(), code) << status.ToString();
  for (std::string_view fragment : fragments) {
    EXPECT_NE(status.message().find(fragment), std::string::npos)
        << "'" << fragment << "' missing from: " << status.message();
  }
}

// Sends the builder's message through a frame and a decoder, as a socket
// would, and returns the payload copy it arrived as.
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

flatbuffers::Offset<fb::TableSchema> TradesSchema(flatbuffers::FlatBufferBuilder& builder) {
  std::vector<flatbuffers::Offset<fb::ColumnDefinition>> columns = {
      fb::CreateColumnDefinitionDirect(builder, "time", fb::ColumnType::Timestamp),
      fb::CreateColumnDefinitionDirect(builder, "symbol", fb::ColumnType::String),
      fb::CreateColumnDefinitionDirect(builder, "price", fb::ColumnType::Float64),
  };
  std::vector<flatbuffers::Offset<flatbuffers::String>> sort_key = {
      builder.CreateString("symbol"), builder.CreateString("time")};
  return fb::CreateTableSchemaDirect(builder, "trades", &columns, "time", &sort_key);
}

// An Append of `rows` rows of time, symbol and price.
void BuildTradesAppend(flatbuffers::FlatBufferBuilder& builder, uint64_t request_id, size_t rows,
                       BatchIdentity batch = {11, 5}) {
  ColumnVector time(ColumnType::kTimestamp);
  ColumnVector symbol(ColumnType::kString);
  ColumnVector price(ColumnType::kFloat64);
  for (size_t row = 0; row < rows; ++row) {
    time.int64s().push_back(1'700'000'000'000'000'000 + static_cast<int64_t>(row));
    symbol.strings().push_back(row % 2 == 0 ? "AAPL" : "MSFT");
    price.float64s().push_back(100.0 + static_cast<double>(row) / 4);
  }
  std::vector<flatbuffers::Offset<fb::ColumnData>> columns = {
      BuildColumnData(builder, "time", time), BuildColumnData(builder, "symbol", symbol),
      BuildColumnData(builder, "price", price)};
  FinishAppendRequest(builder, request_id, "trades", batch, columns);
}

Result<const fb::Request*> VerifyAndValidate(std::string_view payload) {
  ASSIGN_OR_RETURN(const fb::Request* request, VerifyRequest(payload));
  RETURN_IF_ERROR(ValidateRequest(*request));
  return request;
}

// ---- Round trips

TEST(WireIngest, CreateTableRoundTrips) {
  flatbuffers::FlatBufferBuilder builder;
  FinishCreateTableRequest(builder, 41, TradesSchema(builder));
  std::string payload = ThroughFrame(builder);
  AlignedBytes aligned(payload);
  auto request = VerifyAndValidate(aligned.view());
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ((*request)->request_id(), 41u);
  const fb::TableSchema* schema = (*request)->body_as_CreateTable()->schema();
  EXPECT_EQ(schema->name()->str(), "trades");
  ASSERT_EQ(schema->columns()->size(), 3u);
  EXPECT_EQ(schema->columns()->Get(1)->name()->str(), "symbol");
  EXPECT_EQ(schema->columns()->Get(1)->type(), fb::ColumnType::String);
  EXPECT_EQ(schema->time_column()->str(), "time");
  EXPECT_EQ(schema->sort_key()->Get(0)->str(), "symbol");
}

TEST(WireIngest, DropTableRoundTrips) {
  flatbuffers::FlatBufferBuilder builder;
  FinishDropTableRequest(builder, 42, "quotes");
  AlignedBytes aligned(ThroughFrame(builder));
  auto request = VerifyAndValidate(aligned.view());
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ((*request)->request_id(), 42u);
  EXPECT_EQ((*request)->body_as_DropTable()->name()->str(), "quotes");
}

TEST(WireIngest, ListTablesRoundTrips) {
  flatbuffers::FlatBufferBuilder builder;
  FinishListTablesRequest(builder, 43);
  AlignedBytes aligned(ThroughFrame(builder));
  auto request = VerifyAndValidate(aligned.view());
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ((*request)->request_id(), 43u);
  EXPECT_EQ((*request)->body_type(), fb::RequestBody::ListTables);
}

TEST(WireIngest, AppendRoundTrips) {
  flatbuffers::FlatBufferBuilder builder;
  BuildTradesAppend(builder, 44, 1000, {0xfeedface12345678, 99});
  AlignedBytes aligned(ThroughFrame(builder));
  auto request = VerifyAndValidate(aligned.view());
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  const fb::Append* append = (*request)->body_as_Append();
  EXPECT_EQ(append->table()->str(), "trades");
  EXPECT_EQ(append->producer_id(), 0xfeedface12345678u);
  EXPECT_EQ(append->sequence(), 99u);
  Result<size_t> rows = ValidateAppend(*append);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, 1000u);
  auto symbol = ColumnVectorFromData(*append->columns()->Get(1), 1);
  ASSERT_TRUE(symbol.ok());
  EXPECT_EQ(symbol->strings().at(999), "MSFT");
  auto price = ColumnVectorFromData(*append->columns()->Get(2), 2);
  ASSERT_TRUE(price.ok());
  EXPECT_EQ(price->float64s()[999], 100.0 + 999.0 / 4);
}

TEST(WireIngest, AckRoundTrips) {
  flatbuffers::FlatBufferBuilder builder;
  FinishAckResponse(builder, 7, 123456789, /*durable=*/true, /*duplicate=*/true);
  AlignedBytes aligned(ThroughFrame(builder));
  auto response = VerifyResponse(aligned.view());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_TRUE(ValidateResponse(**response).ok());
  EXPECT_EQ((*response)->request_id(), 7u);
  const fb::Ack* ack = (*response)->body_as_Ack();
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->sequence(), 123456789u);
  EXPECT_TRUE(ack->durable());
  EXPECT_TRUE(ack->duplicate());
}

TEST(WireIngest, ErrorRoundTripsEveryStatusCode) {
  for (int raw = 1; raw <= static_cast<int>(StatusCode::kBusy); ++raw) {
    Status sent(static_cast<StatusCode>(raw), "column 'price': something " + std::to_string(raw));
    flatbuffers::FlatBufferBuilder builder;
    FinishErrorResponse(builder, 8, 77, sent);
    AlignedBytes aligned(ThroughFrame(builder));
    auto response = VerifyResponse(aligned.view());
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    ASSERT_TRUE(ValidateResponse(**response).ok());
    const fb::Error* error = (*response)->body_as_Error();
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->sequence(), 77u);
    Status received = StatusFromError(*error);
    EXPECT_EQ(received.code(), sent.code());
    EXPECT_EQ(received.message(), sent.message());
  }
}

TEST(WireIngest, ErrorWithUnknownCodeBecomesInternal) {
  flatbuffers::FlatBufferBuilder builder;
  builder.Finish(fb::CreateErrorDirect(builder, 0, static_cast<fb::ErrorCode>(500), "newer"));
  const auto* error = flatbuffers::GetRoot<fb::Error>(builder.GetBufferPointer());
  Status status = StatusFromError(*error);
  ExpectError(status, StatusCode::kInternal, {"error code 500", "newer"});
}

TEST(WireIngest, TableListRoundTrips) {
  flatbuffers::FlatBufferBuilder builder;
  std::vector<flatbuffers::Offset<fb::TableSchema>> tables = {
      TradesSchema(builder), fb::CreateTableSchemaDirect(builder, "quotes")};
  FinishTableListResponse(builder, 9, tables);
  AlignedBytes aligned(ThroughFrame(builder));
  auto response = VerifyResponse(aligned.view());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_TRUE(ValidateResponse(**response).ok());
  const auto* list = (*response)->body_as_TableList()->tables();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ(list->Get(0)->name()->str(), "trades");
  EXPECT_EQ(list->Get(0)->columns()->size(), 3u);
  EXPECT_EQ(list->Get(1)->name()->str(), "quotes");
}

TEST(WireIngest, OkRoundTrips) {
  flatbuffers::FlatBufferBuilder builder;
  FinishOkResponse(builder, 10);
  AlignedBytes aligned(ThroughFrame(builder));
  auto response = VerifyResponse(aligned.view());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_TRUE(ValidateResponse(**response).ok());
  EXPECT_EQ((*response)->request_id(), 10u);
  EXPECT_EQ((*response)->body_type(), fb::ResponseBody::Ok);
}

TEST(WireIngest, PipelinedRequestsArriveInOrder) {
  std::string stream;
  for (uint64_t id = 1; id <= 50; ++id) {
    flatbuffers::FlatBufferBuilder builder;
    BuildTradesAppend(builder, id, static_cast<size_t>(id), {3, id});
    ASSERT_TRUE(AppendFrame(MessageBytes(builder), kDefaultMaxFrameBytes, &stream).ok());
  }
  FrameDecoder decoder;
  uint64_t expected = 1;
  Status status = decoder.Feed(stream, [&](std::string_view payload) -> Status {
    ASSIGN_OR_RETURN(const fb::Request* request, VerifyAndValidate(payload));
    EXPECT_EQ(request->request_id(), expected);
    EXPECT_EQ(request->body_as_Append()->sequence(), expected);
    EXPECT_EQ(*ValidateAppend(*request->body_as_Append()), expected);
    ++expected;
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(expected, 51u);
}

TEST(WireIngest, BuiltMessagesVerifyInPlaceEvenWithoutEightByteFields) {
  // request_id 0 is a default and not stored: nothing in the message needs
  // 8-byte alignment, yet the builder's bytes must be aligned for the check.
  for (int round = 0; round < 8; ++round) {
    flatbuffers::FlatBufferBuilder builder(64 + 4 * round);
    FinishDropTableRequest(builder, 0, std::string(static_cast<size_t>(round), 't') + "x");
    Result<const fb::Request*> request = VerifyRequest(MessageBytes(builder));
    EXPECT_TRUE(request.ok()) << request.status().ToString();
  }
}

// ---- Messages that fail verification (the connection is closed)

TEST(WireIngest, GarbageBytesFailVerification) {
  std::mt19937 random(3);
  for (int attempt = 0; attempt < 200; ++attempt) {
    std::string garbage(8 + random() % 200, '\0');
    for (char& byte : garbage) byte = static_cast<char>(random());
    std::memcpy(garbage.data() + 4, kIngestRequestIdentifier, 4);  // past the identifier check
    AlignedBytes aligned(garbage);
    auto request = VerifyRequest(aligned.view());
    if (request.ok()) {
      // Random bytes that happen to verify must still be safe to validate.
      (void)ValidateRequest(**request);
    } else {
      ExpectError(request.status(), StatusCode::kInvalidArgument, {"verification"});
    }
  }
  AlignedBytes text("this is not a flatbuffer at all");
  ExpectError(VerifyRequest(text.view()).status(), StatusCode::kInvalidArgument,
              {"file identifier"});
}

TEST(WireIngest, TooShortMessageIsRejected) {
  AlignedBytes tiny("abc");
  ExpectError(VerifyRequest(tiny.view()).status(), StatusCode::kInvalidArgument,
              {"3 bytes", "too short"});
}

TEST(WireIngest, TruncationsAreRejectedWithoutReadingPastTheEnd) {
  flatbuffers::FlatBufferBuilder builder;
  BuildTradesAppend(builder, 1, 5);
  std::string_view whole = MessageBytes(builder);
  size_t rejected = 0;
  for (size_t length = 0; length < whole.size(); ++length) {
    AlignedBytes cut(whole.substr(0, length));
    auto request = VerifyRequest(cut.view());
    if (request.ok()) {
      (void)ValidateRequest(**request);  // AddressSanitizer checks every read
    } else {
      ++rejected;
    }
  }
  // Only the trailing alignment padding may be cut without notice.
  EXPECT_GE(rejected + 8, whole.size());
}

TEST(WireIngest, HugeVectorCountInATinyBufferFailsVerification) {
  flatbuffers::FlatBufferBuilder builder;
  BuildTradesAppend(builder, 1, 2);
  std::string bytes(MessageBytes(builder));
  // Find the length word of the price column's values and claim 2^30 rows.
  {
    AlignedBytes aligned(bytes);
    auto request = VerifyRequest(aligned.view());
    ASSERT_TRUE(request.ok());
    const auto* values =
        (*request)->body_as_Append()->columns()->Get(2)->values_as_Float64Vector()->values();
    size_t length_offset = reinterpret_cast<const char*>(values) - aligned.view().data();
    uint32_t huge = 1u << 30;
    std::memcpy(bytes.data() + length_offset, &huge, 4);
  }
  AlignedBytes patched(bytes);
  ExpectError(VerifyRequest(patched.view()).status(), StatusCode::kInvalidArgument,
              {"verification"});
}

TEST(WireIngest, ResponseSentAsRequestIsNamed) {
  flatbuffers::FlatBufferBuilder builder;
  FinishAckResponse(builder, 1, 1, true);
  AlignedBytes aligned(MessageBytes(builder));
  ExpectError(VerifyRequest(aligned.view()).status(), StatusCode::kInvalidArgument,
              {"'BIRS'", "expected 'BIRQ'", "an ingest response"});
}

TEST(WireIngest, RequestWithoutIdentifierIsRejected) {
  flatbuffers::FlatBufferBuilder builder;
  auto body = fb::CreateListTables(builder);
  builder.Finish(fb::CreateRequest(builder, 1, fb::RequestBody::ListTables, body.Union()));
  AlignedBytes aligned(MessageBytes(builder));
  ExpectError(VerifyRequest(aligned.view()).status(), StatusCode::kInvalidArgument,
              {"file identifier"});
}

TEST(WireIngest, MisalignedBufferIsACallerBug) {
  flatbuffers::FlatBufferBuilder builder;
  FinishListTablesRequest(builder, 1);
  std::string shifted = "x" + std::string(MessageBytes(builder));
  AlignedBytes aligned(shifted);
  ExpectError(VerifyRequest(aligned.view().substr(1)).status(), StatusCode::kInternal,
              {"aligned"});
}

// ---- Messages that verify but are invalid (answered, connection goes on)

TEST(WireIngest, RequestWithoutBodyIsRejected) {
  flatbuffers::FlatBufferBuilder builder;
  builder.Finish(fb::CreateRequest(builder, 5), kIngestRequestIdentifier);
  AlignedBytes aligned(MessageBytes(builder));
  auto request = VerifyRequest(aligned.view());
  ASSERT_TRUE(request.ok());
  ExpectError(ValidateRequest(**request), StatusCode::kInvalidArgument, {"no body"});
}

TEST(WireIngest, UnknownRequestBodyIsNotSupported) {
  flatbuffers::FlatBufferBuilder builder;
  auto body = fb::CreateListTables(builder);
  builder.Finish(
      fb::CreateRequest(builder, 5, static_cast<fb::RequestBody>(9), body.Union()),
      kIngestRequestIdentifier);
  AlignedBytes aligned(MessageBytes(builder));
  auto request = VerifyRequest(aligned.view());
  ASSERT_TRUE(request.ok());
  ExpectError(ValidateRequest(**request), StatusCode::kNotSupported, {"unknown member 9"});
}

TEST(WireIngest, BodyTypeWithoutBodyTableIsRejected) {
  flatbuffers::FlatBufferBuilder builder;
  builder.Finish(fb::CreateRequest(builder, 5, fb::RequestBody::Append),
                 kIngestRequestIdentifier);
  AlignedBytes aligned(MessageBytes(builder));
  auto request = VerifyRequest(aligned.view());
  ASSERT_TRUE(request.ok());
  ExpectError(ValidateRequest(**request), StatusCode::kInvalidArgument,
              {"Append request has no body table"});
}

TEST(WireIngest, BodyOfAnotherTypeUnderTheAppendTagIsRejected) {
  // A DropTable table labelled Append: it reads as an Append of no columns.
  flatbuffers::FlatBufferBuilder builder;
  auto drop = fb::CreateDropTableDirect(builder, "trades");
  builder.Finish(fb::CreateRequest(builder, 5, fb::RequestBody::Append, drop.Union()),
                 kIngestRequestIdentifier);
  AlignedBytes aligned(MessageBytes(builder));
  auto request = VerifyRequest(aligned.view());
  ASSERT_TRUE(request.ok());
  ExpectError(ValidateRequest(**request), StatusCode::kInvalidArgument,
              {"table 'trades'", "no columns"});
}

TEST(WireIngest, AppendWithoutTableNameIsRejected) {
  flatbuffers::FlatBufferBuilder builder;
  ColumnVector time(ColumnType::kTimestamp);
  time.int64s() = {1};
  FinishAppendRequest(builder, 1, "", {1, 1}, {BuildColumnData(builder, "time", time)});
  AlignedBytes aligned(MessageBytes(builder));
  auto request = VerifyRequest(aligned.view());
  ASSERT_TRUE(request.ok());
  ExpectError(ValidateRequest(**request), StatusCode::kInvalidArgument, {"names no table"});
}

TEST(WireIngest, AppendWithoutRowsIsRejected) {
  flatbuffers::FlatBufferBuilder builder;
  BuildTradesAppend(builder, 1, 0);
  AlignedBytes aligned(MessageBytes(builder));
  auto request = VerifyRequest(aligned.view());
  ASSERT_TRUE(request.ok());
  ExpectError(ValidateRequest(**request), StatusCode::kInvalidArgument,
              {"table 'trades'", "no rows"});
}

TEST(WireIngest, AppendColumnErrorNamesTableAndColumn) {
  flatbuffers::FlatBufferBuilder builder;
  ColumnVector time(ColumnType::kTimestamp);
  time.int64s() = {1, 2};
  ColumnVector price(ColumnType::kFloat64);
  price.float64s() = {1.0};
  FinishAppendRequest(builder, 1, "trades", {1, 1},
                      {BuildColumnData(builder, "time", time),
                       BuildColumnData(builder, "price", price)});
  AlignedBytes aligned(MessageBytes(builder));
  auto request = VerifyRequest(aligned.view());
  ASSERT_TRUE(request.ok());
  ExpectError(ValidateRequest(**request), StatusCode::kInvalidArgument,
              {"append to table 'trades'", "column 'price'", "1 rows", "'time' has 2"});
}

TEST(WireIngest, CreateTableWithoutSchemaIsRejected) {
  flatbuffers::FlatBufferBuilder builder;
  FinishCreateTableRequest(builder, 1, 0);
  AlignedBytes aligned(MessageBytes(builder));
  auto request = VerifyRequest(aligned.view());
  ASSERT_TRUE(request.ok());
  ExpectError(ValidateRequest(**request), StatusCode::kInvalidArgument, {"no schema"});
}

TEST(WireIngest, DropTableWithoutNameIsRejected) {
  flatbuffers::FlatBufferBuilder builder;
  FinishDropTableRequest(builder, 1, "");
  AlignedBytes aligned(MessageBytes(builder));
  auto request = VerifyRequest(aligned.view());
  ASSERT_TRUE(request.ok());
  ExpectError(ValidateRequest(**request), StatusCode::kInvalidArgument, {"names no table"});
}

// ---- The whole decode path, as the fuzz target runs it

TEST(WireIngestDecodeAny, ValidStreamOfEveryMessageDecodes) {
  std::string stream;
  auto add = [&](const flatbuffers::FlatBufferBuilder& builder) {
    ASSERT_TRUE(AppendFrame(MessageBytes(builder), kDefaultMaxFrameBytes, &stream).ok());
  };
  flatbuffers::FlatBufferBuilder builder;
  FinishCreateTableRequest(builder, 1, TradesSchema(builder));
  add(builder);
  builder.Clear();
  BuildTradesAppend(builder, 2, 17);
  add(builder);
  builder.Clear();
  FinishListTablesRequest(builder, 3);
  add(builder);
  builder.Clear();
  FinishDropTableRequest(builder, 4, "trades");
  add(builder);
  builder.Clear();
  FinishAckResponse(builder, 2, 5, true);
  add(builder);
  builder.Clear();
  FinishErrorResponse(builder, 2, 5, Status::InvalidArgument("no"));
  add(builder);
  builder.Clear();
  FinishOkResponse(builder, 1);
  add(builder);
  Status status = DecodeAnyIngestFrame(stream);
  EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST(WireIngestDecodeAny, EachFailureClassIsReported) {
  EXPECT_EQ(DecodeAnyIngestFrame(std::string("\0\0\0\0", 4)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeAnyIngestFrame(std::string("\x05\0\0\0abc", 7)).code(),
            StatusCode::kInvalidArgument);  // ends inside a frame
  EXPECT_EQ(DecodeAnyIngestFrame(std::string("\x08\0\0\0abcdefgh", 12)).code(),
            StatusCode::kInvalidArgument);  // not a message
  EXPECT_TRUE(DecodeAnyIngestFrame("").ok());
}

TEST(WireIngestDecodeAny, MutatedFramesNeverCrash) {
  flatbuffers::FlatBufferBuilder builder;
  BuildTradesAppend(builder, 2, 9);
  std::string frame;
  ASSERT_TRUE(AppendFrame(MessageBytes(builder), kDefaultMaxFrameBytes, &frame).ok());
  std::mt19937 random(11);
  int accepted = 0;
  for (int attempt = 0; attempt < 3000; ++attempt) {
    std::string mutated = frame;
    int flips = 1 + static_cast<int>(random() % 4);
    for (int flip = 0; flip < flips; ++flip) {
      size_t position = kFrameHeaderBytes + random() % (mutated.size() - kFrameHeaderBytes);
      mutated[position] = static_cast<char>(random());
    }
    if (DecodeAnyIngestFrame(mutated).ok()) ++accepted;
  }
  // Some flips land in values and are legitimately accepted; most are not.
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, 3000);
}

}  // namespace
}  // namespace backtrace::wire
