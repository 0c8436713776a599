#!/usr/bin/env bash
# Installs what is missing, builds BacktraceDB (Release) and runs every Google
# Benchmark program under benchmarks/. Extra arguments go to each program
# (e.g. --benchmark_filter=Decode).
set -euo pipefail
cd "$(dirname "$0")"

./tools/install-deps.sh

build=build/release
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBACKTRACE_BUILD_TESTS=OFF > /dev/null
cmake --build "$build"

for program in "$build"/benchmarks/*_benchmark; do
  echo "== $(basename "$program")"
  "$program" "$@"
done
