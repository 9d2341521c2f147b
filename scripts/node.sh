#!/usr/bin/env bash
# Runs a compiled script after making sure the build is current.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
exec node "$@"
