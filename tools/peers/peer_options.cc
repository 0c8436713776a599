#include "tools/peers/peer_options.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace backtrace::peers {

void PrintUsage(std::string_view program) {
  std::fprintf(stderr,
               "usage: %.*s [--library PATH | --bin-dir DIRECTORY] COMMAND ...\n"
               "  bulk-load DB CSV        load the orders CSV the system's bulk way, durably\n"
               "  stream-load DB CSV [--batch-rows N] [--no-indexes]\n"
               "                          append row by row, commit (durably) every N rows (10000)\n"
               "  query DB [--repeat N] [--cold none|fadvise|drop-caches] [--queries Q1,Q4]\n"
               "           [--window-start NS] [--explain]\n"
               "                          run Q1-Q6: one cold run, then N warm runs (5)\n"
               "  size DB                 bytes of the database's files\n"
               "Every figure and answer is printed as one JSON object per line.\n",
               static_cast<int>(program.size()), program.data());
}

namespace {

bool ParseInteger(const char* text, int64_t* value) {
  char* end = nullptr;
  errno = 0;
  long long parsed = std::strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0') return false;
  *value = parsed;
  return true;
}

// Returns an error message, or nothing when the command line is good.
}  // namespace

std::optional<std::string> ParseOptions(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; ++i) {
    std::string_view argument = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (argument == "--library" || argument == "--bin-dir") {
      const char* text = value();
      if (text == nullptr) return std::string(argument) + " needs a path";
      options->library = text;
    } else if (argument == "--batch-rows") {
      const char* text = value();
      int64_t rows = 0;
      if (text == nullptr || !ParseInteger(text, &rows) || rows <= 0) return "--batch-rows needs a positive integer";
      options->batch_rows = static_cast<uint64_t>(rows);
    } else if (argument == "--no-indexes") {
      options->create_indexes = false;
    } else if (argument == "--repeat") {
      const char* text = value();
      int64_t repeat = 0;
      if (text == nullptr || !ParseInteger(text, &repeat) || repeat < 1 || repeat > 1000) {
        return "--repeat needs an integer in 1..1000";
      }
      options->repeat = static_cast<int>(repeat);
    } else if (argument == "--cold") {
      const char* text = value();
      if (text == nullptr || !ParseColdMethod(text, &options->cold)) {
        return "--cold needs none, fadvise or drop-caches";
      }
    } else if (argument == "--queries") {
      const char* text = value();
      if (text == nullptr) return "--queries needs a list such as Q1,Q4";
      std::string list = text;
      size_t start = 0;
      while (start <= list.size()) {
        size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        if (comma > start) options->queries.insert(list.substr(start, comma - start));
        start = comma + 1;
      }
    } else if (argument == "--window-start") {
      const char* text = value();
      if (text == nullptr || !ParseInteger(text, &options->window_start)) {
        return "--window-start needs nanoseconds since the epoch";
      }
    } else if (argument == "--explain") {
      options->explain = true;
    } else if (argument == "--help" || argument == "-h") {
      return "";
    } else if (argument.starts_with("--")) {
      return "unknown option " + std::string(argument);
    } else if (options->command.empty()) {
      options->command = argument;
    } else {
      options->positional.emplace_back(argument);
    }
  }
  size_t wanted = options->command == "bulk-load" || options->command == "stream-load" ? 2
                  : options->command == "query" || options->command == "size"        ? 1
                                                                                      : 0;
  if (wanted == 0) return options->command.empty() ? "no command" : "unknown command " + options->command;
  if (options->positional.size() != wanted) {
    return options->command + " takes " + std::to_string(wanted) + " argument(s)";
  }
  return std::nullopt;
}

}  // namespace backtrace::peers
