#!/usr/bin/env bash
# Installs the Debian packages that BacktraceDB needs to build, test and run.
# A no-op when every package is already installed; runs `apt-get update` only
# when something must be installed. Extra package names may be given as
# arguments (benchmark.sh adds the peers it measures against).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang clang-14 libclang-rt-14-dev
  libuv1-dev libflatbuffers-dev flatbuffers-compiler librocksdb-dev
  libzstd-dev prometheus-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  libsystemd-dev libtomlplusplus-dev libcli11-dev
  "$@"
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
