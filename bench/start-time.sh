#!/usr/bin/env bash
# Time from `npm start` to the first 200 from /health/live, as a user sees it (npm, the prestart
# build check, node dist/server.js, model loading). Not part of `npm run bench`: it measures a
# process start, not a request rate.
#   bash bench/start-time.sh [runs]     e.g. rm dist/.build-hash first to time a start that rebuilds
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
for i in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  PORT=$port GRPC_PORT=0 DATA_DIR=$data LOG_LEVEL=warn setsid npm start >"$data/start.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/health/live" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$data/start.log"; exit 1; }
    sleep 0.1
  done
  end=$(date +%s.%N)
  built=$(grep -q 'sources changed' "$data/start.log" && echo 'rebuilt dist/' || echo 'dist/ up to date')
  echo "run $i: first answer after $(node -p "($end - $start).toFixed(1)") s ($built)"
  kill -- -"$pid"
  wait "$pid" 2>/dev/null || true
done
