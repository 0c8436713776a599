#!/usr/bin/env bash
# Installs what is missing, builds BacktraceDB (Release) and runs it: starts
# backtraced with config/backtraced.toml (data and sockets under ./var), and
# on the first start creates the table `orders` and loads 1,000,000
# generated rows into it with `backtrace ingest`. It runs one example query,
# prints the socket paths, the metrics address and example commands, and
# keeps the daemon in the foreground until Ctrl-C, which stops it cleanly. A
# second ./run.sh reuses the data and skips the load.
set -euo pipefail
cd "$(dirname "$0")"

./tools/install-deps.sh

build=build/release
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBACKTRACE_BUILD_TESTS=OFF > /dev/null
cmake --build "$build" --target backtraced backtrace-worker backtrace

bin="$build/bin"
config=config/backtraced.toml
run_dir=./var/run           # run_dir in $config
socket="$run_dir/ingest.sock"
loaded_marker=./var/orders-loaded
rows=1000000
export BACKTRACE_RUN_DIR="$run_dir"

# The daemon gets its own session so that Ctrl-C reaches only this script,
# which then asks the daemon to stop with one SIGTERM.
setsid "$bin/backtraced" --config "$config" &
daemon=$!
generated=""

# Stops the daemon (one SIGTERM: it finishes what it received, persists its
# hot blocks and exits) and waits for it; sets daemon_status.
daemon_status=0
stop_daemon() {
  [[ -n "$generated" ]] && rm -f "$generated"
  if kill -0 "$daemon" 2>/dev/null; then
    echo "run.sh: stopping backtraced (pid $daemon)" >&2
    kill -TERM "$daemon" 2>/dev/null || true
  fi
  daemon_status=0
  wait "$daemon" 2>/dev/null || daemon_status=$?
}
on_signal() {
  trap - INT TERM EXIT
  stop_daemon
  exit "$daemon_status"
}
trap on_signal INT TERM
# Any other way out (a failed step) stops the daemon too.
trap 'status=$?; trap - EXIT; stop_daemon; exit $status' EXIT

# Ready when the ingest socket answers.
ready=0
for _ in $(seq 1 600); do
  if ! kill -0 "$daemon" 2>/dev/null; then
    echo "run.sh: backtraced exited during start-up (see its messages above)" >&2
    exit 1
  fi
  if [[ -S "$socket" ]] && "$bin/backtrace" tables > /dev/null 2>&1; then
    ready=1
    break
  fi
  sleep 0.1
done
if [[ $ready -ne 1 ]]; then
  echo "run.sh: backtraced did not open $socket within 60 s" >&2
  exit 1
fi

# The load is resumable: with a fixed --producer, a load that was cut short
# is completed by the next ./run.sh, and no row is stored twice.
if [[ ! -e "$loaded_marker" ]]; then
  "$bin/backtrace" create-table orders \
    --columns ts:timestamp,symbol:string,price:float64,qty:int64 \
    --time-column ts --sort-key symbol,ts
  generated=$(mktemp --tmpdir backtrace-orders.XXXXXX.csv)
  echo "run.sh: generating $rows orders rows and loading them into table orders" >&2
  "$bin/backtrace" gen orders --rows "$rows" --seed 1 > "$generated"
  "$bin/backtrace" ingest orders "$generated" --producer 1
  rm -f "$generated"
  generated=""
  touch "$loaded_marker"
else
  echo "run.sh: table orders was loaded by an earlier run; reusing ./var" >&2
fi

query_socket="$run_dir/query.sock"
ohlcv="SELECT first(price) AS open, max(price) AS high, min(price) AS low, last(price) AS close, sum(qty) AS volume FROM orders WHERE symbol = 'BTC' SAMPLE BY 1m"
vwap="SELECT symbol, sum(price * qty) / sum(qty) AS vwap, count(*) AS trades FROM orders GROUP BY symbol ORDER BY symbol"
scan="SELECT ts, symbol, price, qty FROM orders WHERE symbol = 'ETH' AND ts BETWEEN '2024-01-01T00:05:00Z' AND '2024-01-01T00:05:02Z' ORDER BY ts LIMIT 10"

echo >&2
echo "run.sh: one of the example queries, VWAP per symbol (first rows):" >&2
"$bin/backtrace" query --format table "$vwap" | head -n 8 || true

cat >&2 <<EOF

backtraced is running (pid $daemon), data in ./var/data.
Ingest socket: $socket
Query socket:  $query_socket
Metrics:       http://127.0.0.1:9470/metrics

From another terminal, in this directory:
  $bin/backtrace status
  $bin/backtrace tables
  $bin/backtrace query "$ohlcv"
  $bin/backtrace query "$vwap"
  $bin/backtrace query --stats "$scan"
  $bin/backtrace gen orders --rows 100000 --seed 2 | $bin/backtrace ingest orders
Press Ctrl-C to stop the daemon.
EOF

# `wait` returns early when a trapped signal arrives; on_signal then exits.
status=0
wait "$daemon" || status=$?
trap - EXIT
echo "run.sh: backtraced exited by itself with status $status" >&2
exit "$status"
