#include "tools/backtrace/text_table.h"

#include <algorithm>
#include <cstdio>

namespace backtrace::cli {

std::string FormatTextTable(const std::vector<std::vector<std::string>>& rows,
                            const std::vector<size_t>& right_aligned) {
  size_t columns = 0;
  for (const auto& row : rows) columns = std::max(columns, row.size());
  std::vector<size_t> widths(columns, 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  auto is_right = [&](size_t column) {
    return std::find(right_aligned.begin(), right_aligned.end(), column) != right_aligned.end();
  };
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      size_t padding = widths[i] - row[i].size();
      if (is_right(i)) line.append(padding, ' ');
      line += row[i];
      if (i + 1 < row.size()) line.append((is_right(i) ? 0 : padding) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

std::string FormatBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  const char* format = value >= 100 ? "%.0f %s" : (value >= 10 ? "%.1f %s" : "%.2f %s");
  std::snprintf(text, sizeof(text), format, value, kUnits[unit]);
  return text;
}

std::string FormatRatio(uint64_t numerator, uint64_t denominator) {
  if (denominator == 0) return "-";
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f",
                static_cast<double>(numerator) / static_cast<double>(denominator));
  return text;
}

}  // namespace backtrace::cli
