#!/usr/bin/env bash
# Builds Release and runs the single-threaded decode + PDQ benchmark.
# Usage: bench/pdq/run.sh [--images=60] [--seconds=2]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD_DIR:-$repo/build-edits}"
cmake -S "$repo" -B "$build" -G Ninja -DTDM_BENCH=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j1 pdq_bench >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(free -g | awk '/Mem:/ {print $2}') GiB RAM; load before run: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/pdq/pdq_bench" "$@"
