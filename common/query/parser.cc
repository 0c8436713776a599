#include "common/query/parser.h"

#include <cctype>
#include <limits>

#include "common/query/lexer.h"

namespace backtrace::query {
namespace {

using ast::Expression;

// Nesting deeper than this is refused rather than risking the stack.
constexpr int kMaxDepth = 200;

constexpr std::string_view kKeywords[] = {
    "select", "from",  "where", "and",  "or",  "not", "between", "in",      "sample",
    "by",     "group", "order", "asc",  "desc", "limit", "explain", "as",
};

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool IsKeyword(const Token& token) {
  if (token.kind != TokenKind::kIdentifier) return false;
  for (std::string_view keyword : kKeywords) {
    if (EqualsIgnoringCase(token.text, keyword)) return true;
  }
  return false;
}

class Parser {
 public:
  Parser(std::string_view sql, std::vector<Token> tokens) : sql_(sql), tokens_(std::move(tokens)) {}

  Result<ast::Statement> ParseStatement() {
    ast::Statement statement;
    if (AcceptKeyword("explain")) statement.explain = true;
    RETURN_IF_ERROR(ExpectKeyword("select", "SELECT"));
    RETURN_IF_ERROR(ParseSelectList(&statement.select));
    RETURN_IF_ERROR(ExpectKeyword("from", "FROM"));
    ASSIGN_OR_RETURN(statement.select.table, ParseName("a table name"));
    if (AcceptKeyword("where")) {
      do {
        ASSIGN_OR_RETURN(ast::Predicate predicate, ParsePredicate());
        statement.select.where.push_back(std::move(predicate));
      } while (AcceptKeyword("and"));
      if (PeekKeyword("or")) {
        return Error("OR is not supported; predicates are joined by AND");
      }
    }
    if (AcceptKeyword("sample")) {
      RETURN_IF_ERROR(ExpectKeyword("by", "BY"));
      ASSIGN_OR_RETURN(statement.select.sample_by, ParseSampleBy());
    } else if (AcceptKeyword("group")) {
      RETURN_IF_ERROR(ExpectKeyword("by", "BY"));
      do {
        ASSIGN_OR_RETURN(ast::Name name, ParseName("a column name"));
        statement.select.group_by.push_back(std::move(name));
      } while (AcceptSymbol(","));
    }
    if (AcceptKeyword("order")) {
      RETURN_IF_ERROR(ExpectKeyword("by", "BY"));
      do {
        ast::OrderItem item;
        ASSIGN_OR_RETURN(item.expression, ParseExpression(0));
        if (AcceptKeyword("desc")) {
          item.descending = true;
        } else {
          (void)AcceptKeyword("asc");
        }
        statement.select.order_by.push_back(std::move(item));
      } while (AcceptSymbol(","));
    }
    if (AcceptKeyword("limit")) {
      if (Peek().kind != TokenKind::kInteger) return Expected("a row count");
      uint64_t limit = 0;
      for (char c : Peek().text) {
        if (limit > (std::numeric_limits<uint64_t>::max() - 9) / 10) {
          return Error("LIMIT " + Peek().text + " is too large");
        }
        limit = limit * 10 + static_cast<uint64_t>(c - '0');
      }
      statement.select.limit = limit;
      Advance();
    }
    (void)AcceptSymbol(";");
    if (Peek().kind != TokenKind::kEnd) {
      return Expected(statement.select.limit ? "end of query"
                                             : "WHERE, SAMPLE BY, GROUP BY, ORDER BY, LIMIT or "
                                               "end of query");
    }
    return statement;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t index = std::min(position_ + ahead, tokens_.size() - 1);
    return tokens_[index];
  }
  void Advance() {
    if (position_ + 1 < tokens_.size()) ++position_;
  }
  bool PeekKeyword(std::string_view keyword, size_t ahead = 0) const {
    const Token& token = Peek(ahead);
    return token.kind == TokenKind::kIdentifier && EqualsIgnoringCase(token.text, keyword);
  }
  bool AcceptKeyword(std::string_view keyword) {
    if (!PeekKeyword(keyword)) return false;
    Advance();
    return true;
  }
  bool PeekSymbol(std::string_view symbol) const {
    return Peek().kind == TokenKind::kSymbol && Peek().text == symbol;
  }
  bool AcceptSymbol(std::string_view symbol) {
    if (!PeekSymbol(symbol)) return false;
    Advance();
    return true;
  }
  Status Error(std::string_view what) const {
    return Status::InvalidArgument("syntax error at " + DescribePosition(sql_, Peek().offset) +
                                   ": " + std::string(what));
  }
  Status Expected(std::string_view what) const {
    return Error("expected " + std::string(what) + ", found " + DescribeToken(Peek()));
  }
  Status ExpectKeyword(std::string_view keyword, std::string_view shown) {
    if (!AcceptKeyword(keyword)) return Expected(shown);
    return Status::Ok();
  }
  Status ExpectSymbol(std::string_view symbol) {
    if (!AcceptSymbol(symbol)) {
      std::string shown;
      shown.append(1, '\'').append(symbol).append(1, '\'');
      return Expected(shown);
    }
    return Status::Ok();
  }

