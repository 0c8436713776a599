// ResultTable: a query's answer as the peer runners hand it back, in a form
// that does not depend on the system that computed it: named columns and
// row-major cells that are NULL, int64, double or text. Its digest is a hash
// of the canonical text of every cell in order (integers in decimal, doubles
// in their shortest round-trip text, text as is), so two systems that return
// the same values in the same order have the same digest. Floating-point sums
// computed in a different order may differ in the last bits, so answers
// with such columns are compared with a tolerance, not by digest.
//
// Plain data; one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace backtrace::peers {

using Cell = std::variant<std::monostate, int64_t, double, std::string>;

struct ResultTable {
  std::vector<std::string> columns;
  std::vector<Cell> cells;  // row-major, columns.size() per row

  size_t row_count() const { return columns.empty() ? 0 : cells.size() / columns.size(); }
  void Clear() {
    columns.clear();
    cells.clear();
  }
};

// The canonical text of one cell ("null" for NULL).
std::string CanonicalText(const Cell& cell);

// FNV-1a 64 over the canonical text of every cell, with separators between
// cells and rows, as 16 lowercase hex digits.
std::string Digest(const ResultTable& table);

// True when both tables have the same shape and the same cells, doubles
// within `relative_tolerance` of each other (relative to the larger
// magnitude, or to 1 below it).
bool AnswersAgree(const ResultTable& first, const ResultTable& second, double relative_tolerance);

// The rows [first, first + count) as a JSON array of arrays.
std::string RowsJson(const ResultTable& table, size_t first, size_t count);

}  // namespace backtrace::peers
