#!/usr/bin/env bash
# The first command of the README: install what is missing, build, start the
# local stack, and run the demo end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
TDM=build/cli/tdm
"$TDM" up
"$TDM" demo
echo
echo "The stack is still running: build/cli/tdm status | build/cli/tdm down"
