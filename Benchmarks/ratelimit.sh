#!/bin/bash
# Rate limit benchmark: Shipshape's decisions beside their anchors, in one run.
#   1. in-process decisions/s (memory store, one core)            vs the 5 M/s goal
#   2. decisions/s through Redis (EVALSHA, pipelined, our RESP client) vs redis-benchmark running the
#      same script with the same pipelining (the anchor: what Redis itself can take)
#   3. nginx limit_req: throughput with a limit on every request vs none (the anchor for the gateway ratio)
#   4. Shipshape's gateway (`shipshape proxy`, one thread) with a limit on every request vs none, same
#      upstream, rounds alternated, medians
#   5. the same with a `jwt:sub` limit, every request carrying an RS256 bearer token (as an OIDC provider
#      issues them) that the gateway verifies
# Release builds go to .build-release (not the debug .build the tests use).
# Usage: Benchmarks/ratelimit.sh [--quick]   (SHIPSHAPE_BIN=path runs another gateway build, for A/B)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=${1:-}
decisions=20000000; redis_decisions=300000; wrk_seconds=5; rounds=3; gateway_rounds=5
if [ "$quick" = "--quick" ]; then decisions=5000000; redis_decisions=100000; wrk_seconds=2; rounds=1; gateway_rounds=1; fi
for tool in redis-server redis-cli redis-benchmark nginx wrk; do
    command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/install-ratelimit-deps.sh" >&2; exit 1; }
done
pin=(); command -v taskset >/dev/null && pin=(taskset -c 0)

release=(swift build -c release --scratch-path .build-release)
"${release[@]}" --product RateLimitBenchmark >/dev/null
"${release[@]}" --product shipshape >/dev/null
bin_dir=$("${release[@]}" --show-bin-path)
bench=$bin_dir/RateLimitBenchmark
shipshape=${SHIPSHAPE_BIN:-$bin_dir/shipshape}

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
mkdir -p "$work/nginx/logs" "$work/www"
head -c 600 /dev/zero | tr '\0' 'a' > "$work/www/index.html"
chmod a+x "$work"; chmod -R a+rX "$work/www"   # nginx's worker (nobody) reads the file
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1;
error_log $work/nginx/logs/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    limit_req_zone \$binary_remote_addr zone=perip:10m rate=100000000r/s;
    server {
        listen 127.0.0.1:$nginx_port;
        location /open/ { return 200 "ok\n"; }
        location /limited/ { limit_req zone=perip burst=100000000 nodelay; return 200 "ok\n"; }
        location / { root $work/www; }
    }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$nginx_port/open/" >/dev/null 2>&1 && break; sleep 0.1; done
