#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/schema/table_schema.h"
#include "common/schema/table_schema_codec.h"

namespace backtrace {
namespace {

TableSchema Trades() {
  TableSchema schema;
  schema.name = "trades";
  schema.columns = {{"ts", ColumnType::kTimestamp},
                    {"symbol", ColumnType::kString},
                    {"price", ColumnType::kFloat64},
                    {"qty", ColumnType::kInt64},
                    {"trade_id", ColumnType::kUInt64}};
  schema.time_column = "ts";
  schema.sort_key = {"symbol", "ts"};
  return schema;
}

// Expects kInvalidArgument whose message contains every fragment.
void ExpectInvalid(const Status& status, std::initializer_list<std::string_view> fragments) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  for (std::string_view fragment : fragments) {
    EXPECT_NE(status.message().find(fragment), std::string::npos)
        << "message '" << status.message() << "' lacks '" << fragment << "'";
  }
}

TEST(TableSchemaValidate, AcceptsTypicalSchema) {
  EXPECT_TRUE(Trades().Validate().ok()) << Trades().Validate().ToString();
}

TEST(TableSchemaValidate, RejectsEmptyTableName) {
  TableSchema schema = Trades();
  schema.name = "";
  ExpectInvalid(schema.Validate(), {"table name", "empty"});
}

TEST(TableSchemaValidate, AcceptsNameOf64BytesAndRejects65) {
  TableSchema schema = Trades();
  schema.name = std::string(64, 'a');
  EXPECT_TRUE(schema.Validate().ok());
  schema.name = std::string(65, 'a');
  ExpectInvalid(schema.Validate(), {"table name", "65 bytes", "at most 64"});
}

TEST(TableSchemaValidate, RejectsNameWithInvalidCharacterAndNamesIt) {
  TableSchema schema = Trades();
  schema.name = "my-trades";
  ExpectInvalid(schema.Validate(), {"table name", "'my-trades'", "'-'", "byte 2"});
  schema.name = "caf\xc3\xa9";
  ExpectInvalid(schema.Validate(), {"table name", "\\xc3"});
}

TEST(TableSchemaValidate, RejectsNameStartingWithDigit) {
  TableSchema schema = Trades();
  schema.columns[3].name = "1qty";
  ExpectInvalid(schema.Validate(), {"column 4 name", "'1qty'", "starts with a digit"});
}

TEST(TableSchemaValidate, AcceptsUnderscoreAndLeadingUnderscore) {
  TableSchema schema = Trades();
  schema.columns[3].name = "_qty_2";
  EXPECT_TRUE(schema.Validate().ok());
}

TEST(TableSchemaValidate, RejectsEmptyColumnName) {
  TableSchema schema = Trades();
  schema.columns[2].name = "";
  ExpectInvalid(schema.Validate(), {"'trades'", "column 3 name", "empty"});
}

TEST(TableSchemaValidate, RejectsNoColumns) {
  TableSchema schema = Trades();
  schema.columns.clear();
  ExpectInvalid(schema.Validate(), {"'trades'", "no columns"});
}

TEST(TableSchemaValidate, Accepts1024ColumnsAndRejects1025) {
  TableSchema schema = Trades();
  schema.sort_key.clear();
  while (schema.columns.size() < 1024) {
    schema.columns.push_back({"c" + std::to_string(schema.columns.size()), ColumnType::kInt64});
  }
  EXPECT_TRUE(schema.Validate().ok());
  schema.columns.push_back({"one_too_many", ColumnType::kInt64});
  ExpectInvalid(schema.Validate(), {"1025 columns", "at most 1024"});
}

TEST(TableSchemaValidate, RejectsDuplicateColumnNamingBothPositions) {
  TableSchema schema = Trades();
  schema.columns.push_back({"price", ColumnType::kInt64});
  ExpectInvalid(schema.Validate(), {"duplicate column 'price'", "columns 3 and 6"});
}

TEST(TableSchemaValidate, RejectsColumnsDifferingOnlyInCase) {
  TableSchema schema = Trades();
  schema.columns.push_back({"Price", ColumnType::kInt64});
  ExpectInvalid(schema.Validate(), {"duplicate column 'Price'", "'price' differs only in case"});
}

TEST(TableSchemaValidate, RejectsUnknownColumnType) {
  TableSchema schema = Trades();
  schema.columns[1].type = static_cast<ColumnType>(9);
  ExpectInvalid(schema.Validate(), {"column 2", "'symbol'", "unknown type 9"});
}

TEST(TableSchemaValidate, RejectsMissingTimeColumn) {
  TableSchema schema = Trades();
  schema.time_column = "";
  ExpectInvalid(schema.Validate(), {"'trades'", "no time column"});
}

TEST(TableSchemaValidate, RejectsTimeColumnThatIsNotAColumn) {
  TableSchema schema = Trades();
  schema.time_column = "time";
  ExpectInvalid(schema.Validate(), {"time column 'time'", "not one of its columns"});
}

TEST(TableSchemaValidate, RejectsTimeColumnThatIsNotTimestamp) {
  TableSchema schema = Trades();
  schema.time_column = "qty";
  ExpectInvalid(schema.Validate(), {"time column 'qty'", "type int64", "must be a timestamp"});
}

TEST(TableSchemaValidate, RejectsSortKeyNamingUnknownColumn) {
  TableSchema schema = Trades();
  schema.sort_key = {"symbol", "venue"};
  ExpectInvalid(schema.Validate(), {"sort key entry 2", "'venue'", "not one of its columns"});
}

TEST(TableSchemaValidate, RejectsSortKeyNamingColumnTwice) {
  TableSchema schema = Trades();
  schema.sort_key = {"symbol", "ts", "symbol"};
  ExpectInvalid(schema.Validate(), {"sort key", "'symbol' twice"});
}

TEST(TableSchemaSortKey, DefaultsToTimeColumnAndAppendsItWhenAbsent) {
  TableSchema schema = Trades();
  schema.sort_key.clear();
  EXPECT_EQ(schema.SortKeyColumns(), std::vector<std::string>{"ts"});
  schema.sort_key = {"symbol"};
  EXPECT_EQ(schema.SortKeyColumns(), (std::vector<std::string>{"symbol", "ts"}));
  schema.sort_key = {"ts", "symbol"};
  EXPECT_EQ(schema.SortKeyColumns(), (std::vector<std::string>{"ts", "symbol"}));
  EXPECT_EQ(schema.Normalized().sort_key, (std::vector<std::string>{"ts", "symbol"}));
}

TEST(TableSchemaEquality, ComparesEffectiveSortKey) {
  TableSchema explicit_time = Trades();
  explicit_time.sort_key = {"ts"};
  TableSchema implicit_time = Trades();
  implicit_time.sort_key.clear();
  EXPECT_EQ(explicit_time, implicit_time);
  EXPECT_TRUE(explicit_time.DescribeDifference(implicit_time).empty());

  TableSchema by_symbol = Trades();
  EXPECT_NE(by_symbol, implicit_time);
  EXPECT_NE(by_symbol.DescribeDifference(implicit_time).find("sort key is [symbol, ts] here and [ts]"),
            std::string::npos)
      << by_symbol.DescribeDifference(implicit_time);
}

TEST(TableSchemaEquality, DescribesFirstDifferentColumn) {
  TableSchema other = Trades();
  other.columns[2].type = ColumnType::kInt64;
  EXPECT_NE(Trades(), other);
  EXPECT_EQ(Trades().DescribeDifference(other),
            "column 3 is 'price:float64' here and 'price:int64' there");
}

TEST(TableSchema, ColumnIndexFindsExactNameOnly) {
  TableSchema schema = Trades();
  EXPECT_EQ(schema.ColumnIndex("ts"), 0u);
  EXPECT_EQ(schema.ColumnIndex("trade_id"), 4u);
  EXPECT_FALSE(schema.ColumnIndex("Price").has_value());
  EXPECT_FALSE(schema.ColumnIndex("").has_value());
}

TEST(TableSchemaCodec, RoundTrips) {
  TableSchema schema = Trades();
  Result<TableSchema> decoded = DeserializeTableSchema(SerializeTableSchema(schema));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->name, schema.name);
  EXPECT_EQ(decoded->columns, schema.columns);
  EXPECT_EQ(decoded->time_column, schema.time_column);
  EXPECT_EQ(decoded->sort_key, schema.sort_key);
}

