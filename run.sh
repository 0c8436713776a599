#!/usr/bin/env bash
# Installs what is missing, builds BacktraceDB (Release) and shows it working.
# The daemon does not exist yet: for now this runs the column-file benchmark
# on a generated orders table and prints encode/decode speed and compressed
# size per column.
set -euo pipefail
cd "$(dirname "$0")"

./tools/install-deps.sh

build=build/release
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBACKTRACE_BUILD_TESTS=OFF > /dev/null
cmake --build "$build" --target column_file_benchmark

"$build/benchmarks/column_file_benchmark" --benchmark_min_time=0.2 "$@"
