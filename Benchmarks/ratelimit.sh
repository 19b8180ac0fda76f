#!/bin/bash
# Rate limit benchmark: Shipshape's decisions beside their anchors, in one run.
#   1. in-process decisions/s (memory store, one core)            vs the 5 M/s goal
#   2. decisions/s through Redis (EVALSHA, pipelined, our RESP client) vs redis-benchmark running the
#      same script with the same pipelining (the anchor: what Redis itself can take)
#   3. nginx limit_req: throughput with a limit on every request vs none (the anchor for the gateway
#      ratio; the gateway's own figure is measured when `shipshape proxy` is available in this build)
# Usage: Benchmarks/ratelimit.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
quick=${1:-}
decisions=20000000; redis_decisions=300000; wrk_seconds=5
if [ "$quick" = "--quick" ]; then decisions=5000000; redis_decisions=100000; wrk_seconds=2; fi
for tool in redis-server redis-cli redis-benchmark nginx wrk; do
    command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/install-ratelimit-deps.sh" >&2; exit 1; }
done
pin=(); command -v taskset >/dev/null && pin=(taskset -c 0)

swift build -c release --product RateLimitBenchmark >/dev/null
bench=$(swift build -c release --product RateLimitBenchmark --show-bin-path)/RateLimitBenchmark

work=$(mktemp -d); pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ratio() { python3 -c "print(f'{$1/$2:.3f}')"; }

echo "== 1. in-process decisions (memory store, 1 core, $decisions decisions, 10k clients)"
memory=$("${pin[@]}" "$bench" memory "$decisions")
echo "$memory"
per_second=$(echo "$memory" | awk '/^memory_decisions_per_second/ {print $2}')
echo "ratio vs 5 M/s goal: $(ratio "$per_second" 5000000)"

echo "== 2. Redis decisions ($redis_decisions, pipelined)"
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --save "" --appendonly no >/dev/null &
pids+=($!)
for _ in $(seq 50); do [ "$(redis-cli -p "$redis_port" PING 2>/dev/null)" = PONG ] && break; sleep 0.1; done
ours=$("$bench" redis "$redis_port" "$redis_decisions" 256)
echo "shipshape: $ours"
ours_per_second=$(echo "$ours" | awk '{print $2}')
sha=$("$bench" script-sha)
redis-cli -p "$redis_port" SCRIPT LOAD "$("$bench" script)" >/dev/null
# Same script and arguments (100/m: 600000 µs interval, burst 20), 10k keys, 4 clients x 64 pipelined.
anchor=$(redis-benchmark -p "$redis_port" -q -n "$redis_decisions" -c 4 -P 64 -r 10000 \
    EVALSHA "$sha" 1 "bench:__rand_int__" 600000 12000000 | tr '\r' '\n' | grep -E 'requests per second' | tail -1)
echo "redis-benchmark EVALSHA (anchor): $anchor"
anchor_per_second=$(echo "$anchor" | grep -oE '[0-9]+(\.[0-9]+)? requests per second' | awk '{print int($1)}')
echo "ratio shipshape/redis-benchmark: $(ratio "$ours_per_second" "$anchor_per_second")"
echo "ratio vs 50 k/s goal: $(ratio "$ours_per_second" 50000)"

echo "== 3. nginx limit_req on every request vs none (wrk, ${wrk_seconds}s each)"
nginx_port=$(free_port)
mkdir -p "$work/nginx/logs"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1;
error_log $work/nginx/logs/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    limit_req_zone \$binary_remote_addr zone=perip:10m rate=100000000r/s;
    server {
        listen 127.0.0.1:$nginx_port;
        location /open/ { return 200 "ok\n"; }
        location /limited/ { limit_req zone=perip burst=100000000 nodelay; return 200 "ok\n"; }
    }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$nginx_port/open/" >/dev/null 2>&1 && break; sleep 0.1; done
rps() { wrk -t1 -c32 -d"${wrk_seconds}s" "$1" | awk '/Requests\/sec/ {print int($2)}'; }
open_rps=$(rps "http://127.0.0.1:$nginx_port/open/")
limited_rps=$(rps "http://127.0.0.1:$nginx_port/limited/")
echo "nginx none: $open_rps req/s; limit_req: $limited_rps req/s; ratio $(ratio "$limited_rps" "$open_rps")"

# The gateway's own with-limit/without-limit ratio needs the running gateway (target Gateway); it is added
# beside the nginx anchor above once the gateway is merged.
echo "gateway: limit-on-every-request vs none: pending the Gateway target (see Benchmarks/RESULTS-ratelimit.md)"