TEST(TableSchemaCodec, RoundTripsWidestSchema) {
  TableSchema schema = Trades();
  while (schema.columns.size() < kMaxColumns) {
    schema.columns.push_back({std::string(60, 'x') + std::to_string(schema.columns.size()),
                              ColumnType::kString});
  }
  Result<TableSchema> decoded = DeserializeTableSchema(SerializeTableSchema(schema));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, schema);
}

TEST(TableSchemaCodec, DecodesAtUnalignedOffset) {
  std::string padded = "x" + SerializeTableSchema(Trades());
  Result<TableSchema> decoded = DeserializeTableSchema(std::string_view(padded).substr(1));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, Trades());
}

TEST(TableSchemaCodec, RejectsGarbageBytes) {
  std::mt19937_64 random(42);
  for (size_t size : {0, 1, 7, 8, 16, 100, 1000}) {
    for (int round = 0; round < 20; ++round) {
      std::string garbage(size, '\0');
      for (char& byte : garbage) byte = static_cast<char>(random());
      Result<TableSchema> decoded = DeserializeTableSchema(garbage);
      EXPECT_FALSE(decoded.ok()) << "size " << size;
      if (!decoded.ok()) {
        EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
        EXPECT_EQ(decoded.status().message().rfind("table schema", 0), 0u)
            << decoded.status().message();
      }
    }
  }
}

