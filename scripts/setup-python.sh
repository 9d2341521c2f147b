#!/usr/bin/env bash
# Prepare the model service's Python environment. Idempotent and fast when nothing changed.
#   - installs ffmpeg (apt-get) when ffprobe/ffmpeg are missing
#   - creates model-service/.venv (python3.11) when absent or broken
#   - pip-installs model-service/requirements.txt when it changed (hash stamp in .venv)
#   - with --ml, also model-service/requirements-ml.txt when present (own stamp)
# Usage: bash scripts/setup-python.sh [--ml]      env: PYTHON (default python3.11)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MS="$ROOT/model-service"
VENV="$MS/.venv"
WITH_ML=0

for arg in "$@"; do
  case "$arg" in
    --ml) WITH_ML=1 ;;
    -h | --help)
      sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup-python: unknown argument: $arg (expected --ml)" >&2
      exit 2
      ;;
  esac
done

say() { echo "[setup-python] $*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    say "need root to run: $* (no sudo found)"
    return 1
  fi
}

# Serialise concurrent runs (e.g. one model service per GPU started together).
if command -v flock >/dev/null 2>&1; then
  LOCK="${TMPDIR:-/tmp}/setup-python-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1).lock"
  exec 9>"$LOCK"
  flock 9
fi

# 1. ffmpeg / ffprobe
if ! command -v ffprobe >/dev/null 2>&1 || ! command -v ffmpeg >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    say "installing ffmpeg with apt-get"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
  else
    say "ffmpeg/ffprobe not found and apt-get is unavailable: install ffmpeg by hand"
    exit 1
  fi
fi

# 2. the virtual environment
pick_python() {
  if [ -n "${PYTHON:-}" ]; then
    echo "$PYTHON"
    return
  fi
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  say "Python >= 3.11 not found (set PYTHON=...)"
  exit 1
}

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c '' >/dev/null 2>&1; then
  PY="$(pick_python)"
  say "creating $VENV with $PY"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip
fi

# 3. requirements, each with its own stamp
install_requirements() {
  local req="$1" stamp="$2" want have=""
  want="$(cat "$req" | sha256sum | cut -d' ' -f1)"
  [ -f "$stamp" ] && have="$(cat "$stamp")"
  if [ "$want" != "$have" ]; then
    say "installing $(basename "$req")"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$req"
    echo "$want" >"$stamp"
  fi
}

install_requirements "$MS/requirements.txt" "$VENV/.requirements.sha256"

if [ "$WITH_ML" -eq 1 ]; then
  if [ -f "$MS/requirements-ml.txt" ]; then
    install_requirements "$MS/requirements-ml.txt" "$VENV/.requirements-ml.sha256"
  else
    say "--ml given but model-service/requirements-ml.txt does not exist; nothing more to install"
  fi
fi
