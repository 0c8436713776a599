// The entry functions of the fuzz targets (tests/fuzz/<name>_fuzz.cc). Each
// takes arbitrary bytes, runs one decoding path of BacktraceDB over them and
// returns normally whatever the bytes are; a crash, a sanitizer report or a
// failed FUZZ_CHECK is a finding.
//
// The same functions serve two builds: the clang libFuzzer build
// (-DBACKTRACE_FUZZ=ON, which defines BACKTRACE_LIBFUZZER and gives each
// target its LLVMFuzzerTestOneInput through BACKTRACE_FUZZ_TARGET), and the
// ordinary test build, where tests/fuzz/fuzz_corpus_test.cc feeds every file
// of the seed corpus to each function.
//
// Functions may keep process-wide state that is set up once (a temporary
// table for the SQL target); they are called from one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace backtrace::fuzz {

void FuzzFrames(const uint8_t* data, size_t size);
void FuzzProcessMessages(const uint8_t* data, size_t size);
void FuzzWalReplay(const uint8_t* data, size_t size);
void FuzzColumnFile(const uint8_t* data, size_t size);
void FuzzSql(const uint8_t* data, size_t size);
void FuzzCsv(const uint8_t* data, size_t size);

}  // namespace backtrace::fuzz

// An invariant of the code under test (not of the input): aborts with a
// message when it does not hold, which both builds report as a failure.
#define FUZZ_CHECK(condition)                                                         \
  do {                                                                                \
    if (!(condition)) {                                                               \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__,      \
                   #condition);                                                       \
      std::abort();                                                                   \
    }                                                                                 \
  } while (false)

#ifdef BACKTRACE_LIBFUZZER
#define BACKTRACE_FUZZ_TARGET(function)                                          \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {      \
    function(data, size);                                                        \
    return 0;                                                                    \
  }
#else
#define BACKTRACE_FUZZ_TARGET(function)
#endif
