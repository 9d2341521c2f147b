#!/usr/bin/env bash
# Installs whatever a fresh machine lacks: Debian packages (redis, ffmpeg), npm packages,
# the model service's Python environment, and the compiled apps. Safe to run again: each step
# is skipped when its inputs have not changed.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v ffprobe >/dev/null || need_apt+=(ffmpeg)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} from Debian's packages"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  # The Debian package starts a system-wide redis on 6379; our scripts run their own.
  if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then $SUDO systemctl stop redis-server || true; fi
fi

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.install-stamp ] || [ "$(cat node_modules/.install-stamp)" != "$lock_hash" ]; then
  echo "setup: installing npm packages"
  # npm 11 rejects lockfiles listing other platforms' optional binaries (REFERENCE.md §4); npm 10 does not.
  npx --yes npm@10 ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.install-stamp
fi

bash scripts/setup-python.sh "$@"

src_hash=$(find apps libs scripts bench -name '*.ts' -not -name '*.spec.ts' -print0 2>/dev/null | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
src_hash="$src_hash-$(sha256sum tsconfig.json tsconfig.build.json | sha256sum | cut -d' ' -f1)"
if [ ! -f dist/.build-stamp ] || [ "$(cat dist/.build-stamp)" != "$src_hash" ]; then
  echo "setup: compiling TypeScript"
  rm -rf dist
  npm run --silent build
  echo "$src_hash" > dist/.build-stamp
fi
