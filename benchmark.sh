#!/usr/bin/env bash
# Measures BacktraceDB against DuckDB and SQLite on the same generated orders
# table, then runs the Google Benchmark programs (the kernels).
#
#   ./benchmark.sh [--rows N] [--skip-kernels] [-- BENCHMARK_ARGS...]
#
# 1. Installs what is missing (tools/install-deps.sh, tools/install-peers.sh)
#    and builds Release with the peer runners (build/release, 2 jobs).
# 2. Generates the CSV once per row count (`backtrace gen orders --rows N`,
#    10,000,000 by default) into build/benchmark/.
# 3. For each system (tools/peers: backtrace_runner, duckdb_runner,
#    sqlite_runner): bulk load, streaming load (10,000-row durable batches),
#    Q1-Q6 on the bulk-loaded database (cold after fadvise DONTNEED of its
#    files and a restart, then 5 warm runs), its size and peak memory.
# 4. Checks that every system gives the same answers (compare-answers.sh);
#    stops with the differences when they do not.
# 5. Prints one table (every figure per system and BacktraceDB / DuckDB) and
#    writes it with the raw figures to build/benchmark/results-<commit>-<date>.json
#    and build/benchmark/results-latest.json. Each step's raw JSON lines stay
#    in build/benchmark/<commit>-<date>/.
# 6. Unless --skip-kernels, runs every program under build/release/benchmarks
#    (arguments after -- go to each, e.g. --benchmark_filter=Decode).
set -euo pipefail
cd "$(dirname "$0")"

rows=10000000
kernels=1
kernel_arguments=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --rows) rows=$2; shift 2 ;;
    --skip-kernels) kernels=0; shift ;;
    --) shift; kernel_arguments=("$@"); break ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "benchmark.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if ! [[ $rows =~ ^[1-9][0-9]*$ ]]; then
  echo "benchmark.sh: --rows needs a positive integer" >&2
  exit 2
fi

./tools/install-deps.sh
library=$(./tools/install-peers.sh)

build=build/release
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBACKTRACE_BUILD_PEERS=ON > /dev/null
targets=(backtraced backtrace-worker backtrace backtrace_runner duckdb_runner sqlite_runner orders_csv_generator)
cmake --build "$build" -j2 --target "${targets[@]}"
bin=$(pwd)/$build/bin

out=build/benchmark
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then commit="$commit-dirty"; fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)
raw=$out/$commit-$stamp
work=$out/databases
mkdir -p "$raw" "$work"

csv=$out/orders-$rows.csv
if [[ ! -s $csv ]]; then
  echo "== generating $rows orders into $csv"
  "$bin/backtrace" gen orders --rows "$rows" > "$csv.partial"
  mv "$csv.partial" "$csv"
fi
# Q2's hour and Q6's ten minutes start a quarter into the data (at most an
# hour in), so that both select rows whatever the row count.
first_ts=$(sed -n 2p "$csv" | cut -d, -f1)
last_ts=$(tail -n 1 "$csv" | cut -d, -f1)
span=$(( last_ts - first_ts ))
offset=$(( span / 4 < 3600000000000 ? span / 4 : 3600000000000 ))
window_start=$(( first_ts + offset ))

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
run() {  # run SYSTEM STEP ARGS...: one runner command, its lines kept in $raw
  local system=$1 step=$2
  shift 2
  local runner=("$bin/${system}_runner")
  [[ $system == duckdb ]] && runner+=(--library "$library")
  echo "== $system $step ($(cut -d' ' -f1-3 /proc/loadavg))" >&2
  "${runner[@]}" "$@" > "$raw/$system-$step.jsonl"
}
for system in backtrace duckdb sqlite; do
  rm -rf "$work/$system-bulk" "$work/$system-stream" "$work/$system-bulk.db"* "$work/$system-stream.db"*
  database=$work/$system-bulk
  stream_database=$work/$system-stream
  if [[ $system != backtrace ]]; then database+=.db; stream_database+=.db; fi
  run $system bulk-load bulk-load "$database" "$csv"
  run $system stream-load stream-load "$stream_database" "$csv" --batch-rows 10000
  run $system query query "$database" --repeat 5 --cold fadvise --window-start "$window_start"
  run $system size size "$database"
  rm -rf "$stream_database" "$stream_database".wal "$stream_database"-wal "$stream_database"-shm
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo "== comparing answers"
if ! bash tools/peers/compare-answers.sh "$raw"/*-query.jsonl; then
  echo "benchmark.sh: the systems' answers differ (above); raw lines in $raw" >&2
  exit 1
fi

meta=$(jq -n --arg commit "$commit" --arg date "$stamp" --argjson rows "$rows" \
  --argjson window_start "$window_start" --arg csv "$csv" \
  --arg cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
  --argjson cores "$(nproc)" \
  --argjson memory "$(awk '/^MemTotal/ {printf "%.0f", $2 * 1024}' /proc/meminfo)" \
  --arg kernel "$(uname -r)" --arg load_before "$load_before" --arg load_after "$load_after" \
  '{commit: $commit, date: $date, rows: $rows, window_start: $window_start, csv: $csv,
    machine: {cpu: $cpu, cores: $cores, memory_bytes: $memory, kernel: $kernel},
    load_average: {before: $load_before, after: $load_after}}')
results=$out/results-$commit-$stamp.json
cat "$raw"/*.jsonl | jq -s --argjson meta "$meta" -f tools/peers/collect-results.jq > "$results"
cp "$results" "$out/results-latest.json"

echo
echo "$rows rows, commit $commit, $(nproc) cores, load average $load_before before, $load_after after"
jq -r -f tools/peers/results-table.jq "$results" | awk -F '\t' '
  { for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > width[i]) width[i] = length($i) } if (NF > n) n = NF }
  END { for (r = 1; r <= NR; r++) { line = sprintf("%-" width[1] "s", cell[r, 1])
          for (i = 2; i <= n; i++) line = line sprintf("  %" width[i] "s", cell[r, i])
          print line } }'
echo "written: $results (raw lines in $raw)"

if [[ $kernels == 1 ]]; then
  kernel_targets=()
  for source in benchmarks/*_benchmark.cc; do kernel_targets+=("$(basename "$source" .cc)"); done
  cmake --build "$build" -j2 --target "${kernel_targets[@]}"
  for program in "$build"/benchmarks/*_benchmark; do
    echo "== $(basename "$program")"
    "$program" "${kernel_arguments[@]}"
  done
fi
