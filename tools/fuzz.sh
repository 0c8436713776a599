#!/usr/bin/env bash
# Runs one fuzz target (tests/fuzz/<target>_fuzz.cc) for longer than
# ./test.sh does, keeping what it learns:
#
#   tools/fuzz.sh TARGET [SECONDS] [LIBFUZZER_ARGS...]
#
# TARGET is one of frame, process_message, wal_replay, column_file, sql, csv
# (default SECONDS: 300). Builds build/fuzz with clang-14 if needed. The
# corpus grows in build/fuzz/corpus/TARGET, starting from the seeds in
# tests/fuzz/corpus/TARGET (never written). An input that makes the target
# fail is kept as build/fuzz/fuzz-artifacts/TARGET-<kind>-<sha1>; once the
# bug is fixed, add it to tests/fuzz/corpus/TARGET/ as regression-<what>.
# Extra arguments go to libFuzzer, e.g. -jobs=2 or -only_ascii=1.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 1 ]]; then
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
target=$1
seconds=${2:-300}
shift $(( $# >= 2 ? 2 : 1 ))

if [[ ! -f tests/fuzz/${target}_fuzz.cc ]]; then
  echo "fuzz.sh: no target '$target' (tests/fuzz/${target}_fuzz.cc)" >&2
  exit 2
fi

build=build/fuzz
if [[ ! -f $build/CMakeCache.txt ]]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DBACKTRACE_FUZZ=ON -DBACKTRACE_BUILD_BENCHMARKS=OFF > /dev/null
fi
cmake --build "$build" -j2 --target "${target}_fuzz"

corpus=$build/corpus/$target
mkdir -p "$corpus" "$build/fuzz-artifacts"
arguments=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1
           -artifact_prefix="$build/fuzz-artifacts/$target-")
[[ -f tests/fuzz/$target.dict ]] && arguments+=(-dict="tests/fuzz/$target.dict")

scratch=$(mktemp -d "${TMPDIR:-/tmp}/backtrace-fuzz-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
TMPDIR=$scratch "$build/tests/fuzz/${target}_fuzz" "${arguments[@]}" "$@" \
  "$corpus" "tests/fuzz/corpus/$target"
