// Fault injection beneath the file layer (common/base/file.h), for tests.
//
// In builds with BACKTRACE_FAULT_INJECTION defined (the test build: the CMake
// option of that name, on by default when BACKTRACE_CRASH_POINTS is on), every
// io:: function asks this module before it touches the file system. A *rule*
// says which operations on which paths fail, and how:
//
//   operation  open, read, write, sync (fdatasync/fsync of a file), syncdir,
//              rename, truncate, mmap, remove, mkdir, or any
//   pattern    a glob (fnmatch, '*' also matches '/') matched against the
//              whole path and against every part of it that follows a '/',
//              so "wal/*" matches "/data/wal/00000000000000000001.wal"
//   error      the errno the operation fails with (ENOSPC, EIO, ...)
//   after      the first `after` matching operations succeed
//   times      then at most `times` operations fail (0: no limit)
//   probability, seed
//              each candidate fails with this probability, drawn from a
//              generator seeded with `seed` (reproducible per rule)
//   partial    a failing write first writes half of its buffer
//
// Tests add rules in-process with AddRule; real processes (backtraced,
// backtrace-worker) read them from the environment variable BACKTRACE_FAULTS
// at start-up (LoadRulesFromEnvironment), with the grammar of ParseRules:
//
//   BACKTRACE_FAULTS="write:wal/*:enospc:after=200:times=5;sync:*.col:eio:in=backtrace-worker"
//
// Power loss (common/base/power_loss.h) builds on the same hooks.
//
// Release builds compile the hooks out: file.cc then makes no call here, and
// Available() is false. The functions below exist in every build (so that
// tests compile); without fault injection AddRule does nothing and
// LoadRulesFromEnvironment logs a warning when the variable is set.
//
// Thread-safe: rules may be added and cleared from any thread while other
// threads do file I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace backtrace::fault {

enum class Operation : uint8_t {
  kAny,
  kOpen,
  kRead,
  kWrite,
  kSync,
  kSyncDirectory,
  kRename,
  kTruncate,
  kMap,
  kRemove,
  kMakeDirectory,
};

struct Rule {
  Operation operation = Operation::kAny;
  std::string pattern = "*";
  int error_number = 0;      // errno to fail with; must be > 0
  uint64_t after = 0;        // matching operations that succeed first
  uint64_t times = 0;        // failures before the rule is spent; 0: unlimited
  double probability = 1.0;  // chance that a candidate fails
  uint64_t seed = 0;
  bool partial = false;      // writes: write half the buffer, then fail
  std::string program;       // "": every process; else only this program
};

// True when this build has the hooks compiled in.
bool Available();

// Adds a rule; it applies to operations that start afterwards.
void AddRule(const Rule& rule);
// Removes every rule (not the power-loss state).
void ClearRules();
// Faults injected since start-up (all rules, including cleared ones).
uint64_t InjectedCount();

// Parses rules separated by ';', each "operation:pattern:error[:option]...",
// options "after=N", "times=N", "probability=P", "seed=N", "partial",
// "in=PROGRAM". Errors are names and numbers: "enospc", "eio", "edquot",
// "erofs", "emfile", "enomem", "eacces", or a decimal errno. Errors:
// kInvalidArgument naming the bad rule and field.
[[nodiscard]] Result<std::vector<Rule>> ParseRules(std::string_view text);

// Reads BACKTRACE_FAULTS and adds the rules meant for `program` (those
// without `in=`, or with in=program). A malformed variable is an error (the
// program should refuse to start rather than run a test without its faults).
[[nodiscard]] Status LoadRulesFromEnvironment(std::string_view program);

// "write", "sync", ... (the names ParseRules accepts).
std::string_view OperationName(Operation operation);

}  // namespace backtrace::fault
