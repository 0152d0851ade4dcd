#!/usr/bin/env bash
# Builds Release and runs the single-threaded face benchmark (about 1 minute
# with the defaults, 2 with --seconds=5; ~0.6 GB of RAM for the 1M-entry FaceIndex).
# Usage: bench/faces/run.sh [--seconds=2] [--images=8]
# Writes only to the build directory (BUILD_DIR, default build-faces).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD_DIR:-$repo/build-faces}"
# -Wno-error=restrict: GCC 12 at -O3 reports a false -Wrestrict inside
# std::string's operator+ (as bench/index/run.sh notes); Release only.
cmake -S "$repo" -B "$build" -G Ninja -DTDM_BENCH=ON -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS="-Wno-error=restrict" >/dev/null
if ! log="$(ninja -C "$build" -j"${JOBS:-1}" faces_bench 2>&1)"; then
  echo "$log" >&2
  exit 1
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(free -g | awk '/Mem:/ {print $2}') GiB RAM; load before run: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/faces/faces_bench" "$@"