  Result<ast::Name> ParseName(std::string_view what) {
    const Token& token = Peek();
    if (token.kind == TokenKind::kQuotedIdentifier ||
        (token.kind == TokenKind::kIdentifier && !IsKeyword(token))) {
      ast::Name name{token.text, token.offset};
      Advance();
      return name;
    }
    return Expected(what);
  }

  Status ParseSelectList(ast::Select* select) {
    if (PeekSymbol("*")) {
      select->star = true;
      select->star_offset = Peek().offset;
      Advance();
      return Status::Ok();
    }
    do {
      ast::SelectItem item;
      ASSIGN_OR_RETURN(item.expression, ParseExpression(0));
      if (AcceptKeyword("as")) {
        item.alias_offset = Peek().offset;
        ASSIGN_OR_RETURN(ast::Name alias, ParseName("an alias"));
        item.alias = std::move(alias.text);
      }
      select->items.push_back(std::move(item));
    } while (AcceptSymbol(","));
    return Status::Ok();
  }

  Result<ast::SampleBy> ParseSampleBy() {
    const Token& token = Peek();
    if (token.kind != TokenKind::kDuration) return Expected("an interval such as 1m");
    ast::SampleBy sample;
    sample.text = token.text;
    sample.offset = token.offset;
    size_t digits = 0;
    uint64_t count = 0;
    while (digits < token.text.size() && std::isdigit(static_cast<unsigned char>(token.text[digits]))) {
      if (count > 1'000'000'000'000ull) return Error("interval " + token.text + " is too long");
      count = count * 10 + static_cast<uint64_t>(token.text[digits] - '0');
      ++digits;
    }
    std::string_view unit = std::string_view(token.text).substr(digits);
    int64_t unit_nanos = 0;
    if (EqualsIgnoringCase(unit, "s")) {
      unit_nanos = 1'000'000'000LL;
    } else if (EqualsIgnoringCase(unit, "m")) {
      unit_nanos = 60'000'000'000LL;
    } else if (EqualsIgnoringCase(unit, "h")) {
      unit_nanos = 3'600'000'000'000LL;
    } else if (EqualsIgnoringCase(unit, "d")) {
      unit_nanos = 86'400'000'000'000LL;
    } else {
      return Error("unknown interval unit '" + std::string(unit) + "' in " + token.text +
                   " (expected s, m, h or d)");
    }
    if (count == 0) return Error("interval " + token.text + " must be positive");
    if (count > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / unit_nanos)) {
      return Error("interval " + token.text + " is too long");
    }
    sample.interval_nanos = static_cast<int64_t>(count) * unit_nanos;
    Advance();
    return sample;
  }

  Result<ast::Predicate> ParsePredicate() {
    ast::Predicate predicate;
    predicate.offset = Peek().offset;
    if (PeekKeyword("not")) return Error("NOT is not supported");
    ASSIGN_OR_RETURN(predicate.left, ParseExpression(0));
    if (AcceptKeyword("between")) {
      predicate.kind = ast::Predicate::Kind::kBetween;
      ASSIGN_OR_RETURN(auto low, ParseExpression(0));
      RETURN_IF_ERROR(ExpectKeyword("and", "AND"));
      ASSIGN_OR_RETURN(auto high, ParseExpression(0));
      predicate.operands.push_back(std::move(low));
      predicate.operands.push_back(std::move(high));
      return predicate;
    }
    if (AcceptKeyword("in")) {
      predicate.kind = ast::Predicate::Kind::kIn;
      RETURN_IF_ERROR(ExpectSymbol("("));
      do {
        ASSIGN_OR_RETURN(auto value, ParseExpression(0));
        predicate.operands.push_back(std::move(value));
      } while (AcceptSymbol(","));
      RETURN_IF_ERROR(ExpectSymbol(")"));
      return predicate;
    }
    static constexpr std::pair<std::string_view, ast::ComparisonOperator> kComparisons[] = {
        {"=", ast::ComparisonOperator::kEqual},     {"!=", ast::ComparisonOperator::kNotEqual},
        {"<>", ast::ComparisonOperator::kNotEqual}, {"<", ast::ComparisonOperator::kLess},
        {"<=", ast::ComparisonOperator::kLessEqual}, {">", ast::ComparisonOperator::kGreater},
        {">=", ast::ComparisonOperator::kGreaterEqual},
    };
    for (const auto& [symbol, op] : kComparisons) {
      if (AcceptSymbol(symbol)) {
        predicate.op = op;
        ASSIGN_OR_RETURN(auto right, ParseExpression(0));
        predicate.operands.push_back(std::move(right));
        return predicate;
      }
    }
    return Expected("a comparison (=, !=, <, <=, >, >=, BETWEEN or IN)");
  }