rps() { wrk -t1 -c32 -d"${wrk_seconds}s" "$1" | awk '/Requests\/sec/ {print int($2)}'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
open_all=""; limited_all=""
for _ in $(seq "$rounds"); do
    open_all+="$(rps "http://127.0.0.1:$nginx_port/open/")"$'\n'
    limited_all+="$(rps "http://127.0.0.1:$nginx_port/limited/")"$'\n'
done
open_rps=$(printf '%s' "$open_all" | median); limited_rps=$(printf '%s' "$limited_all" | median)
echo "nginx none: $open_rps req/s; limit_req: $limited_rps req/s; ratio $(ratio "$limited_rps" "$open_rps") (median of $rounds)"

echo "== 4. gateway (shipshape proxy, 1 thread) with a limit on every request vs none (wrk, ${wrk_seconds}s each, $gateway_rounds rounds alternated)"
# The gateway's upstream is the nginx above: /index.html is a static 600-byte file.
upstream_port=$nginx_port
start_gateway() { # name, port, extra gateway yaml
    mkdir -p "$work/$1"
    cat > "$work/$1/shipshape.yml" <<YML
project: bench
gateway:
  threads: 1
  http: 127.0.0.1:$2
  admin: { socket: $work/$1/admin.sock, metrics: null }
  routes: [{ match: /, service: app }]
$3
services:
  app: { targets: [127.0.0.1:$upstream_port] }
YML
    SHIPSHAPE_LOG_LEVEL=error "$shipshape" proxy -c "$work/$1/shipshape.yml" >/dev/null 2>"$work/$1/stderr" &
    pids+=($!); gateway_pid[$1]=$!
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$2/index.html" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "gateway $1 is not serving:" >&2; cat "$work/$1/stderr" >&2; curl -s -i "http://127.0.0.1:$2/index.html" | head -3 >&2; exit 1
}
declare -A gateway_pid
# On a shared machine wall-clock req/s swings between runs; the gateway's own CPU time per request (from
# /proc, user + system) measures the work and is the figure the ratio is taken from.
ticks_per_second=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
load_gateway() { # url, pid, [wrk options…] -> "req/s requests-per-CPU-second"
    local before after out url=$1 pid=$2
    shift 2
    before=$(cpu_ticks "$pid")
    out=$(wrk -t1 -c32 -d"${wrk_seconds}s" "$@" "$url")
    after=$(cpu_ticks "$pid")
    echo "$out" | awk -v ticks=$((after - before)) -v hz="$ticks_per_second" \
        '/Requests\/sec/ {rps = int($2)} / requests in / {n = $1} END {printf "%d %d\n", rps, n * hz / ticks}'
}
plain_port=$(free_port); limited_port=$(free_port)
start_gateway plain "$plain_port" ""
# Never reached (a million per second per client, bursts of 1000): every request pays for a full
# decision and its headers, with figures of realistic size.
start_gateway limited "$limited_port" "  rate_limits: [{ name: all, match: /, key: ip, rate: 1000000/s, burst: 1000 }]"
plain_all=""; gated_all=""; plain_cpu=""; gated_cpu=""
for _ in $(seq "$gateway_rounds"); do
    read -r r c < <(load_gateway "http://127.0.0.1:$plain_port/index.html" "${gateway_pid[plain]}")
    plain_all+="$r"$'\n'; plain_cpu+="$c"$'\n'
    read -r r c < <(load_gateway "http://127.0.0.1:$limited_port/index.html" "${gateway_pid[limited]}")
    gated_all+="$r"$'\n'; gated_cpu+="$c"$'\n'
done
plain_rps=$(printf '%s' "$plain_all" | median); gated_rps=$(printf '%s' "$gated_all" | median)
plain_per_cpu=$(printf '%s' "$plain_cpu" | median); gated_per_cpu=$(printf '%s' "$gated_cpu" | median)
curl -s -D - -o /dev/null "http://127.0.0.1:$limited_port/index.html" | grep -i '^ratelimit' || true
echo "gateway none: $plain_rps req/s ($plain_per_cpu per CPU-second); limit on every request: $gated_rps req/s ($gated_per_cpu per CPU-second) (medians of $gateway_rounds)"
echo "gateway rounds, none (req/s, per CPU-s): $(printf '%s' "$plain_all" | tr '\n' ' ') / $(printf '%s' "$plain_cpu" | tr '\n' ' ')"
echo "gateway rounds, limited (req/s, per CPU-s): $(printf '%s' "$gated_all" | tr '\n' ' ') / $(printf '%s' "$gated_cpu" | tr '\n' ' ')"
echo "gateway ratio limit/none: $(ratio "$gated_rps" "$plain_rps") wall, $(ratio "$gated_per_cpu" "$plain_per_cpu") per CPU-second (goal >= 0.95)"

echo "== 5. gateway with a jwt:sub limit on every request (RS256 bearer token) vs none (wrk, ${wrk_seconds}s each, $gateway_rounds rounds alternated)"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/jwt.key" 2>/dev/null
openssl pkey -in "$work/jwt.key" -pubout -out "$work/jwt.pub"
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
claims=$(printf '{"sub":"user-42","exp":%d}' $(( $(date +%s) + 3600 )))
signing_input="$(printf '{"alg":"RS256","typ":"JWT"}' | b64url).$(printf '%s' "$claims" | b64url)"
token="$signing_input.$(printf '%s' "$signing_input" | openssl dgst -sha256 -sign "$work/jwt.key" -binary | b64url)"
jwt_port=$(free_port)
start_gateway jwt "$jwt_port" "  rate_limits: [{ name: users, match: /, key: jwt:sub, rate: 1000000/s, burst: 1000 }]
  jwt: { public_key_files: [$work/jwt.pub] }"
remaining=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$jwt_port/index.html" | tr -d '\r' | awk -F': ' 'tolower($1) == "ratelimit" {print $2}')
echo "the token's quota header: $remaining"
plain_all=""; jwt_all=""; plain_cpu=""; jwt_cpu=""
for _ in $(seq "$gateway_rounds"); do
    read -r r c < <(load_gateway "http://127.0.0.1:$plain_port/index.html" "${gateway_pid[plain]}" -H "Authorization: Bearer $token")
    plain_all+="$r"$'\n'; plain_cpu+="$c"$'\n'
    read -r r c < <(load_gateway "http://127.0.0.1:$jwt_port/index.html" "${gateway_pid[jwt]}" -H "Authorization: Bearer $token")
    jwt_all+="$r"$'\n'; jwt_cpu+="$c"$'\n'
done
plain_rps=$(printf '%s' "$plain_all" | median); jwt_rps=$(printf '%s' "$jwt_all" | median)
plain_per_cpu=$(printf '%s' "$plain_cpu" | median); jwt_per_cpu=$(printf '%s' "$jwt_cpu" | median)
echo "gateway none: $plain_rps req/s ($plain_per_cpu per CPU-second); jwt:sub limit: $jwt_rps req/s ($jwt_per_cpu per CPU-second) (medians of $gateway_rounds)"
echo "gateway ratio jwt limit/none: $(ratio "$jwt_rps" "$plain_rps") wall, $(ratio "$jwt_per_cpu" "$plain_per_cpu") per CPU-second"
