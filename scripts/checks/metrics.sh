#!/usr/bin/env bash
# `promtool check metrics` on live scrapes of the gateway and the dispatcher.
#
# Starts a private stack on free loopback ports (Redis, one procedural model service, the compiled
# dispatcher and gateway from dist/), runs one job and a few failing requests so the labelled series
# exist, scrapes /metrics and /actuator/prometheus of both apps, lints every scrape with promtool
# (Debian's `prometheus` package, installed if missing) and checks that together they export every
# metric the Grafana dashboard (docker/grafana/dashboard.json) reads. Stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/../.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }
if ! command -v promtool >/dev/null; then
  echo "metrics: installing promtool (Debian package prometheus)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  # The package starts a Prometheus server where systemd runs; this check does not need one.
  if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then as_root systemctl stop prometheus || true; fi
fi
if [ ! -f dist/apps/gateway/src/main.js ] || [ ! -f dist/apps/dispatcher/src/main.js ] || [ ! -x model-service/.venv/bin/python ]; then
  bash scripts/setup.sh
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/videogw-metrics-check.XXXXXX")
pids=()
cleanup() {
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "metrics: FAIL: $*" >&2
  for log in "$work"/*.log; do echo "--- $(basename "$log") (last lines)" >&2; tail -n 15 "$log" >&2 || true; done
  exit 1
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # name url [seconds]
  for _ in $(seq 1 $((${3:-30} * 10))); do curl -sf -o /dev/null "$2" && return 0; sleep 0.1; done
  fail "$1 did not come up at $2"
}

redis_port=$(free_port); model_port=$(free_port); gateway_port=$(free_port); dispatcher_port=$(free_port)
gateway="http://127.0.0.1:$gateway_port"; dispatcher="http://127.0.0.1:$dispatcher_port"

redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work" --save '' --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
(cd model-service && MODEL_SERVICE_HOST=127.0.0.1 MODEL_SERVICE_PORT="$model_port" MODEL_BACKEND=procedural \
  MODEL_NAME=easyanimate-v5.1-12b SIMULATED_VRAM_GB=24 PROCEDURAL_STEP_DELAY_MS=5 MODEL_OUTPUT_DIR="$work/model-output" \
  LOG_LEVEL=warning exec .venv/bin/python -m app.main) >"$work/model-service.log" 2>&1 &
pids+=($!)

export NODE_ENV=test HOST=127.0.0.1 PORT="$gateway_port" DISPATCHER_PORT="$dispatcher_port" \
  REDIS_URL="redis://127.0.0.1:$redis_port" DATA_DIR="$work/data" JWT_SECRET=metrics-check-secret-0123456789 \
  MODEL_SERVICES="http://127.0.0.1:$model_port" HEALTH_POLL_INTERVAL_MS=200 LOG_LEVEL=warn
wait_http "model service" "http://127.0.0.1:$model_port/health" 60
node dist/apps/dispatcher/src/main.js >"$work/dispatcher.log" 2>&1 &
pids+=($!)
node dist/apps/gateway/src/main.js >"$work/gateway.log" 2>&1 &
pids+=($!)
wait_http dispatcher "$dispatcher/health"
wait_http gateway "$gateway/health"
wait_http "gateway readiness" "$gateway/health/ready"

token=$(node -e 'const jwt = require("jsonwebtoken"); process.stdout.write(jwt.sign({ sub: "metrics-check", roles: ["video:generate"] }, process.env.JWT_SECRET, { expiresIn: 300 }))')
task=$(curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"prompt":"metrics check","width":256,"height":256,"numFrames":1,"numInferenceSteps":2}' "$gateway/api/video/generate" |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => process.stdout.write(JSON.parse(s).taskId))') ||
  fail "submitting a job failed"
status=""
for _ in $(seq 1 600); do
  status=$(curl -sf -H "authorization: Bearer $token" "$gateway/api/video/status/$task" |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => process.stdout.write(JSON.parse(s).status))') || true
  [ "$status" = COMPLETED ] && break
  sleep 0.1
done
[ "$status" = COMPLETED ] || fail "job $task ended as '$status'"
# A few error answers (401, 404, 422), so series with other status codes exist too.
curl -s -o /dev/null "$gateway/api/video/status/$task"
curl -s -o /dev/null -H "authorization: Bearer $token" "$gateway/no/such/route"
curl -s -o /dev/null -H "authorization: Bearer $token" -H 'content-type: application/json' -d '{"prompt":"x","width":7}' "$gateway/api/video/generate"

for app in gateway dispatcher; do
  base=$gateway; [ "$app" = dispatcher ] && base=$dispatcher
  for path in metrics actuator/prometheus; do
    file="$work/$app-${path//\//-}.prom"
    curl -sf "$base/$path" >"$file" || fail "GET $base/$path"
    if ! out=$(promtool check metrics <"$file" 2>&1); then
      echo "$out" >&2
      fail "promtool rejects $app /$path"
    fi
    [ -z "$out" ] || { echo "$out" >&2; fail "promtool lint findings on $app /$path"; }
  done
  echo "metrics: promtool OK on $app ($(grep -vc '^#' "$work/$app-metrics.prom") samples, $(grep -c '^# TYPE' "$work/$app-metrics.prom") families)"
done

# Every metric the dashboard reads is exported by one of the two apps.
missing=()
for name in http_request_duration_seconds videogw_jobs_submitted_total videogw_job_queue_wait_seconds \
  videogw_job_generation_seconds videogw_jobs_finished_total videogw_video_bytes_total videogw_queue_jobs \
  videogw_cache_requests_total videogw_coalesced_requests_total videogw_throttled_requests_total \
  videogw_prompts_rejected_total videogw_model_service_up videogw_model_service_vram_total_bytes \
  videogw_model_service_vram_free_bytes videogw_circuit_state videogw_dispatch_gap_seconds; do
  grep -q "^# TYPE $name " "$work/gateway-metrics.prom" "$work/dispatcher-metrics.prom" || missing+=("$name")
done
[ ${#missing[@]} -eq 0 ] || fail "not exported: ${missing[*]}"
grep -q '^videogw_jobs_finished_total{.*status="completed"' "$work/dispatcher-metrics.prom" || fail "the dispatcher did not count the completed job"
grep -q '^videogw_model_service_up{.*} 1$' "$work/dispatcher-metrics.prom" || fail "the dispatcher does not report its model service up"
echo "metrics: all dashboard metrics exported"
