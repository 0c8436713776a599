// The query language front end: tokens, syntax errors with their position
// and expectation, normalised result names, and the binder's errors.
#include <gtest/gtest.h>

#include <random>

#include "common/query/binder.h"
#include "common/query/parser.h"
#include "tests/common/query_testing.h"

namespace backtrace::query {
namespace {

std::string ParseError(std::string_view sql) {
  auto statement = ParseStatement(sql);
  EXPECT_FALSE(statement.ok()) << sql;
  if (statement.ok()) return "";
  EXPECT_EQ(statement.status().code(), StatusCode::kInvalidArgument);
  return statement.status().message();
}

Result<QueryPlan> BindText(std::string_view sql) {
  ASSIGN_OR_RETURN(ast::Statement statement, ParseStatement(sql));
  return Bind(std::move(statement), testing::TradesSchema({"symbol", "ts"}), sql);
}

std::string BindError(std::string_view sql, StatusCode code = StatusCode::kInvalidArgument) {
  auto plan = BindText(sql);
  EXPECT_FALSE(plan.ok()) << sql;
  if (plan.ok()) return "";
  EXPECT_EQ(plan.status().code(), code) << plan.status().ToString();
  return plan.status().message();
}

std::vector<std::string> OutputNames(std::string_view sql) {
  auto plan = BindText(sql);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  std::vector<std::string> names;
  if (!plan.ok()) return names;
  for (const auto& output : plan->outputs) {
    if (!output.hidden) names.push_back(output.name);
  }
  return names;
}

TEST(QueryParser, MisspelledFromNamesColumnAndExpectation) {
  EXPECT_EQ(ParseError("SELECT price FORM trades"),
            "syntax error at column 14: expected FROM, found 'FORM'");
}

TEST(QueryParser, MissingExpressionAtEndOfQuery) {
  EXPECT_EQ(ParseError("SELECT price FROM trades WHERE qty >"),
            "syntax error at column 37: expected an expression, found end of query");
}

TEST(QueryParser, PositionsCountLinesInMultiLineQueries) {
  EXPECT_EQ(ParseError("SELECT price\nFROM trades\nWHERE qty >> 3"),
            "syntax error at line 3, column 12: expected an expression, found '>'");
}

TEST(QueryParser, UnterminatedStringPointsAtItsQuote) {
  EXPECT_EQ(ParseError("SELECT * FROM trades WHERE symbol = 'BTC"),
            "syntax error at column 37: unterminated string literal");
}

TEST(QueryParser, UnexpectedCharacterIsNamed) {
  EXPECT_EQ(ParseError("SELECT price # FROM trades"),
            "syntax error at column 14: unexpected character '#'");
}

TEST(QueryParser, OrIsRefusedWithAnExplanation) {
  EXPECT_NE(ParseError("SELECT * FROM trades WHERE qty > 1 OR qty < 0").find("OR is not supported"),
            std::string::npos);
}

TEST(QueryParser, TrailingTokensAreAnError) {
  EXPECT_EQ(ParseError("SELECT * FROM trades LIMIT 5 6"),
            "syntax error at column 30: expected end of query, found '6'");
}

TEST(QueryParser, SampleByNeedsAKnownUnit) {
  EXPECT_NE(ParseError("SELECT count(*) FROM trades SAMPLE BY 5w").find("unknown interval unit 'w'"),
            std::string::npos);
  EXPECT_NE(ParseError("SELECT count(*) FROM trades SAMPLE BY 0m").find("must be positive"),
            std::string::npos);
  EXPECT_NE(ParseError("SELECT count(*) FROM trades SAMPLE BY minute").find("expected an interval"),
            std::string::npos);
}

TEST(QueryParser, KeywordsAreCaseInsensitive) {
  auto statement = ParseStatement(
      "explain select Sum(qty) from trades where ts between 1 and 2 sample by 1M order by 1 desc limit 3;");
  ASSERT_TRUE(statement.ok()) << statement.status().ToString();
  EXPECT_TRUE(statement->explain);
  ASSERT_TRUE(statement->select.sample_by.has_value());
  EXPECT_EQ(statement->select.sample_by->interval_nanos, 60'000'000'000);
  EXPECT_EQ(statement->select.limit, 3u);
  ASSERT_EQ(statement->select.order_by.size(), 1u);
  EXPECT_TRUE(statement->select.order_by[0].descending);
}

TEST(QueryParser, DeepNestingIsAnErrorNotACrash) {
  std::string sql = "SELECT " + std::string(5000, '(') + "1" + std::string(5000, ')') + " FROM trades";
  EXPECT_NE(ParseError(sql).find("nested too deeply"), std::string::npos);
}

TEST(QueryParser, ResultNamesAreNormalisedExpressionText) {
  EXPECT_EQ(OutputNames("SELECT (qty+1)*2, qty-(id-1), -PRICE, qty - 1 - 2 FROM trades"),
            (std::vector<std::string>{"(qty + 1) * 2", "qty - (id - 1)", "-price", "qty - 1 - 2"}));
  EXPECT_EQ(OutputNames("SELECT SUM( price*qty )/Sum(qty), COUNT(*) FROM trades"),
            (std::vector<std::string>{"sum(price * qty) / sum(qty)", "count(*)"}));
}

TEST(QueryParser, AliasesNameResultColumns) {
  EXPECT_EQ(OutputNames("SELECT sum(price * qty) / sum(qty) AS vwap, count(*) AS n FROM trades"),
            (std::vector<std::string>{"vwap", "n"}));
}

TEST(QueryParser, QuotedIdentifiersMayBeKeywords) {
  auto statement = ParseStatement("SELECT \"limit\" FROM \"order\"");
  ASSERT_TRUE(statement.ok()) << statement.status().ToString();
  EXPECT_EQ(statement->select.table.text, "order");
}

TEST(QueryBinder, UnknownColumnIsNamedWithItsPosition) {
  EXPECT_EQ(BindError("SELECT prce FROM trades", StatusCode::kNotFound),
            "column 'prce' does not exist in table trades (at column 8)");
}

TEST(QueryBinder, LiteralThatDoesNotFitTheColumnIsNamed) {
  EXPECT_EQ(BindError("SELECT * FROM trades WHERE qty > 100.5"),
            "literal 100.5 does not fit column qty of type int64 (not a whole number) (at column 34)");
  EXPECT_NE(BindError("SELECT * FROM trades WHERE qty = 'ten'").find("literal 'ten' does not fit column qty"),
            std::string::npos);
  EXPECT_NE(BindError("SELECT * FROM trades WHERE id = -1").find("literal -1 does not fit column id of type uint64"),
            std::string::npos);
  EXPECT_NE(BindError("SELECT * FROM trades WHERE symbol = 5").find("literal 5 does not fit column symbol"),
            std::string::npos);
  EXPECT_NE(BindError("SELECT * FROM trades WHERE ts > '2024-13-01'").find("month 13"), std::string::npos);
  EXPECT_NE(BindError("SELECT * FROM trades WHERE qty < 99999999999999999999").find("out of range"),
            std::string::npos);
}

TEST(QueryBinder, TimestampLiteralsSetTheTimeRange) {
  auto plan = BindText(
      "SELECT * FROM trades WHERE ts >= '2024-01-02T00:00:00Z' AND ts < '2024-01-02 00:00:00.123' "
      "AND ts != 5");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->min_time, 1704153600LL * 1000000000LL);
  EXPECT_EQ(plan->max_time, 1704153600LL * 1000000000LL + 123000000 - 1);
  EXPECT_FALSE(plan->empty_time_range);
  auto empty = BindText("SELECT * FROM trades WHERE ts > 10 AND ts < 5");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty_time_range);
}

TEST(QueryBinder, ColumnsOutsideAggregatesMustBeKeys) {
  EXPECT_NE(BindError("SELECT symbol, count(*) FROM trades").find("must be inside an aggregate"),
            std::string::npos);
  EXPECT_NE(BindError("SELECT price, count(*) FROM trades GROUP BY symbol").find("must be a group key"),
            std::string::npos);
}

TEST(QueryBinder, SampleBySelectColumnsBecomeKeys) {
  auto plan = BindText("SELECT symbol, ts, first(price) AS open FROM trades SAMPLE BY 1m");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->keys.size(), 2u);
  EXPECT_TRUE(plan->keys[0].is_bucket);
  EXPECT_EQ(plan->keys[1].name, "symbol");
  EXPECT_EQ(plan->bucket_nanos, 60'000'000'000);
}

TEST(QueryBinder, SampleByWithoutTheTimeColumnStillReturnsTheBucket) {
  EXPECT_EQ(OutputNames("SELECT count(*) FROM trades SAMPLE BY 1h"),
            (std::vector<std::string>{"ts", "count(*)"}));
}

TEST(QueryBinder, AggregateMisuseIsExplained) {
  EXPECT_NE(BindError("SELECT sum(symbol) FROM trades").find("sum needs a number"), std::string::npos);
  EXPECT_NE(BindError("SELECT sum(max(qty)) FROM trades").find("not allowed inside an aggregate"),
            std::string::npos);
  EXPECT_NE(BindError("SELECT median(qty) FROM trades").find("unknown function 'median'"),
            std::string::npos);
  EXPECT_NE(BindError("SELECT * FROM trades WHERE sum(qty) > 3").find("not allowed in WHERE"),
            std::string::npos);
  EXPECT_NE(BindError("SELECT sum(*) FROM trades").find("only count takes *"), std::string::npos);
  EXPECT_NE(BindError("SELECT *, count(*) FROM trades").find("expected"), std::string::npos);
}

TEST(QueryBinder, StringsDoNotTakeArithmetic) {
  EXPECT_NE(BindError("SELECT symbol + 1 FROM trades").find("needs numbers"), std::string::npos);
}

TEST(QueryBinder, DuplicateResultNamesNeedAnAlias) {
  EXPECT_NE(BindError("SELECT price, PRICE FROM trades").find("appears twice"), std::string::npos);
}

TEST(QueryBinder, ComparisonsNeedALiteral) {
  EXPECT_NE(BindError("SELECT * FROM trades WHERE qty > id").find("expected a literal"),
            std::string::npos);
  EXPECT_NE(BindError("SELECT * FROM trades WHERE 1 < 2").find("needs a column"), std::string::npos);
}

TEST(QueryBinder, ExpressionTypes) {
  auto plan = BindText("SELECT qty + 1, qty / 2, price * qty, id + id, id + qty, -id, 7 FROM trades");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::vector<ColumnType> types;
  for (const auto& output : plan->outputs) types.push_back(output.expression.type);
  EXPECT_EQ(types, (std::vector<ColumnType>{ColumnType::kInt64, ColumnType::kFloat64,
                                            ColumnType::kFloat64, ColumnType::kUInt64,
                                            ColumnType::kInt64, ColumnType::kInt64,
                                            ColumnType::kInt64}));
}

TEST(QueryBinder, OrderByResolvesAliasesOutputsAndHiddenExpressions) {
  auto plan = BindText("SELECT symbol, sum(qty) AS volume FROM trades GROUP BY symbol "
                       "ORDER BY volume DESC, SUM(qty), max(price)");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->order_by.size(), 3u);
  EXPECT_EQ(plan->order_by[0].output, 1u);
  EXPECT_TRUE(plan->order_by[0].descending);
  EXPECT_EQ(plan->outputs[plan->order_by[2].output].name, "max(price)");
  EXPECT_TRUE(plan->outputs[plan->order_by[2].output].hidden);
  EXPECT_EQ(plan->aggregates.size(), 2u);
}

