#!/usr/bin/env bash
# Compares the query answers in JSON-lines files written by the peer runners'
# `query` command (any number of files, any systems): for every query name,
# every answer must have the same row count and the same cells, numbers
# within a relative tolerance (sums of doubles depend on summation order),
# and answers too long to print whole (reported as head, tail and digest)
# must have the same digest. Prints one line per query; exits 1 on any
# mismatch, 2 on a usage error.
#   compare-answers.sh [--tolerance 1e-9] FILE...
set -euo pipefail

tolerance=1e-9
if [[ "${1:-}" == "--tolerance" ]]; then
  tolerance=$2
  shift 2
fi
if [[ $# -lt 1 ]]; then
  echo "usage: compare-answers.sh [--tolerance T] FILE..." >&2
  exit 2
fi

report=$(jq -n -r --argjson tolerance "$tolerance" '
  def near($a; $b):
    if ($a | type) == "number" and ($b | type) == "number"
    then (($a - $b) | fabs) <= $tolerance * ([($a | fabs), ($b | fabs), 1] | max)
    else $a == $b end;
  def rows_near($x; $y):
    ($x | length) == ($y | length) and
    ([range(0; $x | length) as $i |
      ($x[$i] | length) == ($y[$i] | length) and
      ([range(0; $x[$i] | length) as $j | near($x[$i][$j]; $y[$i][$j])] | all)] | all);
  def agree($a; $b):
    $a.rows == $b.rows and
    (if $a.result != null and $b.result != null then rows_near($a.result; $b.result)
     else $a.digest == $b.digest and rows_near($a.head; $b.head) and rows_near($a.tail; $b.tail) end);
  def who: "\(.system) \(.database)";
  [inputs | select(.command == "query" and .query != null)] as $answers
  | if ($answers | length) == 0 then "MISMATCH no query answers found" else
      ($answers | group_by(.query))[] as $group
      | $group[0] as $first
      | [$group[1:][] | select(agree($first; .) | not)] as $different
      | if ($different | length) == 0
        then "ok \($first.query): \($group | length) answers agree (\($first.rows) rows)"
        else "MISMATCH \($first.query): \($first | who) (\($first.rows) rows, digest \($first.digest)) differs from " +
             ([$different[] | "\(who) (\(.rows) rows, digest \(.digest))"] | join(", "))
        end
    end
' "$@")
echo "$report"
if grep -q '^MISMATCH' <<<"$report"; then
  exit 1
fi
