#include "common/query/lexer.h"

namespace backtrace::query {
namespace {

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status LexError(std::string_view sql, size_t offset, std::string_view what) {
  return Status::InvalidArgument("syntax error at " + DescribePosition(sql, offset) + ": " +
                                 std::string(what));
}

}  // namespace

std::string DescribePosition(std::string_view sql, size_t offset) {
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset && i < sql.size(); ++i) {
    if (sql[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  std::string column = "column " + std::to_string(offset - line_start + 1);
  if (line == 1) return column;
  return "line " + std::to_string(line) + ", " + column;
}

std::string DescribeToken(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd:
      return "end of query";
    case TokenKind::kString:
      return "string '" + token.text + "'";
    case TokenKind::kQuotedIdentifier:
      return "\"" + token.text + "\"";
    default:
      return "'" + token.text + "'";
  }
}

Result<std::vector<Token>> Tokenize(std::string_view sql) {
  std::vector<Token> tokens;
  size_t i = 0;
  const size_t n = sql.size();
  while (true) {
    while (i < n) {
      char c = sql[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        ++i;
      } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
        while (i < n && sql[i] != '\n') ++i;
      } else {
        break;
      }
    }
    Token token;
    token.offset = i;
    if (i >= n) {
      tokens.push_back(std::move(token));
      return tokens;
    }
    char c = sql[i];
    if (IsLetter(c)) {
      size_t start = i;
      while (i < n && (IsLetter(sql[i]) || IsDigit(sql[i]))) ++i;
      token.kind = TokenKind::kIdentifier;
      token.text = std::string(sql.substr(start, i - start));
    } else if (IsDigit(c) || (c == '.' && i + 1 < n && IsDigit(sql[i + 1]))) {
      size_t start = i;
      bool is_float = false;
      while (i < n && IsDigit(sql[i])) ++i;
      if (i < n && sql[i] == '.') {
        is_float = true;
        ++i;
        while (i < n && IsDigit(sql[i])) ++i;
      }
      if (i < n && (sql[i] == 'e' || sql[i] == 'E')) {
        size_t exponent = i + 1;
        if (exponent < n && (sql[exponent] == '+' || sql[exponent] == '-')) ++exponent;
        if (exponent < n && IsDigit(sql[exponent])) {
          is_float = true;
          i = exponent;
          while (i < n && IsDigit(sql[i])) ++i;
        }
      }
      if (i < n && (IsLetter(sql[i]) || IsDigit(sql[i]))) {
        if (is_float) return LexError(sql, start, "malformed number");
        while (i < n && (IsLetter(sql[i]) || IsDigit(sql[i]))) ++i;
        token.kind = TokenKind::kDuration;
      } else {
        token.kind = is_float ? TokenKind::kFloat : TokenKind::kInteger;
      }
      token.text = std::string(sql.substr(start, i - start));
    } else if (c == '\'') {
      ++i;
      token.kind = TokenKind::kString;
      while (true) {
        if (i >= n) return LexError(sql, token.offset, "unterminated string literal");
        if (sql[i] == '\'') {
          if (i + 1 < n && sql[i + 1] == '\'') {
            token.text.push_back('\'');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        token.text.push_back(sql[i++]);
      }
    } else if (c == '"') {
      ++i;
      token.kind = TokenKind::kQuotedIdentifier;
      while (true) {
        if (i >= n) return LexError(sql, token.offset, "unterminated quoted identifier");
        if (sql[i] == '"') {
          if (i + 1 < n && sql[i + 1] == '"') {
            token.text.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        token.text.push_back(sql[i++]);
      }
      if (token.text.empty()) return LexError(sql, token.offset, "empty quoted identifier");
    } else {
      token.kind = TokenKind::kSymbol;
      auto two = sql.substr(i, 2);
      if (two == "!=" || two == "<>" || two == "<=" || two == ">=") {
        token.text = std::string(two);
        i += 2;
      } else if (std::string_view("=<>+-*/(),;").find(c) != std::string_view::npos) {
        token.text = std::string(1, c);
        ++i;
      } else {
        // Built by appending: GCC 12 warns falsely (-Wrestrict) on "'" + string.
        std::string shown;
        if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) {
          shown.append(1, '\'').append(1, c).append(1, '\'');
        } else {
          shown.append("byte ").append(std::to_string(static_cast<unsigned char>(c)));
        }
        return LexError(sql, i, "unexpected character " + shown);
      }
    }
    tokens.push_back(std::move(token));
  }
}

}  // namespace backtrace::query
