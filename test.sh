#!/usr/bin/env bash
# Installs what is missing, builds BacktraceDB with AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs every test through ctest. Then builds
# the libFuzzer targets (tests/fuzz) with clang in a build of their own and
# runs each briefly from its seed corpus. Fails on any failed test,
# sanitizer report or fuzzer finding. Arguments go to both ctest runs.
set -euo pipefail
cd "$(dirname "$0")"

./tools/install-deps.sh

build=build/sanitize
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBACKTRACE_SANITIZE=ON -DBACKTRACE_CRASH_POINTS=ON \
  -DBACKTRACE_BUILD_BENCHMARKS=OFF > /dev/null
cmake --build "$build"

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
ctest --test-dir "$build" -j2 --output-on-failure --timeout 600 "$@"

fuzz_build=build/fuzz
CC=clang-14 CXX=clang++-14 cmake -S . -B "$fuzz_build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DBACKTRACE_FUZZ=ON -DBACKTRACE_BUILD_BENCHMARKS=OFF > /dev/null
cmake --build "$fuzz_build"
ctest --test-dir "$fuzz_build" -j2 --output-on-failure --timeout 600 "$@"
