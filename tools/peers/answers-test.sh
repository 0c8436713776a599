#!/usr/bin/env bash
# peers_answers_agree: generates 200,000 orders, loads them into DuckDB and
# SQLite both ways (bulk and streaming), runs Q1-Q6 on all four databases
# and checks that every answer agrees, that Q1 and Q2 match counts computed
# from the CSV with awk, and that no answer is empty.
#   answers-test.sh BIN_DIRECTORY LIBDUCKDB_PATH
set -euo pipefail
bin=$1
library=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rows=200000
# The data starts at 2024-01-01T00:00:00Z and spans about 200 s: the windows
# start a minute in.
window_start=$((1704067200000000000 + 60000000000))
"$bin/orders_csv_generator" --rows $rows --seed 3 --output "$work/orders.csv"

for system in duckdb sqlite; do
  runner=("$bin/${system}_runner")
  if [[ $system == duckdb ]]; then
    runner+=(--library "$library")
  fi
  "${runner[@]}" bulk-load "$work/$system-bulk.db" "$work/orders.csv" > "$work/$system-bulk.load"
  "${runner[@]}" stream-load "$work/$system-stream.db" "$work/orders.csv" --batch-rows 10000 \
    > "$work/$system-stream.load"
  for load in bulk stream; do
    loaded=$(jq -r .rows "$work/$system-$load.load")
    if [[ $loaded != "$rows" ]]; then
      echo "FAIL: $system $load load reports $loaded rows, expected $rows" >&2
      exit 1
    fi
    "${runner[@]}" query "$work/$system-$load.db" --repeat 1 --cold fadvise \
      --window-start $window_start > "$work/$system-$load.answers"
  done
done

bash "$here/compare-answers.sh" "$work"/*.answers

# An oracle that shares no code with either system.
read -r q1 q2_count q2_sum < <(awk -F, -v start=$window_start '
  NR > 1 && $2 == "BTC" && $4 > 100 && $3 > 45000 { q1++ }
  NR > 1 && $1 >= start && $1 < start + 3600000000000 { count++; sum += $4 }
  END { printf "%d %d %d\n", q1, count, sum }' "$work/orders.csv")
answer() { jq -c "select(.query == \"$1\") | .result[0]" "$work/duckdb-bulk.answers"; }
if [[ $(answer Q1) != "[$q1]" || $(answer Q2) != "[$q2_count,$q2_sum]" ]]; then
  echo "FAIL: Q1 $(answer Q1) Q2 $(answer Q2), awk computes Q1 [$q1] Q2 [$q2_count,$q2_sum]" >&2
  exit 1
fi
for query in Q1 Q2 Q3 Q4 Q5 Q6; do
  count=$(jq -r "select(.query == \"$query\") | .rows" "$work/sqlite-stream.answers")
  if [[ $count -lt 1 || ( $query == Q6 && $count -lt 1000 ) ]]; then
    echo "FAIL: $query has $count rows; the check would be vacuous" >&2
    exit 1
  fi
done
echo "peers answers agree: Q1=$q1 Q2=[$q2_count,$q2_sum]"
