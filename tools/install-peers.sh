#!/usr/bin/env bash
# Installs the peer databases that BacktraceDB is measured against:
#   - Debian's sqlite3 and libsqlite3-dev (through tools/install-deps.sh, so
#     `apt-get update` runs only when something must be installed);
#   - DuckDB's native library libduckdb.so, from the npm package
#     @duckdb/node-bindings-linux-x64 (pinned below), into
#     build/peers/node_modules. tools/peers/duckdb_runner dlopen()s it; no
#     JavaScript runs. A no-op when the pinned version is already there.
# Prints the path of libduckdb.so on standard output (and nothing else).
set -euo pipefail
cd "$(dirname "$0")/.."

duckdb_package=@duckdb/node-bindings-linux-x64
duckdb_version=1.5.6-r.1   # DuckDB v1.5.6
prefix=build/peers

./tools/install-deps.sh sqlite3 libsqlite3-dev jq >&2

package_directory="$prefix/node_modules/$duckdb_package"
installed=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$package_directory/package.json" 2>/dev/null || true)
if [[ "$installed" != "$duckdb_version" || ! -f "$package_directory/libduckdb.so" ]]; then
  if ! command -v npm > /dev/null; then
    ./tools/install-deps.sh npm >&2
  fi
  echo "install-peers: installing $duckdb_package@$duckdb_version into $prefix" >&2
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "$duckdb_package@$duckdb_version" >&2
fi
if [[ ! -f "$package_directory/libduckdb.so" ]]; then
  echo "install-peers: $package_directory/libduckdb.so is missing after npm install" >&2
  exit 1
fi
echo "$(pwd)/$package_directory/libduckdb.so"
