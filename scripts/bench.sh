#!/usr/bin/env bash
# `npm run bench`: builds, then runs every benchmark in one go and prints their tables.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
exec node dist/bench/run.js "$@"
