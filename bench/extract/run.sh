#!/usr/bin/env bash
# Builds Release and runs the single-threaded extraction benchmark on core 0
# (about half a minute): tdm's ExtractLinks against Gumbo's parse and the
# Gumbo-based reference, on 1,999 generated forum pages (bench/crawl's
# generator) and on hostile 16 MiB documents.
# Usage: bench/extract/run.sh   (BUILD_DIR, default build-extract)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD_DIR:-$repo/build-extract}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# -Wno-error=restrict: GCC 12 at -O3 reports a false -Wrestrict inside
# std::string's operator+ (as bench/faces/run.sh notes); Release only.
cmake -S "$repo" -B "$build" -G Ninja -DTDM_BENCH=ON -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS="-Wno-error=restrict" >/dev/null
if ! log="$(ninja -C "$build" -j"${JOBS:-1}" extract_bench 2>&1)"; then
  echo "$log" >&2
  exit 1
fi
/usr/bin/python3 "$repo/bench/crawl/gen_site.py" "$tmp/site" --pages 2000 >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(free -g | awk '/Mem:/ {print $2}') GiB RAM; load before run: $(cut -d' ' -f1-3 /proc/loadavg)"
taskset -c 0 "$build/bench/extract/extract_bench" "$tmp/site"
