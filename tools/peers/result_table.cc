#include "tools/peers/result_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tools/peers/peer_report.h"

namespace backtrace::peers {
namespace {

struct CanonicalVisitor {
  std::string operator()(std::monostate) const { return "null"; }
  std::string operator()(int64_t value) const { return std::to_string(value); }
  std::string operator()(double value) const { return JsonNumber(value); }
  std::string operator()(const std::string& value) const { return value; }
};

struct JsonVisitor {
  std::string operator()(std::monostate) const { return "null"; }
  std::string operator()(int64_t value) const { return std::to_string(value); }
  std::string operator()(double value) const { return JsonNumber(value); }
  std::string operator()(const std::string& value) const { return JsonString(value); }
};

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;

void Mix(uint64_t* hash, std::string_view bytes) {
  for (unsigned char c : bytes) {
    *hash ^= c;
    *hash *= kFnvPrime;
  }
}

}  // namespace

std::string CanonicalText(const Cell& cell) { return std::visit(CanonicalVisitor{}, cell); }

std::string Digest(const ResultTable& table) {
  uint64_t hash = kFnvOffset;
  size_t columns = table.columns.size();
  for (size_t i = 0; i < table.cells.size(); ++i) {
    Mix(&hash, CanonicalText(table.cells[i]));
    Mix(&hash, (i + 1) % columns == 0 ? "\x1e" : "\x1f");  // row or cell separator
  }
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

bool AnswersAgree(const ResultTable& first, const ResultTable& second, double relative_tolerance) {
  if (first.columns.size() != second.columns.size() || first.cells.size() != second.cells.size()) return false;
  for (size_t i = 0; i < first.cells.size(); ++i) {
    const Cell& a = first.cells[i];
    const Cell& b = second.cells[i];
    if (std::holds_alternative<double>(a) && std::holds_alternative<double>(b)) {
      double x = std::get<double>(a);
      double y = std::get<double>(b);
      double scale = std::max({std::fabs(x), std::fabs(y), 1.0});
      if (!(std::fabs(x - y) <= relative_tolerance * scale)) return false;
    } else if (a != b) {
      return false;
    }
  }
  return true;
}

std::string RowsJson(const ResultTable& table, size_t first, size_t count) {
  size_t columns = table.columns.size();
  size_t last = std::min(table.row_count(), first + count);
  std::string json = "[";
  for (size_t row = first; row < last; ++row) {
    if (row > first) json += ',';
    json += '[';
    for (size_t column = 0; column < columns; ++column) {
      if (column > 0) json += ',';
      json += std::visit(JsonVisitor{}, table.cells[row * columns + column]);
    }
    json += ']';
  }
  json += ']';
  return json;
}

}  // namespace backtrace::peers