// The builder may end a buffer with alignment padding that nothing
// references; cutting only padding leaves the same schema. Every other cut is
// rejected.
TEST(TableSchemaCodec, RejectsEveryTruncationThatLosesData) {
  std::string bytes = SerializeTableSchema(Trades());
  size_t rejected = 0;
  for (size_t size = 0; size < bytes.size(); ++size) {
    Result<TableSchema> decoded = DeserializeTableSchema(std::string_view(bytes).substr(0, size));
    if (decoded.ok()) {
      EXPECT_EQ(*decoded, Trades()) << "truncated to " << size << " of " << bytes.size();
    } else {
      ++rejected;
    }
  }
  EXPECT_GE(rejected, bytes.size() - 8);
}

TEST(TableSchemaCodec, EveryByteFlipIsRejectedOrStillValid) {
  std::string bytes = SerializeTableSchema(Trades());
  for (size_t position = 0; position < bytes.size(); ++position) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      std::string damaged = bytes;
      damaged[position] = static_cast<char>(damaged[position] ^ mask);
      Result<TableSchema> decoded = DeserializeTableSchema(damaged);
      if (decoded.ok()) {
        EXPECT_TRUE(decoded->Validate().ok());
      }
    }
  }
}

TEST(TableSchemaCodec, RejectsVerifiedBufferWithUnknownType) {
  TableSchema schema = Trades();
  schema.columns[2].type = static_cast<ColumnType>(0);
  Result<TableSchema> decoded = DeserializeTableSchema(SerializeTableSchema(schema));
  ASSERT_FALSE(decoded.ok());
  ExpectInvalid(decoded.status(), {"column 3", "unknown type 0"});
}

TEST(TableSchemaCodec, RejectsVerifiedBufferFailingValidation) {
  TableSchema schema = Trades();
  schema.time_column = "price";
  Result<TableSchema> decoded = DeserializeTableSchema(SerializeTableSchema(schema));
  ASSERT_FALSE(decoded.ok());
  ExpectInvalid(decoded.status(), {"table schema", "time column 'price'", "must be a timestamp"});
}

