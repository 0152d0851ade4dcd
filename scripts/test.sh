#!/usr/bin/env bash
# The second command of the README: the same set-up, then every test (unit and
# integration; integration tests start their own stack in a temporary home).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd build
ctest --output-on-failure -j2 "$@"
