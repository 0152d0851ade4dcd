#!/usr/bin/env bash
# Builds bench_index in Release and runs it: linear scan vs tdm PdqIndex vs
# faiss IndexBinaryMultiHash at 1M and 10M PDQ hashes (about 10 minutes and
# 3 GB of RAM on a 2-core machine). Extra arguments go to bench_index, e.g.
#   bench/index/run.sh --sizes=1000000 --queries=200
# Writes only to the build directory (BUILD_DIR, default build-index).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${BUILD_DIR:-$repo/build-index}"

if [[ ! -f /usr/lib/x86_64-linux-gnu/cmake/faiss/faiss-config.cmake ]]; then
  apt-get -o DPkg::Lock::Timeout=900 install -y libfaiss-dev
fi
# -Wno-error=restrict: GCC 12 at -O3 can report a false -Wrestrict inside
# std::string::insert (seen once in common/src/url.cc, since rewritten); Release only.
cmake -S "$repo" -B "$build" -G Ninja -DTDM_BENCH=ON -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS="-Wno-error=restrict" >/dev/null
ninja -C "$build" -j"${JOBS:-1}" bench_index

echo "# $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(free -g | awk '/Mem:/ {print $2}') GB RAM"
"$build/bench/index/bench_index" "$@"