TEST(TableSchemaCodec, RejectsBufferWithoutName) {
  flatbuffers::FlatBufferBuilder builder;
  fb::TableSchemaBuilder table(builder);
  builder.Finish(table.Finish());
  std::string bytes(reinterpret_cast<const char*>(builder.GetBufferPointer()), builder.GetSize());
  Result<TableSchema> decoded = DeserializeTableSchema(bytes);
  ASSERT_FALSE(decoded.ok());
  ExpectInvalid(decoded.status(), {"table schema has no name"});
}

TEST(ParseColumnList, ParsesCliFormIgnoringSpaces) {
  Result<std::vector<ColumnDefinition>> columns =
      ParseColumnList(" ts:timestamp, symbol : string,price:float64,qty:int64,id:uint64 ");
  ASSERT_TRUE(columns.ok()) << columns.status().ToString();
  EXPECT_EQ(*columns, (std::vector<ColumnDefinition>{{"ts", ColumnType::kTimestamp},
                                                     {"symbol", ColumnType::kString},
                                                     {"price", ColumnType::kFloat64},
                                                     {"qty", ColumnType::kInt64},
                                                     {"id", ColumnType::kUInt64}}));
}

TEST(ParseColumnList, RejectsEmptyList) {
  ExpectInvalid(ParseColumnList("  ").status(), {"column list is empty"});
}

TEST(ParseColumnList, RejectsEmptyItemNamingPosition) {
  ExpectInvalid(ParseColumnList("ts:timestamp,,qty:int64").status(), {"column 2", "empty"});
}

TEST(ParseColumnList, RejectsItemWithoutType) {
  ExpectInvalid(ParseColumnList("ts:timestamp,price").status(), {"column 2", "'price'", "no type"});
}

TEST(ParseColumnList, RejectsItemWithoutName) {
  ExpectInvalid(ParseColumnList("ts:timestamp,:int64").status(), {"column 2", "no name"});
}

TEST(ParseColumnList, RejectsUnknownTypeNamingItAndTheValidTypes) {
  ExpectInvalid(ParseColumnList("ts:timestamp,price:float").status(),
                {"column 2", "'price:float'", "unknown type 'float'", "float64"});
}

TEST(ParseTableSchema, DefaultsTimeColumnToFirstTimestamp) {
  Result<TableSchema> schema = ParseTableSchema("quotes", "symbol:string,ts:timestamp,bid:float64");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  EXPECT_EQ(schema->time_column, "ts");
  EXPECT_EQ(schema->SortKeyColumns(), std::vector<std::string>{"ts"});
  EXPECT_EQ(schema->ColumnListString(), "symbol:string,ts:timestamp,bid:float64");
}

TEST(ParseTableSchema, TakesSortKeyLeadingWithOtherColumns) {
  Result<TableSchema> schema =
      ParseTableSchema("quotes", "ts:timestamp,symbol:string,bid:float64", "ts", "symbol, ts");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  EXPECT_EQ(schema->sort_key, (std::vector<std::string>{"symbol", "ts"}));
}

TEST(ParseTableSchema, RejectsListWithoutTimestampColumn) {
  ExpectInvalid(ParseTableSchema("quotes", "symbol:string,bid:float64").status(),
                {"'quotes'", "no time column", "timestamp"});
}

TEST(ParseTableSchema, ValidatesNamesFromTheList) {
  ExpectInvalid(ParseTableSchema("quotes", "ts:timestamp,bid price:float64").status(),
                {"column 2 name", "'bid price'"});
  ExpectInvalid(ParseTableSchema("quotes", "ts:timestamp", "", "ts,,").status(),
                {"sort key entry 2", "empty"});
}

}  // namespace
}  // namespace backtrace