TEST(QueryBinder, ScanReadsOnlyNamedColumns) {
  auto plan = BindText("SELECT count(*) FROM trades WHERE symbol = 'BTC' AND qty > 100");
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->scan_columns, (std::vector<size_t>{1, 3}));
}

// Random token soup and random bytes: every input parses or fails with
// kInvalidArgument / kNotFound, never crashes (ASan checks the rest).
TEST(QueryParser, RandomTextIsAnErrorOrAPlanNeverACrash) {
  static const char* const kPieces[] = {
      "SELECT", "FROM", "trades", "WHERE", "AND", "BETWEEN", "IN", "SAMPLE", "BY", "GROUP",
      "ORDER", "LIMIT", "EXPLAIN", "AS", "DESC", "*", "(", ")", ",", "=", "<", ">=", "!=", "+",
      "-", "/", "count", "sum", "first", "price", "qty", "symbol", "ts", "id", "1", "2.5",
      "1m", "'BTC'", "'2024-01-01'", "\"x\"", ";", "--c\n", "'", "9999999999999999999999"};
  std::mt19937_64 random(7);
  for (int i = 0; i < 3000; ++i) {
    std::string sql;
    if (i % 3 == 0) {
      size_t length = random() % 40;
      for (size_t j = 0; j < length; ++j) sql.push_back(static_cast<char>(random() % 256));
    } else {
      size_t count = random() % 16;
      if (i % 3 == 1) sql = "SELECT ";
      for (size_t j = 0; j < count; ++j) {
        sql += kPieces[random() % std::size(kPieces)];
        sql += ' ';
      }
    }
    auto plan = BindText(sql);
    if (!plan.ok()) {
      EXPECT_TRUE(plan.status().code() == StatusCode::kInvalidArgument ||
                  plan.status().code() == StatusCode::kNotFound)
          << sql << ": " << plan.status().ToString();
    }
  }
}

}  // namespace
}  // namespace backtrace::query
