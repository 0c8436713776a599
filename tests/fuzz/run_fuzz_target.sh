#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time, starting from a copy of its
# seed corpus in a temporary directory (the seeds in the source tree are
# never written). Exits non-zero on any crash, sanitizer report, leak,
# timeout or out-of-memory; the input that caused it is kept as
# ARTIFACT_PREFIX<kind>-<sha1> and printed.
#
#   run_fuzz_target.sh BINARY SEED_DIRECTORY SECONDS ARTIFACT_PREFIX [DICTIONARY] [-- LIBFUZZER_ARGS...]
set -euo pipefail

binary=$1 seeds=$2 seconds=$3 artifacts=$4
shift 4
dictionary=""
if [[ $# -gt 0 && $1 != "--" ]]; then
  dictionary=$1
  shift
fi
[[ $# -gt 0 && $1 == "--" ]] && shift

work=$(mktemp -d "${TMPDIR:-/tmp}/backtrace-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/tmp" "$(dirname "$artifacts")"
cp "$seeds"/* "$work/corpus/"

arguments=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1
           -artifact_prefix="$artifacts-")
[[ -n $dictionary ]] && arguments+=(-dict="$dictionary")

# Temporary files of the target (WAL segments, tables) go under $work too.
status=0
TMPDIR="$work/tmp" "$binary" "${arguments[@]}" "$@" "$work/corpus" || status=$?
if [[ $status -ne 0 ]]; then
  echo "run_fuzz_target: $(basename "$binary") failed (exit $status); inputs kept:" >&2
  ls -l "$artifacts"-* >&2 2>/dev/null || true
fi
exit $status
