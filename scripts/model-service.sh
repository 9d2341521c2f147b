#!/usr/bin/env bash
# Start one model service process (one per GPU). Used as `npm run model-service`.
# Env: MODEL_SERVICE_HOST (127.0.0.1), MODEL_SERVICE_PORT (9100), MODEL_BACKEND (procedural),
#      MODEL_NAME (easyanimate-v5.1-12b), SIMULATED_VRAM_GB (24), MODEL_PATH, LOG_LEVEL (info),
#      MODEL_OUTPUT_DIR (${DATA_DIR:-./data}/model-service-<port>), SKIP_PYTHON_SETUP=1 to skip
#      scripts/setup-python.sh. See model-service/README.md for the rest.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

export MODEL_SERVICE_HOST="${MODEL_SERVICE_HOST:-127.0.0.1}"
export MODEL_SERVICE_PORT="${MODEL_SERVICE_PORT:-9100}"
export MODEL_BACKEND="${MODEL_BACKEND:-procedural}"
export MODEL_NAME="${MODEL_NAME:-easyanimate-v5.1-12b}"
export SIMULATED_VRAM_GB="${SIMULATED_VRAM_GB:-24}"
export LOG_LEVEL="${LOG_LEVEL:-info}"

DATA_DIR="${DATA_DIR:-./data}"
case "$DATA_DIR" in /*) ;; *) DATA_DIR="$PWD/${DATA_DIR#./}" ;; esac
export DATA_DIR
export MODEL_OUTPUT_DIR="${MODEL_OUTPUT_DIR:-$DATA_DIR/model-service-$MODEL_SERVICE_PORT}"
case "$MODEL_OUTPUT_DIR" in /*) ;; *) MODEL_OUTPUT_DIR="$PWD/${MODEL_OUTPUT_DIR#./}" ;; esac
if [ -n "${MODEL_PATH:-}" ]; then
  case "$MODEL_PATH" in /*) ;; *) MODEL_PATH="$PWD/${MODEL_PATH#./}" ;; esac
  export MODEL_PATH
fi

if [ "${SKIP_PYTHON_SETUP:-0}" != "1" ]; then
  if [ "$MODEL_BACKEND" = "procedural" ]; then
    bash "$ROOT/scripts/setup-python.sh"
  else
    bash "$ROOT/scripts/setup-python.sh" --ml
  fi
fi

cd "$ROOT/model-service"
exec .venv/bin/python -m app.main "$@"
