// The runner programs' command line (see PrintUsage and README.md in this
// folder): the command, its positional arguments and its options.
//
// Plain data and stateless functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tools/peers/file_cache.h"
#include "tools/peers/peer_engine.h"

namespace backtrace::peers {

struct Options {
  std::string library;  // --library, or --bin-dir (backtrace_runner: where backtraced is)
  std::string command;  // bulk-load, stream-load, query or size
  std::vector<std::string> positional;
  uint64_t batch_rows = 10000;
  bool create_indexes = true;
  int repeat = 5;
  ColdMethod cold = ColdMethod::kFadvise;
  std::set<std::string> queries;  // empty: all
  int64_t window_start = kDefaultWindowStart;
  bool explain = false;
};

// Writes the usage text to standard error.
void PrintUsage(std::string_view program);

// Parses argv into *options. Returns what is wrong with the command line, an
// empty string when help was asked for, or nothing when it is good.
std::optional<std::string> ParseOptions(int argc, char** argv, Options* options);

}  // namespace backtrace::peers
