// Plain-text tables for the CLI's listings (`tables`, `status`): columns
// separated by two spaces, each as wide as its widest cell, so that
// `awk '{print $1}'` yields the first column. And the byte and ratio
// formats those listings use.
//
// Stateless functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace backtrace::cli {

// rows[0] is the header. Cells of the columns whose index is in
// right_aligned are padded on the left (numbers). No trailing spaces.
std::string FormatTextTable(const std::vector<std::vector<std::string>>& rows,
                            const std::vector<size_t>& right_aligned = {});

// "0 B", "512 B", "1.5 KiB", "12.3 MiB", "4.00 GiB": powers of 1024, three
// significant digits.
std::string FormatBytes(uint64_t bytes);

// numerator / denominator with two decimals ("4.88"), or "-" when the
// denominator is 0.
std::string FormatRatio(uint64_t numerator, uint64_t denominator);

}  // namespace backtrace::cli
