#!/usr/bin/env bash
# The OpenAPI document the gateway serves (/docs-json) lints clean with Redocly CLI (rules: redocly.yaml).
# Starts its own Redis and gateway on free loopback ports (no model services needed) and stops them by pid.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup.sh >/dev/null

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
redis_port=$(free_port)
gateway_port=$(free_port)

redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
PORT=$gateway_port HOST=127.0.0.1 REDIS_URL="redis://127.0.0.1:$redis_port" DATA_DIR="$work/data" \
  JWT_SECRET=openapi-check-secret-0123456789 LOG_LEVEL=warn MODELS= \
  node dist/apps/gateway/src/main.js >"$work/gateway.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 150); do
  if curl -sf "http://127.0.0.1:$gateway_port/docs-json" -o "$work/openapi.json"; then break; fi
  if ! kill -0 "${pids[1]}" 2>/dev/null; then cat "$work/gateway.log" >&2; echo "openapi: the gateway exited" >&2; exit 1; fi
  sleep 0.2
done
[ -s "$work/openapi.json" ] || { cat "$work/gateway.log" >&2; echo "openapi: no /docs-json within 30 s" >&2; exit 1; }

operations=$(node -e "const d=require('$work/openapi.json'); let n=0; for (const p of Object.values(d.paths)) n+=Object.keys(p).length; console.log(n)")
echo "openapi: linting $operations operations from /docs-json"
status=0
npx --no-install redocly lint --config redocly.yaml --format=stylish --max-problems 200 "$work/openapi.json" >"$work/lint.log" 2>&1 || status=$?
# Redocly's banner about Node.js versions and npm's config warnings are noise here.
grep -v -e '^\s*$' -e '║' -e '╔' -e '╚' -e 'Unknown user config' "$work/lint.log" || true
exit "$status"
