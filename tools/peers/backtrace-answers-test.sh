#!/usr/bin/env bash
# peers_backtrace_answers_agree: generates 20,000 orders, loads them into
# BacktraceDB both ways (bulk through `backtrace ingest`, streaming through
# the producer pool) and into DuckDB (bulk), runs Q1-Q6 on the three
# databases (cold and one warm run) and checks with compare-answers.sh that
# every answer agrees, that the loads report every row, and that no answer
# is empty.
#   backtrace-answers-test.sh BIN_DIRECTORY LIBDUCKDB_PATH
set -euo pipefail
bin=$1
library=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rows=20000
# The data starts at 2024-01-01T00:00:00Z and spans about 20 s: Q2's hour
# and Q6's ten minutes start with it.
window_start=1704067200000000000
"$bin/orders_csv_generator" --rows $rows --seed 5 --output "$work/orders.csv"

"$bin/backtrace_runner" bulk-load "$work/backtracedb-bulk" "$work/orders.csv" > "$work/backtracedb-bulk.load"
"$bin/backtrace_runner" stream-load "$work/backtracedb-stream" "$work/orders.csv" --batch-rows 1000 \
  > "$work/backtracedb-stream.load"
"$bin/duckdb_runner" --library "$library" bulk-load "$work/duckdb.db" "$work/orders.csv" > "$work/duckdb.load"
for load in "$work"/*.load; do
  loaded=$(jq -r .rows "$load")
  if [[ $loaded != "$rows" ]]; then
    echo "FAIL: $(basename "$load") reports $loaded rows, expected $rows" >&2
    exit 1
  fi
done

for load in bulk stream; do
  "$bin/backtrace_runner" query "$work/backtracedb-$load" --repeat 1 --window-start $window_start \
    > "$work/backtracedb-$load.answers"
done
"$bin/duckdb_runner" --library "$library" query "$work/duckdb.db" --repeat 1 --window-start $window_start \
  > "$work/duckdb.answers"

bash "$here/compare-answers.sh" "$work"/*.answers
for query in Q1 Q2 Q3 Q4 Q5 Q6; do
  count=$(jq -r "select(.query == \"$query\") | .rows" "$work/backtracedb-stream.answers")
  if [[ $count -lt 1 ]]; then
    echo "FAIL: $query has $count rows; the check would be vacuous" >&2
    exit 1
  fi
  matches=$(jq -r "select(.query == \"$query\") | .cold_answer_matches_warm" "$work/backtracedb-bulk.answers")
  if [[ $matches != true ]]; then
    echo "FAIL: $query: BacktraceDB's cold answer differs from its warm one" >&2
    exit 1
  fi
done
echo "BacktraceDB answers agree with DuckDB's"
