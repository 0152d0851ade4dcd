#!/usr/bin/env bash
# Builds Release and runs the edit-set benchmark on dlib's johns photos, the
# ThreatExchange bridge photo and eight of scikit-image's sample photos (from
# Debian's python3-skimage; unpacked into the build dir if not installed).
# Usage: bench/edits/run.sh [extra edits_bench flags, e.g. --zoom-step=4]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD_DIR:-$repo/build-edits}"
cmake -S "$repo" -B "$build" -G Ninja -DTDM_BENCH=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j1 edits_bench >/dev/null

skimage="$(dpkg -L python3-skimage 2>/dev/null | grep '/skimage/data$' || true)"
if [[ -z "$skimage" ]]; then
  mkdir -p "$build/skimage" && cd "$build/skimage"
  ls python3-skimage_*.deb >/dev/null 2>&1 || apt-get download python3-skimage >/dev/null 2>&1
  dpkg -x python3-skimage_*.deb root
  skimage="$build/skimage/root/usr/lib/python3/dist-packages/skimage/data"
  cd - >/dev/null
fi
photos=("$repo"/.assets/johns/*/*.jpg "$repo/../shared/pdq-vectors/images/bridge-mods__aaa-orig.jpg")
for name in astronaut.png camera.png chelsea.png coffee.png motorcycle_left.png rocket.jpg \
  coins.png moon.png; do
  photos+=("$skimage/$name")
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(free -g | awk '/Mem:/ {print $2}') GiB RAM"
"$build/bench/edits/edits_bench" "$@" "${photos[@]}" 2> >(grep -v 'iCCP' >&2)