  // expression := term (('+' | '-') term)*
  Result<std::unique_ptr<Expression>> ParseExpression(int depth) {
    if (depth > kMaxDepth) return Error("expression nested too deeply");
    ASSIGN_OR_RETURN(auto left, ParseTerm(depth));
    while (PeekSymbol("+") || PeekSymbol("-")) {
      auto node = std::make_unique<Expression>();
      node->kind = Expression::Kind::kArithmetic;
      node->offset = left->offset;
      node->op = PeekSymbol("+") ? ast::ArithmeticOperator::kAdd : ast::ArithmeticOperator::kSubtract;
      Advance();
      ASSIGN_OR_RETURN(auto right, ParseTerm(depth));
      node->arguments.push_back(std::move(left));
      node->arguments.push_back(std::move(right));
      left = std::move(node);
    }
    return left;
  }

  // term := unary (('*' | '/') unary)*
  Result<std::unique_ptr<Expression>> ParseTerm(int depth) {
    ASSIGN_OR_RETURN(auto left, ParseUnary(depth));
    while (PeekSymbol("*") || PeekSymbol("/")) {
      auto node = std::make_unique<Expression>();
      node->kind = Expression::Kind::kArithmetic;
      node->offset = left->offset;
      node->op = PeekSymbol("*") ? ast::ArithmeticOperator::kMultiply : ast::ArithmeticOperator::kDivide;
      Advance();
      ASSIGN_OR_RETURN(auto right, ParseUnary(depth));
      node->arguments.push_back(std::move(left));
      node->arguments.push_back(std::move(right));
      left = std::move(node);
    }
    return left;
  }

  // unary := '-' unary | primary. A minus before a number literal becomes
  // part of the literal.
  Result<std::unique_ptr<Expression>> ParseUnary(int depth) {
    if (depth > kMaxDepth) return Error("expression nested too deeply");
    if (PeekSymbol("-")) {
      size_t offset = Peek().offset;
      Advance();
      ASSIGN_OR_RETURN(auto operand, ParseUnary(depth + 1));
      if ((operand->kind == Expression::Kind::kInteger || operand->kind == Expression::Kind::kFloat) &&
          operand->text[0] != '-') {
        operand->text.insert(operand->text.begin(), '-');
        operand->offset = offset;
        return operand;
      }
      auto node = std::make_unique<Expression>();
      node->kind = Expression::Kind::kNegate;
      node->offset = offset;
      node->arguments.push_back(std::move(operand));
      return node;
    }
    return ParsePrimary(depth);
  }

  Result<std::unique_ptr<Expression>> ParsePrimary(int depth) {
    const Token& token = Peek();
    auto node = std::make_unique<Expression>();
    node->offset = token.offset;
    switch (token.kind) {
      case TokenKind::kInteger:
        node->kind = Expression::Kind::kInteger;
        node->text = token.text;
        Advance();
        return node;
      case TokenKind::kFloat:
        node->kind = Expression::Kind::kFloat;
        node->text = token.text;
        Advance();
        return node;
      case TokenKind::kString:
        node->kind = Expression::Kind::kString;
        node->text = token.text;
        Advance();
        return node;
      case TokenKind::kQuotedIdentifier:
        node->kind = Expression::Kind::kColumn;
        node->text = token.text;
        Advance();
        return node;
      case TokenKind::kIdentifier:
        if (IsKeyword(token)) return Expected("an expression");
        node->text = token.text;
        Advance();
        if (AcceptSymbol("(")) {
          node->kind = Expression::Kind::kFunction;
          if (PeekSymbol("*")) {
            auto star = std::make_unique<Expression>();
            star->kind = Expression::Kind::kStar;
            star->offset = Peek().offset;
            Advance();
            node->arguments.push_back(std::move(star));
          } else if (!PeekSymbol(")")) {
            do {
              ASSIGN_OR_RETURN(auto argument, ParseExpression(depth + 1));
              node->arguments.push_back(std::move(argument));
            } while (AcceptSymbol(","));
          }
          RETURN_IF_ERROR(ExpectSymbol(")"));
        } else {
          node->kind = Expression::Kind::kColumn;
        }
        return node;
      case TokenKind::kSymbol:
        if (token.text == "(") {
          Advance();
          ASSIGN_OR_RETURN(auto inner, ParseExpression(depth + 1));
          RETURN_IF_ERROR(ExpectSymbol(")"));
          return inner;
        }
        return Expected("an expression");
      default:
        return Expected("an expression");
    }
  }

  std::string_view sql_;
  std::vector<Token> tokens_;
  size_t position_ = 0;
};

}  // namespace

Result<ast::Statement> ParseStatement(std::string_view sql) {
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(sql));
  Parser parser(sql, std::move(tokens));
  return parser.ParseStatement();
}

}  // namespace backtrace::query
