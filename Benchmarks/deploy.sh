#!/usr/bin/env bash
# Zero-downtime deploys: failed requests while N blue-green deploys run under load through the Shipshape
# gateway (process runtime, the built-in demo app), the switch time (decision → every new request on the new
# color: the admin switch round trip, after which the registry hands out only new-color targets), and the
# rollback time to a healthy standby; beside the anchor, nginx in front of two upstreams with `nginx -s reload`
# flipping between them N times under the same load. Prints failures for both and their ratio.
#
# A third run does the same with the docker runtime: containers created through Podman's Docker-compatible
# API from a compose service (busybox httpd images built locally), N deploys alternating two images under load.
#
# Usage: Benchmarks/deploy.sh [deploys] [connections] [docker deploys]   (defaults: 10, 8, 4; 0 skips docker)
#        SHIPSHAPE_BINARY=.build/debug/shipshape Benchmarks/deploy.sh   (skip the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
deploys=${1:-10}
connections=${2:-8}
docker_deploys=${3:-4}
bash scripts/install-deploy-deps.sh
command -v wrk >/dev/null || { echo "wrk is needed (scripts/install-gateway-deps.sh installs it)" >&2; exit 1; }

bin=${SHIPSHAPE_BINARY:-.build-release/release/shipshape}
if [ ! -x "$bin" ]; then swift build -c release --product shipshape --scratch-path .build-release >/dev/null; fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
work=$(mktemp -d)
pids=()
engine_pid=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$engine_pid" ]; then
    for c in bench-web-blue bench-web-green; do
      curl -s --unix-socket "$work/podman.sock" -X DELETE "http://d/containers/$c?force=true" >/dev/null || true
    done
    curl -s --unix-socket "$work/podman.sock" -X DELETE "http://d/networks/bench_default" >/dev/null || true
    kill "$engine_pid" 2>/dev/null || true
  fi
  for f in "$work"/.shipshape/*.json; do [ -f "$f" ] && kill -- -"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("pid",0))' "$f")" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not serving: $1" >&2; exit 1; }
# wrk prints "Non-2xx or 3xx responses: N" and "Socket errors: connect A, read B, write C, timeout D".
failures() { awk '/Non-2xx/ {n+=$NF} /Socket errors/ {gsub(",",""); n+=$4+$6+$8+$10} END {print n+0}' "$1"; }
requests() { awk '/requests in/ {print $1}' "$1"; }

# --- Shipshape: gateway + N deploys under load ---------------------------------------------------------
http=$(free_port); metrics=$(free_port)
cat > "$work/shipshape.yml" <<YML
project: bench
gateway:
  http: 127.0.0.1:$http
  access_log: false
  routes: [{ match: /, service: app }]
  admin: { socket: $work/admin.sock, metrics: 127.0.0.1:$metrics }
services:
  app:
    runtime: process
    command: ["$bin", "demo-app", "--port", "{port}", "--version", "{version}"]
    health: { path: /health, interval: 100ms, timeout: 1s, healthy: 2, unhealthy: 2 }
    smoke: [{ path: /api/hello, status: 200, contains: hello }]
    drain: 500ms
    bake: 0s
YML
"$bin" proxy -c "$work/shipshape.yml" > "$work/gateway.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$work/admin.sock" ] && break; sleep 0.1; done
"$bin" deploy app --version 0 --keep-standby -c "$work/shipshape.yml" > /dev/null 2> "$work/deploy.log"
wait_port "http://127.0.0.1:$http/api/hello"

duration=$((deploys * 2 + 6))
wrk -t2 -c"$connections" -d"${duration}s" "http://127.0.0.1:$http/api/hello" > "$work/wrk-shipshape.txt" &
load=$!
sleep 2
switches=()
for i in $(seq "$deploys"); do
  json=$("$bin" deploy app --version "$i" --keep-standby --json -c "$work/shipshape.yml" 2>> "$work/deploy.log")
  switches+=("$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print([s["duration_ms"] for s in r["steps"] if s["name"]=="switch"][0])' "$json")")
done
start=$(date +%s%N)
"$bin" rollback app --json -c "$work/shipshape.yml" > "$work/rollback.json" 2>> "$work/deploy.log"
rollback_cli_ms=$(( ($(date +%s%N) - start) / 1000000 ))
rollback_ms=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(round(sum(s["duration_ms"] for s in r["steps"] if s["name"] in ("restart","health","switch")),1))' "$work/rollback.json")
wait "$load"
ship_fail=$(failures "$work/wrk-shipshape.txt"); ship_req=$(requests "$work/wrk-shipshape.txt")
switch_median=$(printf '%s\n' "${switches[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
switch_max=$(printf '%s\n' "${switches[@]}" | sort -n | tail -1)

# --- Shipshape, docker runtime: containers from a compose service through Podman, deploys under load ------
docker_fail="-"; docker_req="-"; docker_median="-"
if [ "$docker_deploys" -gt 0 ]; then
  bash scripts/podman-engine.sh image shipshape-bench:1 "version one" >/dev/null
  bash scripts/podman-engine.sh image shipshape-bench:2 "version two" >/dev/null
  engine_pid=$(bash scripts/podman-engine.sh start "$work/podman.sock")
  mkdir -p "$work/docker"
  cat > "$work/docker/compose.yml" <<YML
services:
  web:
    image: shipshape-bench:1
    environment: { APP_MODE: benchmark }
    mem_limit: 64m
YML
  dhttp=$(free_port); dmetrics=$(free_port)
  cat > "$work/docker/shipshape.yml" <<YML
project: bench
compose: [compose.yml]
gateway:
  http: 127.0.0.1:$dhttp
  access_log: false
  routes: [{ match: /, service: web }]
  admin: { socket: $work/docker/admin.sock, metrics: 127.0.0.1:$dmetrics }
services:
  web:
    runtime: docker
    port: 80
    health: { path: /health, interval: 100ms, timeout: 1s, healthy: 2, unhealthy: 2 }
    smoke: [{ path: /, status: 200, contains: version }]
    drain: 500ms
    bake: 0s
YML
  "$bin" proxy -c "$work/docker/shipshape.yml" > "$work/docker/gateway.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [ -S "$work/docker/admin.sock" ] && break; sleep 0.1; done
  export DOCKER_HOST="unix://$work/podman.sock"
  "$bin" deploy web --image shipshape-bench:1 --keep-standby -c "$work/docker/shipshape.yml" >/dev/null 2>>"$work/deploy.log"
  wait_port "http://127.0.0.1:$dhttp/"
  # Each container deploy takes a few seconds (create, start, health gate, drain); the load outlasts them all.
  wrk -t2 -c"$connections" -d"$((docker_deploys * 6 + 6))s" "http://127.0.0.1:$dhttp/" > "$work/wrk-docker.txt" &
  load=$!
  sleep 2
  dswitches=()
  for i in $(seq "$docker_deploys"); do
    image=shipshape-bench:$(( i % 2 == 1 ? 2 : 1 ))
    json=$("$bin" deploy web --image "$image" --keep-standby --json -c "$work/docker/shipshape.yml" 2>>"$work/deploy.log")
    dswitches+=("$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print([s["duration_ms"] for s in r["steps"] if s["name"]=="switch"][0])' "$json")")
  done
  wait "$load"
  unset DOCKER_HOST
  docker_fail=$(failures "$work/wrk-docker.txt"); docker_req=$(requests "$work/wrk-docker.txt")
  docker_median=$(printf '%s\n' "${dswitches[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
fi

# --- Anchor: nginx flipping between two upstreams with `nginx -s reload` --------------------------------
blue=$(free_port); green=$(free_port); anchor=$(free_port)
"$bin" demo-app --port "$blue" --version blue > /dev/null 2>&1 & pids+=($!)
"$bin" demo-app --port "$green" --version green > /dev/null 2>&1 & pids+=($!)
wait_port "http://127.0.0.1:$blue/health"; wait_port "http://127.0.0.1:$green/health"
mkdir -p "$work/nginx"
write_conf() {
  cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1;
error_log $work/nginx/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/f; uwsgi_temp_path $work/nginx/u; scgi_temp_path $work/nginx/s;
  upstream app { server 127.0.0.1:$1; keepalive 32; }
  server { listen 127.0.0.1:$anchor;
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
CONF
}
write_conf "$blue"
/usr/sbin/nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -g 'daemon off;' &
pids+=($!)
wait_port "http://127.0.0.1:$anchor/api/hello"
wrk -t2 -c"$connections" -d"${duration}s" "http://127.0.0.1:$anchor/api/hello" > "$work/wrk-nginx.txt" &
load=$!
sleep 2
for i in $(seq "$deploys"); do
  if [ $((i % 2)) -eq 1 ]; then write_conf "$green"; else write_conf "$blue"; fi
  /usr/sbin/nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -s reload 2>/dev/null
  sleep 1
done
wait "$load"
nginx_fail=$(failures "$work/wrk-nginx.txt"); nginx_req=$(requests "$work/wrk-nginx.txt")

echo "deploys under load ($deploys each, wrk -c$connections, ${duration}s)"
printf '  %-36s %10s requests  %6s failed\n' "shipshape deploy (blue-green)" "$ship_req" "$ship_fail"
printf '  %-36s %10s requests  %6s failed\n' "nginx -s reload between upstreams" "$nginx_req" "$nginx_fail"
printf '  %-36s %10s requests  %6s failed   (%s deploys, switch median %s ms)\n' \
  "shipshape deploy, docker runtime" "$docker_req" "$docker_fail" "$docker_deploys" "$docker_median"
echo "  failed-request ratio shipshape/nginx: $ship_fail/$nginx_fail"
echo "switch time (admin switch round trip): median ${switch_median} ms, max ${switch_max} ms"
echo "rollback to a healthy standby: ${rollback_ms} ms in the controller, ${rollback_cli_ms} ms for the whole CLI run"
