#!/usr/bin/env bash
# Starts the whole local stack in the foreground: a private Redis (AOF) unless REDIS_URL is set,
# one procedural model service unless MODEL_SERVICES is set, the dispatcher and the gateway.
# Ctrl-C or SIGTERM stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export DATA_DIR="${DATA_DIR:-$PWD/data}"
mkdir -p "$DATA_DIR"
log_dir="$DATA_DIR/logs"; mkdir -p "$log_dir"

# A local secret, made once and kept under DATA_DIR, so `npm run token` signs what the gateway accepts.
if [ -z "${JWT_SECRET:-}" ] && [ -z "${JWT_JWKS_URI:-}" ]; then
  secret_file="$DATA_DIR/jwt-secret"
  [ -s "$secret_file" ] || (umask 077; node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64url"))' > "$secret_file")
  export JWT_SECRET="$(cat "$secret_file")"
fi

pids=()
stop_all() {
  trap - EXIT INT TERM
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap stop_all EXIT

wait_for() { # name, command
  for _ in $(seq 1 300); do eval "$2" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "start: $1 did not come up; see $log_dir" >&2; exit 1
}

if [ -z "${REDIS_URL:-}" ]; then
  redis_port="${REDIS_PORT:-6390}"
  mkdir -p "$DATA_DIR/redis"
  redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$DATA_DIR/redis" \
    --appendonly yes --appendfsync everysec --save "" --daemonize no >"$log_dir/redis.log" 2>&1 &
  pids+=($!)
  export REDIS_URL="redis://127.0.0.1:$redis_port"
  wait_for redis "redis-cli -p $redis_port ping | grep -q PONG"
  echo "start: redis on $REDIS_URL (AOF under $DATA_DIR/redis)"
fi

if [ -z "${MODEL_SERVICES:-}" ]; then
  export MODEL_SERVICE_PORT="${MODEL_SERVICE_PORT:-9100}"
  bash scripts/model-service.sh >"$log_dir/model-service.log" 2>&1 &
  pids+=($!)
  export MODEL_SERVICES="http://127.0.0.1:$MODEL_SERVICE_PORT"
  wait_for "model service" "curl -sf $MODEL_SERVICES/health"
  echo "start: model service (${MODEL_BACKEND:-procedural}) on $MODEL_SERVICES"
fi

node dist/apps/dispatcher/src/main.js >"$log_dir/dispatcher.log" 2>&1 &
pids+=($!)
node dist/apps/gateway/src/main.js > >(tee "$log_dir/gateway.log") 2>&1 &
pids+=($!)
port="${PORT:-8080}"
wait_for gateway "curl -sf http://127.0.0.1:$port/health"

cat <<MSG

Video gateway is up on http://127.0.0.1:$port  (API docs: http://127.0.0.1:$port/docs)
  TOKEN=\$(npm run --silent token -- --sub alice)
  curl -s -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
       -d '{"prompt":"a red fox running through snow"}' http://127.0.0.1:$port/api/video/generate
Logs: $log_dir   Stop: Ctrl-C
MSG

# Stop everything as soon as any part exits.
wait -n "${pids[@]}"
status=$?
echo "start: a component exited (status $status); stopping the stack" >&2
exit "$status"
