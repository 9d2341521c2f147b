#!/usr/bin/env bash
# Fuzzes the gateway's OpenAPI document (/docs-json) with schemathesis against a real stack (Redis, one
# procedural model service, dispatcher, gateway) and fails on any 5xx. Installs schemathesis into a cached
# venv (.cache/schemathesis-venv) the first time. Bounded: FUZZ_MAX_EXAMPLES per operation (default 25)
# and FUZZ_MAX_SECONDS of fuzzing (default 120), so the whole check takes about 2.5 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

SCHEMATHESIS_VERSION=4.32.5
VENV=.cache/schemathesis-venv
MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-25}
MAX_SECONDS=${FUZZ_MAX_SECONDS:-120}

say() { echo "[fuzz] $*" >&2; }

if [ ! -x "$VENV/bin/schemathesis" ] || [ "$("$VENV/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
  say "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

bash scripts/setup.sh >&2 # compiled apps and the model service's venv, when missing or stale

work=$(mktemp -d)
launcher_pid=""
cleanup() {
  if [ -n "$launcher_pid" ] && kill -0 "$launcher_pid" 2>/dev/null; then
    kill -TERM "$launcher_pid" 2>/dev/null || true
    wait "$launcher_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

node dist/scripts/checks/fuzz-stack.js "$work/ready" >"$work/launcher.log" 2>&1 &
launcher_pid=$!
for _ in $(seq 1 240); do
  [ -s "$work/ready" ] && break
  kill -0 "$launcher_pid" 2>/dev/null || { cat "$work/launcher.log" >&2; say "the stack did not start"; exit 1; }
  sleep 0.5
done
[ -s "$work/ready" ] || { cat "$work/launcher.log" >&2; say "the stack did not start in 120 s"; exit 1; }
read -r base_url token _admin_token log_dir <"$work/ready"
say "stack up at $base_url; fuzzing $base_url/docs-json (max $MAX_EXAMPLES examples per operation, $MAX_SECONDS s)"

status=0
# Run from the scratch directory: schemathesis keeps its example database in ./.schemathesis.
(cd "$work" && "$ROOT/$VENV/bin/schemathesis" run "$base_url/docs-json" \
  --url "$base_url" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error \
  --max-examples "$MAX_EXAMPLES" \
  --max-time "$MAX_SECONDS" \
  --phases examples,coverage,fuzzing \
  --seed 20261121 \
  --workers 2 \
  --request-timeout 10 \
  --suppress-health-check all \
  --warnings off \
  --no-color) || status=$?

if [ "$status" -ne 0 ]; then
  say "schemathesis found server errors (exit $status); what the gateway logged about them:"
  grep -E 'unhandled error|"statusCode":5' "$log_dir/gateway.log" | cut -c1-400 | tail -n 12 >&2 || true
  exit "$status"
fi
say "no 5xx"
