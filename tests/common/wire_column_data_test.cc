// Tests of ColumnData: conversion to and from ColumnVector and the checks
// that a received column is well formed (type tag, string layout, limits).
#include "common/wire/column_data.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "common/wire/ingest_messages.h"

namespace backtrace::wire {
namespace {

// Builds one Append holding `columns` and returns the verified ColumnData
// vector; the builder keeps the bytes alive.
const ColumnDataVector* AppendColumns(
    flatbuffers::FlatBufferBuilder& builder,
    const std::vector<flatbuffers::Offset<fb::ColumnData>>& columns) {
  FinishAppendRequest(builder, 1, "trades", {7, 1}, columns);
  Result<const fb::Request*> request = VerifyRequest(MessageBytes(builder));
  EXPECT_TRUE(request.ok()) << request.status().ToString();
  return request.ok() ? (*request)->body_as_Append()->columns() : nullptr;
}

// A string column whose offsets and bytes are given verbatim.
flatbuffers::Offset<fb::ColumnData> RawStrings(flatbuffers::FlatBufferBuilder& builder,
                                               std::string_view name,
                                               const std::vector<uint32_t>& offsets,
                                               std::string_view bytes) {
  auto offset_vector = builder.CreateVector(offsets);
  auto byte_vector =
      builder.CreateVector(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  auto values = fb::CreateStringVector(builder, offset_vector, byte_vector);
  return fb::CreateColumnData(builder, builder.CreateString(name.data(), name.size()),
                              fb::ColumnType::String, fb::ColumnValues::StringVector,
                              values.Union());
}

flatbuffers::Offset<fb::ColumnData> Int64s(flatbuffers::FlatBufferBuilder& builder,
                                           std::string_view name, std::vector<int64_t> values) {
  ColumnVector column(ColumnType::kInt64);
  column.int64s() = std::move(values);
  return BuildColumnData(builder, name, column);
}

Status ValidateOne(flatbuffers::FlatBufferBuilder& builder,
                   flatbuffers::Offset<fb::ColumnData> column) {
  const ColumnDataVector* columns = AppendColumns(builder, {column});
  if (columns == nullptr) return Status::Internal("did not verify");
  return ValidateColumnData(*columns->Get(0), 0).status();
}

void ExpectInvalid(const Status& status, std::initializer_list<std::string_view> fragments) {
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  for (std::string_view fragment : fragments) {
    EXPECT_NE(status.message().find(fragment), std::string::npos)
        << "'" << fragment << "' missing from: " << status.message();
  }
}

TEST(WireColumnData, EveryTypeRoundTrips) {
  ColumnVector int64s(ColumnType::kInt64);
  int64s.int64s() = {0, -1, std::numeric_limits<int64_t>::min(),
                     std::numeric_limits<int64_t>::max()};
  ColumnVector timestamps(ColumnType::kTimestamp);
  timestamps.int64s() = {1700000000000000000, 1700000000000000001, 0, -5};
  ColumnVector uint64s(ColumnType::kUInt64);
  uint64s.uint64s() = {0, 1, std::numeric_limits<uint64_t>::max(), 42};
  ColumnVector float64s(ColumnType::kFloat64);
  float64s.float64s() = {1.5, -0.0, std::numeric_limits<double>::infinity(), 1e-300};
  ColumnVector strings(ColumnType::kString);
  for (std::string_view value : std::initializer_list<std::string_view>{
           "AAPL", "", std::string_view("nul\0byte", 8), "MSFT"}) {
    strings.strings().push_back(value);
  }
  std::vector<std::pair<std::string, const ColumnVector*>> originals = {
      {"quantity", &int64s}, {"time", &timestamps}, {"id", &uint64s},
      {"price", &float64s},  {"symbol", &strings}};

  flatbuffers::FlatBufferBuilder builder;
  std::vector<flatbuffers::Offset<fb::ColumnData>> built;
  for (const auto& [name, column] : originals) built.push_back(BuildColumnData(builder, name, *column));
  const ColumnDataVector* columns = AppendColumns(builder, built);
  ASSERT_NE(columns, nullptr);
  Result<size_t> rows = ValidateColumns(columns);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, 4u);

  for (size_t i = 0; i < originals.size(); ++i) {
    const fb::ColumnData& data = *columns->Get(static_cast<flatbuffers::uoffset_t>(i));
    EXPECT_EQ(data.name()->str(), originals[i].first);
    Result<ColumnVector> decoded = ColumnVectorFromData(data, i);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    const ColumnVector& original = *originals[i].second;
    ASSERT_EQ(decoded->type(), original.type());
    ASSERT_EQ(decoded->size(), original.size());
    for (size_t row = 0; row < original.size(); ++row) {
      EXPECT_EQ(decoded->ValueAt(row), original.ValueAt(row)) << originals[i].first << " " << row;
    }
  }
}

TEST(WireColumnData, NaNSurvivesBitForBit) {
  ColumnVector float64s(ColumnType::kFloat64);
  float64s.float64s() = {std::nan("0x1234")};
  flatbuffers::FlatBufferBuilder builder;
  const ColumnDataVector* columns =
      AppendColumns(builder, {BuildColumnData(builder, "price", float64s)});
  ASSERT_NE(columns, nullptr);
  Result<ColumnVector> decoded = ColumnVectorFromData(*columns->Get(0), 0);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::memcmp(&decoded->float64s()[0], &float64s.float64s()[0], sizeof(double)), 0);
}

TEST(WireColumnData, AppendRebasesStringsOntoExistingRows) {
  ColumnVector existing(ColumnType::kString);
  existing.strings().push_back("first");
  ColumnVector batch(ColumnType::kString);
  batch.strings().push_back("second");
  batch.strings().push_back("third");
  flatbuffers::FlatBufferBuilder builder;
  const ColumnDataVector* columns =
      AppendColumns(builder, {BuildColumnData(builder, "symbol", batch)});
  ASSERT_NE(columns, nullptr);
  ASSERT_TRUE(ValidateColumnData(*columns->Get(0), 0).ok());
  ASSERT_TRUE(AppendColumnData(*columns->Get(0), &existing).ok());
  ASSERT_EQ(existing.size(), 3u);
  EXPECT_EQ(existing.strings().at(0), "first");
  EXPECT_EQ(existing.strings().at(1), "second");
  EXPECT_EQ(existing.strings().at(2), "third");
}

TEST(WireColumnData, AppendToAColumnOfAnotherTypeIsRefused) {
  flatbuffers::FlatBufferBuilder builder;
  const ColumnDataVector* columns = AppendColumns(builder, {Int64s(builder, "quantity", {1})});
  ASSERT_NE(columns, nullptr);
  ColumnVector strings(ColumnType::kString);
  ExpectInvalid(AppendColumnData(*columns->Get(0), &strings), {"'quantity'", "int64", "string"});
  EXPECT_EQ(strings.size(), 0u);
}

TEST(WireColumnData, TypeTagThatDisagreesWithTheValuesIsRejected) {
  flatbuffers::FlatBufferBuilder builder;
  auto values = fb::CreateInt64Vector(builder, builder.CreateVector(std::vector<int64_t>{1, 2}));
  auto column = fb::CreateColumnData(builder, builder.CreateString("price"),
                                     fb::ColumnType::Float64, fb::ColumnValues::Int64Vector,
                                     values.Union());
  ExpectInvalid(ValidateOne(builder, column),
                {"column 'price'", "float64 needs values of Float64Vector", "got Int64Vector"});
}

TEST(WireColumnData, UnknownColumnTypeIsRejected) {
  flatbuffers::FlatBufferBuilder builder;
  auto values = fb::CreateInt64Vector(builder, builder.CreateVector(std::vector<int64_t>{1}));
  auto column = fb::CreateColumnData(builder, builder.CreateString("mystery"),
                                     static_cast<fb::ColumnType>(9),
                                     fb::ColumnValues::Int64Vector, values.Union());
  ExpectInvalid(ValidateOne(builder, column), {"column 'mystery'", "unknown column type 9"});
}

TEST(WireColumnData, UnknownUnionMemberIsRejected) {
  flatbuffers::FlatBufferBuilder builder;
  auto values = fb::CreateInt64Vector(builder, builder.CreateVector(std::vector<int64_t>{1}));
  auto column = fb::CreateColumnData(builder, builder.CreateString("future"),
                                     fb::ColumnType::Int64, static_cast<fb::ColumnValues>(17),
                                     values.Union());
  ExpectInvalid(ValidateOne(builder, column), {"column 'future'", "unknown member 17"});
}

TEST(WireColumnData, MissingValuesAreRejected) {
  flatbuffers::FlatBufferBuilder builder;
  auto values = fb::CreateUInt64Vector(builder);  // no vector at all
  auto column = fb::CreateColumnData(builder, builder.CreateString("id"), fb::ColumnType::UInt64,
                                     fb::ColumnValues::UInt64Vector, values.Union());
  ExpectInvalid(ValidateOne(builder, column), {"column 'id'", "values vector is missing"});
}

TEST(WireColumnData, UnnamedColumnIsRejectedByPosition) {
  flatbuffers::FlatBufferBuilder builder;
  ExpectInvalid(ValidateOne(builder, Int64s(builder, "", {1})), {"column #0", "has no name"});
}

TEST(WireColumnData, StringOffsetsMustStartAtZero) {
  flatbuffers::FlatBufferBuilder builder;
  ExpectInvalid(ValidateOne(builder, RawStrings(builder, "symbol", {1, 3}, "abc")),
                {"column 'symbol'", "must start at 0, not 1"});
}

TEST(WireColumnData, DecreasingStringOffsetsAreRejectedWithTheRow) {
  flatbuffers::FlatBufferBuilder builder;
  ExpectInvalid(ValidateOne(builder, RawStrings(builder, "symbol", {0, 3, 2, 4}, "abcd")),
                {"column 'symbol'", "row 1", "decrease (3 then 2)"});
}

TEST(WireColumnData, StringOffsetPastTheBytesIsRejectedWithTheRow) {
  flatbuffers::FlatBufferBuilder builder;
  ExpectInvalid(ValidateOne(builder, RawStrings(builder, "symbol", {0, 2, 9}, "abcd")),
                {"column 'symbol'", "row 1", "offset 9 is past the 4 string bytes"});
}

TEST(WireColumnData, StringOffsetsMustEndAtTheLastByte) {
  flatbuffers::FlatBufferBuilder builder;
  ExpectInvalid(ValidateOne(builder, RawStrings(builder, "symbol", {0, 2}, "abcd")),
                {"column 'symbol'", "end at 2 but there are 4 string bytes"});
}

TEST(WireColumnData, MissingStringOffsetsAreRejected) {
  flatbuffers::FlatBufferBuilder builder;
  ExpectInvalid(ValidateOne(builder, RawStrings(builder, "symbol", {}, "")),
                {"column 'symbol'", "offsets are missing"});
}

TEST(WireColumnData, StringOfTheLargestSizeIsAccepted) {
  std::string largest(kMaxStringBytes, 's');
  flatbuffers::FlatBufferBuilder builder;
  EXPECT_TRUE(ValidateOne(builder, RawStrings(builder, "note",
                                              {0, 1, static_cast<uint32_t>(1 + largest.size())},
                                              "x" + largest))
                  .ok());
}

TEST(WireColumnData, OversizedStringIsRejectedWithTheRow) {
  std::string oversized(kMaxStringBytes + 1, 's');
  flatbuffers::FlatBufferBuilder builder;
  ExpectInvalid(
      ValidateOne(builder, RawStrings(builder, "note",
                                      {0, 1, static_cast<uint32_t>(1 + oversized.size())},
                                      "x" + oversized)),
      {"column 'note'", "row 1", "string of 65537 bytes is longer than 65536"});
}

TEST(WireColumnData, ColumnsOfUnequalLengthAreRejected) {
  flatbuffers::FlatBufferBuilder builder;
  const ColumnDataVector* columns = AppendColumns(
      builder, {Int64s(builder, "time", {1, 2, 3}), Int64s(builder, "quantity", {1, 2})});
  ASSERT_NE(columns, nullptr);
  ExpectInvalid(ValidateColumns(columns).status(),
                {"column 'quantity'", "has 2 rows but column 'time' has 3"});
}

TEST(WireColumnData, StringColumnLengthIsItsOffsetsMinusOne) {
  flatbuffers::FlatBufferBuilder builder;
  const ColumnDataVector* columns =
      AppendColumns(builder, {Int64s(builder, "time", {1, 2}),
                              RawStrings(builder, "symbol", {0, 1, 2, 3}, "abc")});
  ASSERT_NE(columns, nullptr);
  ExpectInvalid(ValidateColumns(columns).status(),
                {"column 'symbol'", "has 3 rows but column 'time' has 2"});
}

TEST(WireColumnData, DuplicateColumnNamesAreRejected) {
  flatbuffers::FlatBufferBuilder builder;
  const ColumnDataVector* columns =
      AppendColumns(builder, {Int64s(builder, "time", {1}), Int64s(builder, "price", {1}),
                              Int64s(builder, "time", {2})});
  ASSERT_NE(columns, nullptr);
  ExpectInvalid(ValidateColumns(columns).status(),
                {"column 'time'", "appears twice (columns #0 and #2)"});
}

TEST(WireColumnData, DuplicateNamesMayBeAllowed) {
  flatbuffers::FlatBufferBuilder builder;
  const ColumnDataVector* columns =
      AppendColumns(builder, {Int64s(builder, "price", {1}), Int64s(builder, "price", {2})});
  ASSERT_NE(columns, nullptr);
  EXPECT_TRUE(ValidateColumns(columns, DuplicateNames::kAllow).ok());
}

TEST(WireColumnData, NoColumnsIsRejected) {
  flatbuffers::FlatBufferBuilder builder;
  const ColumnDataVector* columns = AppendColumns(builder, {});
  ASSERT_NE(columns, nullptr);
  ExpectInvalid(ValidateColumns(columns).status(), {"no columns"});
  ExpectInvalid(ValidateColumns(nullptr).status(), {"no columns"});
}

TEST(WireColumnData, NamesInMessagesAreEscapedAndBounded) {
  flatbuffers::FlatBufferBuilder builder;
  std::string name = std::string("bad\nname'\xff") + std::string(100, 'n');
  const ColumnDataVector* columns =
      AppendColumns(builder, {Int64s(builder, "time", {1}), Int64s(builder, name, {1, 2})});
  ASSERT_NE(columns, nullptr);
  Status status = ValidateColumns(columns).status();
  ExpectInvalid(status, {"'bad\\x0aname\\x27\\xff", "...'"});
  EXPECT_LT(status.message().size(), 200u);
}

}  // namespace
}  // namespace backtrace::wire
