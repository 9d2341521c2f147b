#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, then unit tests (jest, pytest with the
# real ML backends on tiny pipelines), the end-to-end suites against real processes, and every check in
# scripts/checks/ (deployment files, metrics, OpenAPI lint, fuzzing).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
section() { printf '\n=== %s (%ss)\n' "$1" "$(( $(date +%s) - started ))"; }

section "setup"
bash scripts/setup.sh --ml

section "typecheck"
npx tsc -p tsconfig.json --noEmit

section "unit tests (jest)"
node --experimental-vm-modules node_modules/jest/bin/jest.js --silent

section "model service (pytest, ruff)"
(cd model-service && .venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/python -m pytest -q -p no:cacheprovider)

section "end-to-end (real Redis, model services, gateway, dispatcher)"
node --experimental-vm-modules node_modules/jest/bin/jest.js -c jest.e2e.config.js

for check in scripts/checks/*.sh; do
  [ -e "$check" ] || continue
  section "check: $(basename "$check" .sh)"
  bash "$check"
done

section "all tests passed"
