// The lexer of the query language: splits SQL text into tokens, each with
// its byte offset so that errors can point at it (docs/query_language.md,
// "Lexical structure").
//
// Stateless functions; callable from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace backtrace::query {

enum class TokenKind {
  kIdentifier,  // name or keyword (keywords are recognised by the parser)
  kQuotedIdentifier,  // "name": never a keyword; text is the name
  kInteger,     // 123
  kFloat,       // 1.5, 1e6, .5
  kDuration,    // 1m, 15s: digits immediately followed by letters
  kString,      // 'text' with '' for a quote; text is the value
  kSymbol,      // = != <> < <= > >= + - * / ( ) , ;
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  size_t offset = 0;  // of the first character in the SQL text
};

// Tokenizes `sql`; the last token is kEnd. `--` starts a comment running to
// the end of the line. Errors (kInvalidArgument) name the position, e.g.
// "syntax error at column 12: unterminated string literal".
[[nodiscard]] Result<std::vector<Token>> Tokenize(std::string_view sql);

// "column 12" (or "line 2, column 3" for multi-line text) of a byte offset,
// 1-based.
std::string DescribePosition(std::string_view sql, size_t offset);

// How a token appears in "found ..." messages: 'FORM', end of query, ...
std::string DescribeToken(const Token& token);

}  // namespace backtrace::query
