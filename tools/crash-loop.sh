#!/usr/bin/env bash
# The long form of the crash loop (tests/crash/crash_loop_test.cc): runs it
# for CYCLES cycles (default 1000) on the sanitizer build that ./test.sh
# makes, and prints its tally. A seed replays the same random moments.
#   tools/crash-loop.sh [CYCLES] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-1000}
build=build/sanitize
if [[ ! -x "$build/tests/crash_crash_loop_test" ]]; then
  echo "crash-loop.sh: $build/tests/crash_crash_loop_test is missing; run ./test.sh first" >&2
  exit 2
fi
export BACKTRACE_CRASH_CYCLES="$cycles"
if [[ $# -ge 2 ]]; then export BACKTRACE_CRASH_SEED="$2"; fi
exec "$build/tests/crash_crash_loop_test"
