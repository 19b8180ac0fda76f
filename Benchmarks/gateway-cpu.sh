#!/usr/bin/env bash
# CPU time per request of two gateway configurations, measured from /proc/PID/stat around alternating
# `wrk -t1 -c32 -d3s` runs (A B A B …): steadier than requests/s on a shared machine, since a neighbour's
# load slows both the CPU share and the throughput but not the CPU a request costs.
#
# Usage: Benchmarks/gateway-cpu.sh "YAML A" "YAML B" [pairs]
#   YAML lines are added under `gateway:` (indent two spaces); METRICS_A / METRICS_B=null turn metrics off.
#   BIN_A / BIN_B run another build for that side (a copy of the binary before a change: before/after).
# Examples (the figures in BENCHMARKS.md):
#   Benchmarks/gateway-cpu.sh "" "  rate_limits: [{ name: all, match: /, key: ip, rate: 1000000000/s }]" 5
#   METRICS_B=null Benchmarks/gateway-cpu.sh "" $'  access_log: false\n  security_headers: false' 5
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-gateway-deps.sh
bin=.build-release/release/shipshape
if [ ! -x "$bin" ]; then swift build -c release --product shipshape --scratch-path .build-release >/dev/null; fi
a=${1:-}; b=${2:-}; pairs=${3:-4}
work=$(mktemp -d); pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mkdir -p $work/www $work/up; head -c 600 /dev/zero | tr '\0' 'a' > "$work/www/index.html"
up=$(free_port)
cat > $work/up/nginx.conf <<CONF
worker_processes 1; error_log $work/up/error.log warn; pid $work/up/nginx.pid;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $work/up/b; proxy_temp_path $work/up/p; fastcgi_temp_path $work/up/f; uwsgi_temp_path $work/up/u; scgi_temp_path $work/up/s;
keepalive_requests 1000000; server { listen 127.0.0.1:$up; root $work/www; } }
CONF
/usr/sbin/nginx -c $work/up/nginx.conf -p $work/up -g 'daemon off; master_process off;' & pids+=($!)
start() { # name yaml metrics binary -> sets NAME_port, NAME_pid
  local port; port=$(free_port); mkdir -p $work/$1
  cat > $work/$1/s.yml <<YML
project: bench
gateway:
  threads: 1
  http: 127.0.0.1:$port
  admin: { socket: $work/$1/admin.sock, metrics: ${3:-127.0.0.1:$(free_port)} }
  routes: [{ match: /, service: app }]
$2
services:
  app: { targets: [127.0.0.1:$up] }
YML
  SHIPSHAPE_LOG_LEVEL=error "${4:-$bin}" proxy -c $work/$1/s.yml > /dev/null &
  pids+=($!); eval "$1_port=$port; $1_pid=$!"
}
start A "$a" "${METRICS_A:-}" "${BIN_A:-}"; start B "$b" "${METRICS_B:-}" "${BIN_B:-}"
sleep 1.5
cpu() { awk '{ print $14 + $15 }' /proc/$1/stat; }
run() { # port pid -> µs/request
  local before after reqs
  before=$(cpu $2)
  reqs=$(wrk -t1 -c32 -d3s -H 'User-Agent: Mozilla/5.0' http://127.0.0.1:$1/index.html | awk '/requests in/ { print $1 }')
  after=$(cpu $2)
  awk -v c=$((after - before)) -v r=$reqs -v hz=$(getconf CLK_TCK) 'BEGIN { printf "%.1f\n", c / hz * 1e6 / r }'
}
wrk -t1 -c32 -d2s http://127.0.0.1:$A_port/index.html > /dev/null; wrk -t1 -c32 -d2s http://127.0.0.1:$B_port/index.html > /dev/null
ra=(); rb=()
for i in $(seq $pairs); do ra+=($(run $A_port $A_pid)); rb+=($(run $B_port $B_pid)); done
echo "A µs/req: ${ra[*]}"; echo "B µs/req: ${rb[*]}"
med() { printf '%s\n' "$@" | sort -n | awk '{ a[NR]=$1 } END { print a[int((NR+1)/2)] }'; }
echo "median A $(med "${ra[@]}")  B $(med "${rb[@]}")"
