#include "common/base/fault_injection.h"

#include <fnmatch.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>

#include "common/base/file_hooks.h"
#include "common/base/log.h"

namespace backtrace::fault {
namespace {

constexpr std::pair<std::string_view, Operation> kOperations[] = {
    {"any", Operation::kAny},         {"open", Operation::kOpen},
    {"read", Operation::kRead},       {"write", Operation::kWrite},
    {"sync", Operation::kSync},       {"syncdir", Operation::kSyncDirectory},
    {"rename", Operation::kRename},   {"truncate", Operation::kTruncate},
    {"mmap", Operation::kMap},        {"remove", Operation::kRemove},
    {"mkdir", Operation::kMakeDirectory},
};

constexpr std::pair<std::string_view, int> kErrors[] = {
    {"enospc", ENOSPC}, {"eio", EIO},       {"edquot", EDQUOT}, {"erofs", EROFS},
    {"emfile", EMFILE}, {"enomem", ENOMEM}, {"eacces", EACCES},
};

std::string_view ErrorName(int error_number) {
  for (const auto& [name, number] : kErrors) {
    if (number == error_number) return name;
  }
  return "errno";
}

struct ActiveRule {
  Rule rule;
  uint64_t matched = 0;
  uint64_t fired = 0;
  std::mt19937_64 random;
};

std::mutex rules_mutex;
std::vector<ActiveRule> rules;  // guarded by rules_mutex
std::atomic<bool> any_rules{false};
std::atomic<uint64_t> injected{0};

bool PatternMatches(const std::string& pattern, std::string_view path) {
  std::string text(path);
  if (fnmatch(pattern.c_str(), text.c_str(), 0) == 0) return true;
  for (size_t slash = text.find('/'); slash != std::string::npos;
       slash = text.find('/', slash + 1)) {
    if (fnmatch(pattern.c_str(), text.c_str() + slash + 1, 0) == 0) return true;
  }
  return false;
}

template <typename Number>
bool ParseNumber(std::string_view text, Number* value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

Result<Rule> ParseRule(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t begin = 0;
  while (true) {
    size_t colon = text.find(':', begin);
    fields.push_back(text.substr(begin, colon == std::string_view::npos ? colon : colon - begin));
    if (colon == std::string_view::npos) break;
    begin = colon + 1;
  }
  auto bad = [&](std::string what) {
    return Status::InvalidArgument("fault rule \"" + std::string(text) + "\": " + what);
  };
  if (fields.size() < 3) return bad("expected operation:pattern:error[:option]...");
  Rule rule;
  bool known = false;
  for (const auto& [name, operation] : kOperations) {
    if (fields[0] == name) {
      rule.operation = operation;
      known = true;
    }
  }
  if (!known) return bad("unknown operation \"" + std::string(fields[0]) + "\"");
  if (fields[1].empty()) return bad("empty path pattern");
  rule.pattern = std::string(fields[1]);
  for (const auto& [name, number] : kErrors) {
    if (fields[2] == name) rule.error_number = number;
  }
  if (rule.error_number == 0 && (!ParseNumber(fields[2], &rule.error_number) ||
                                 rule.error_number <= 0)) {
    return bad("unknown error \"" + std::string(fields[2]) + "\"");
  }
  for (size_t i = 3; i < fields.size(); ++i) {
    std::string_view option = fields[i];
    size_t equals = option.find('=');
    std::string_view key = option.substr(0, equals);
    std::string_view value = equals == std::string_view::npos ? "" : option.substr(equals + 1);
    bool ok = true;
    if (key == "after") {
      ok = ParseNumber(value, &rule.after);
    } else if (key == "times") {
      ok = ParseNumber(value, &rule.times);
    } else if (key == "seed") {
      ok = ParseNumber(value, &rule.seed);
    } else if (key == "probability") {
      char* end = nullptr;
      std::string copy(value);
      rule.probability = std::strtod(copy.c_str(), &end);
      ok = !copy.empty() && *end == '\0' && rule.probability >= 0 && rule.probability <= 1;
    } else if (key == "partial" && equals == std::string_view::npos) {
      rule.partial = true;
    } else if (key == "in" && !value.empty()) {
      rule.program = std::string(value);
    } else {
      return bad("unknown option \"" + std::string(option) + "\"");
    }
    if (!ok) return bad("bad value in \"" + std::string(option) + "\"");
  }
  return rule;
}

}  // namespace

std::string_view OperationName(Operation operation) {
  for (const auto& [name, value] : kOperations) {
    if (value == operation) return name;
  }
  return "?";
}

Result<std::vector<Rule>> ParseRules(std::string_view text) {
  std::vector<Rule> parsed;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find(';', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view one = text.substr(begin, end - begin);
    if (!one.empty()) {
      ASSIGN_OR_RETURN(Rule rule, ParseRule(one));
      parsed.push_back(std::move(rule));
    }
    begin = end + 1;
  }
  return parsed;
}

#if defined(BACKTRACE_FAULT_INJECTION)

bool Available() { return true; }

void AddRule(const Rule& rule) {
  std::lock_guard<std::mutex> lock(rules_mutex);
  rules.push_back(ActiveRule{rule, 0, 0, std::mt19937_64(rule.seed)});
  any_rules.store(true, std::memory_order_release);
}

void ClearRules() {
  std::lock_guard<std::mutex> lock(rules_mutex);
  rules.clear();
  any_rules.store(false, std::memory_order_release);
}

uint64_t InjectedCount() { return injected.load(std::memory_order_relaxed); }

Status LoadRulesFromEnvironment(std::string_view program) {
  const char* text = std::getenv("BACKTRACE_FAULTS");
  if (text == nullptr || *text == '\0') return Status::Ok();
  ASSIGN_OR_RETURN(std::vector<Rule> parsed, ParseRules(text));
  size_t added = 0;
  for (const Rule& rule : parsed) {
    if (!rule.program.empty() && rule.program != program) continue;
    AddRule(rule);
    ++added;
  }
  if (added > 0) {
    LogWarning("fault injection: " + std::to_string(added) + " rule(s) from BACKTRACE_FAULTS: " +
               text);
  }
  return Status::Ok();
}

#else

bool Available() { return false; }
void AddRule(const Rule&) {}
void ClearRules() {}
uint64_t InjectedCount() { return 0; }

Status LoadRulesFromEnvironment(std::string_view) {
  const char* text = std::getenv("BACKTRACE_FAULTS");
  if (text != nullptr && *text != '\0') {
    LogWarning("BACKTRACE_FAULTS is ignored: this build has no fault injection");
  }
  return Status::Ok();
}

#endif

}  // namespace backtrace::fault

namespace backtrace::io::hooks {

int InjectedError(fault::Operation operation, std::string_view path, bool* partial) {
  using fault::any_rules;
  if (!any_rules.load(std::memory_order_acquire)) return 0;
  int error_number = 0;
  std::string fired;
  {
    std::lock_guard<std::mutex> lock(fault::rules_mutex);
    for (fault::ActiveRule& active : fault::rules) {
      const fault::Rule& rule = active.rule;
      if (rule.operation != fault::Operation::kAny && rule.operation != operation) continue;
      if (!fault::PatternMatches(rule.pattern, path)) continue;
      if (active.matched++ < rule.after) continue;
      if (rule.times != 0 && active.fired >= rule.times) continue;
      if (rule.probability < 1.0 &&
          std::uniform_real_distribution<double>(0, 1)(active.random) >= rule.probability) {
        continue;
      }
      ++active.fired;
      error_number = rule.error_number;
      if (partial != nullptr) *partial = rule.partial;
      fired = std::string(fault::OperationName(operation)) + " " + std::string(path) + ": " +
              std::string(fault::ErrorName(error_number)) + " (rule " +
              std::string(fault::OperationName(rule.operation)) + ":" + rule.pattern + ", fault " +
              std::to_string(active.fired) + ")";
      break;
    }
  }
  if (error_number != 0) {
    fault::injected.fetch_add(1, std::memory_order_relaxed);
    LogWarning("injected fault: " + fired);
  }
  return error_number;
}

}  // namespace backtrace::io::hooks
