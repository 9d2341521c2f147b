#!/usr/bin/env bash
# The README's first command, `npm start`, as a user runs it: on free loopback ports with its own DATA_DIR,
# it must bring up the whole stack, turn a curl submit into an MP4 that ffprobe reads, and stop every process
# it started when `npm start` itself gets SIGTERM (as a supervisor or `kill` sends it; Ctrl-C signals the
# whole process group anyway).
set -euo pipefail
cd "$(dirname "$0")/../.."

work=$(mktemp -d "${TMPDIR:-/tmp}/videogw-start-check.XXXXXX")
npm_pid=""
started=""
cleanup() {
  if [ -n "$npm_pid" ]; then pkill -TERM -P "$npm_pid" 2>/dev/null || true; kill -TERM "$npm_pid" 2>/dev/null || true; fi
  for pid in $started; do kill -TERM "$pid" 2>/dev/null || true; done # left behind when the check failed
  for _ in $(seq 1 100); do
    alive=""
    for pid in $started; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "start: FAIL: $*" >&2
  for log in "$work"/npm-start.log "$work"/data/logs/*.log; do [ -f "$log" ] && { echo "--- $log (last lines)" >&2; tail -n 15 "$log" >&2; }; done
  exit 1
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

port=$(free_port)
export PORT=$port DISPATCHER_PORT=$(free_port) REDIS_PORT=$(free_port) MODEL_SERVICE_PORT=$(free_port) DATA_DIR="$work/data"
unset REDIS_URL MODEL_SERVICES JWT_SECRET JWT_JWKS_URI
base="http://127.0.0.1:$port"

npm start >"$work/npm-start.log" 2>&1 &
npm_pid=$!
for _ in $(seq 1 600); do curl -sf -o /dev/null "$base/health" && break; kill -0 "$npm_pid" 2>/dev/null || fail "npm start exited"; sleep 0.2; done
curl -sf -o /dev/null "$base/health" || fail "the gateway did not come up on $base"

token=$(npm run --silent token -- --sub start-check)
body='{"prompt":"a red fox running through snow","width":256,"height":256,"numFrames":9,"numInferenceSteps":4,"seed":7}'
task=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$body" "$base/api/video/generate") || fail "submit"
id=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["taskId"])' <<<"$task")
status=""
for _ in $(seq 1 120); do
  status=$(curl -sf -H "Authorization: Bearer $token" "$base/api/video/status/$id" | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])')
  [ "$status" = COMPLETED ] && break
  sleep 0.5
done
[ "$status" = COMPLETED ] || fail "task $id is $status, not COMPLETED"
curl -sf -o "$work/video.mp4" -H "Authorization: Bearer $token" "$base/api/video/result/$id" || fail "download"
stream=$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height -of csv=p=0 "$work/video.mp4")
[ "$stream" = "h264,256,256" ] || fail "ffprobe read '$stream', expected h264,256,256"

script_pid=$(pgrep -P "$npm_pid" | head -n 1) || fail "found no process under npm start"
started="$script_pid $(pgrep -P "$script_pid" | tr '\n' ' ')"
kill -TERM "$npm_pid"
for _ in $(seq 1 300); do
  alive=""
  for pid in $started; do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done
  [ -z "$alive" ] && ! kill -0 "$npm_pid" 2>/dev/null && break
  sleep 0.1
done
[ -z "$alive" ] || fail "still running 30 s after SIGTERM to npm start:$alive"
echo "start: npm start served a video (h264, 256x256) and stopped all it started ($(echo "$started" | wc -w) processes) on SIGTERM"
npm_pid=""
started=""
