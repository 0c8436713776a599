// Machine-readable output of the peer runners: every figure and every query
// answer is printed as one JSON object per line on standard output, so that a
// benchmark orchestrator can read the figures and compare the answers of
// different systems. Also the small measuring helpers the runners share
// (a monotonic stopwatch, the median, the process's peak resident memory).
//
// A JsonLine is built and printed by one thread.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace backtrace::peers {

// `value` as a quoted JSON string with the needed escapes.
std::string JsonString(std::string_view value);

// `value` in the shortest text that reads back to the same double; JSON has
// no infinities or NaN, so those are written as null.
std::string JsonNumber(double value);

// One JSON object, printed as a single line.
class JsonLine {
 public:
  JsonLine& Add(std::string_view key, std::string_view value);
  JsonLine& Add(std::string_view key, const char* value) { return Add(key, std::string_view(value)); }
  JsonLine& Add(std::string_view key, const std::string& value) { return Add(key, std::string_view(value)); }
  JsonLine& Add(std::string_view key, double value);
  JsonLine& Add(std::string_view key, bool value);
  template <std::integral Integer>
  JsonLine& Add(std::string_view key, Integer value) {
    return AddRaw(key, std::to_string(value));
  }
  JsonLine& Add(std::string_view key, const std::vector<double>& values);
  // `json` must already be valid JSON (an array or object built by the caller).
  JsonLine& AddRaw(std::string_view key, std::string_view json);

  // Writes the object and a newline to standard output and flushes it.
  void Print() const;

 private:
  void Key(std::string_view key);

  std::string text_;
};

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// The median of `values` (the mean of the middle two for an even count);
// 0 for an empty vector.
double Median(std::vector<double> values);

// The value at fraction `quantile` (0..1) of the sorted values, nearest rank.
double Quantile(std::vector<double> values, double quantile);

// CPU time (user + system) of every thread of this process so far, in
// seconds (getrusage). On a shared machine this measures the work done,
// where wall time also measures the wait for a core.
double ProcessCpuSeconds();

// Peak resident set size of this process so far, in bytes (getrusage).
uint64_t PeakResidentBytes();

// The 1-, 5- and 15-minute load averages of the machine, as a JSON array.
std::string LoadAverageJson();

}  // namespace backtrace::peers
