#!/usr/bin/env bash
# The first command of the README: install what is missing, build, start the
# local stack, and run the demo end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
TDM=build/cli/tdm
# The demo forum is served from 127.0.0.1, which no RDAP registry describes:
# its notices go to the contact the demo sets, and nothing leaves this machine.
export TDM_RDAP_URL="${TDM_RDAP_URL:-off}"
"$TDM" up
"$TDM" demo
echo
echo "The stack is still running: build/cli/tdm status | build/cli/tdm down"
