#!/usr/bin/env bash
# Shipshape's gateway beside nginx, one worker each, same upstream (an nginx serving a static file with
# keep-alive), loaded by wrk in one run. Prints requests/s and p99 for both, and their ratio; then the cost of
# the gateway's features (security headers + access log + metrics on vs off). Also the CPU time each server
# process spent per request (from /proc/PID/stat around each run): on a shared machine a neighbour's load moves
# requests/s a lot and CPU per request much less, so the CPU ratio is the steadier comparison.
#
# nio_floor is Benchmarks/ProxyFloorBenchmark: the smallest proxy SwiftNIO makes possible, for how much of the
# gap to nginx is the framework's own cost. nio_tcp_floor is the same program copying bytes without parsing HTTP
# (FLOOR_TCP=1): the bound for any proxy on NIO's channels, whatever HTTP codec it used. nio_raw_response parses
# requests with NIO's codec and copies the responses' bytes back unparsed (FLOOR_RAW_RESPONSE=1): what NIO's
# response decoding and encoding cost (it is not a usable proxy, but wrk's keep-alive requests work through it).
#
# Usage: Benchmarks/proxy.sh [seconds-per-run] [rounds]     (defaults: 8 s, 3 rounds; medians are reported)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-8}
rounds=${2:-3}
connections=${CONNECTIONS:-64}
bash scripts/install-gateway-deps.sh

bin=.build-release/release/shipshape
if [ ! -x "$bin" ]; then swift build -c release --product shipshape --scratch-path .build-release >/dev/null; fi
# The floor: the smallest proxy SwiftNIO makes possible (Benchmarks/ProxyFloorBenchmark), no features at all.
swift build -c release --product ProxyFloorBenchmark --scratch-path .build-release >/dev/null
floor_bin=.build-release/release/ProxyFloorBenchmark
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do curl -k -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not serving: $1" >&2; exit 1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
mkdir -p "$work/www"
head -c 600 /dev/zero | tr '\0' 'a' > "$work/www/index.html"

nginx_conf() { # name, server block
  mkdir -p "$work/$1"
  cat > "$work/$1/nginx.conf" <<CONF
worker_processes 1;
error_log $work/$1/error.log warn;
pid $work/$1/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/$1/body; proxy_temp_path $work/$1/proxy;
  fastcgi_temp_path $work/$1/f; uwsgi_temp_path $work/$1/u; scgi_temp_path $work/$1/s;
  keepalive_requests 1000000;
  $2
}
CONF
  /usr/sbin/nginx -c "$work/$1/nginx.conf" -p "$work/$1" -g 'daemon off; master_process off;' &
  pids+=($!)
}

upstream_port=$(free_port)
nginx_conf upstream "server { listen 127.0.0.1:$upstream_port; root $work/www; }"
wait_port "http://127.0.0.1:$upstream_port/index.html"

anchor_http=$(free_port); anchor_full=$(free_port); anchor_https=$(free_port)
# Two nginx servers in one worker: "bare" proxies only; "full" does what the gateway does by default (JSON access
# log line per request, the OWASP headers, X-Forwarded-*/X-Real-IP, a request ID, Server hidden) and also serves TLS.
nginx_conf anchor "
  upstream app { server 127.0.0.1:$upstream_port; keepalive 64; }
  log_format json escape=json '{\"timestamp\":\"\$time_iso8601\",\"level\":\"info\",\"request_id\":\"\$request_id\",'
    '\"method\":\"\$request_method\",\"path\":\"\$request_uri\",\"status\":\$status,\"bytes\":\$body_bytes_sent,'
    '\"duration_ms\":\$request_time,\"upstream\":\"\$upstream_addr\",\"client_ip\":\"\$remote_addr\",\"user_agent\":\"\$http_user_agent\"}';
  server {
    listen 127.0.0.1:$anchor_http;
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }
  server {
    listen 127.0.0.1:$anchor_full;
    listen 127.0.0.1:$anchor_https ssl http2;
    ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem; ssl_protocols TLSv1.3;
    access_log /dev/null json;
    server_tokens off;
    add_header Content-Security-Policy \"default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'\" always;
    add_header X-Content-Type-Options nosniff always;
    add_header X-Frame-Options DENY always;
    add_header Referrer-Policy strict-origin-when-cross-origin always;
    add_header Permissions-Policy \"camera=(), microphone=(), geolocation=(), payment=(), usb=()\" always;
    add_header Cross-Origin-Opener-Policy same-origin always;
    add_header Cross-Origin-Resource-Policy same-origin always;
    add_header X-XSS-Protection 0 always;
    add_header X-Request-ID \$request_id always;
    location / {
      proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\";
      proxy_set_header Host \$host; proxy_set_header X-Real-IP \$remote_addr;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Request-ID \$request_id; proxy_hide_header X-Powered-By; proxy_hide_header Server;
    }
  }"
anchor_pid=${pids[-1]}
wait_port "http://127.0.0.1:$anchor_http/index.html"

start_shipshape() { # name, extra gateway yaml; sets started_https (called directly, so its pid reaches cleanup)
  local http https
  http=$(free_port); https=$(free_port)
  mkdir -p "$work/$1"
  cat > "$work/$1/shipshape.yml" <<YML
project: bench
gateway:
  threads: 1
  http: 127.0.0.1:$http
  https: 127.0.0.1:$https
  tls: { certificates: [{ cert: $work/cert.pem, key: $work/key.pem }] }
  admin: { socket: $work/$1/admin.sock, metrics: 127.0.0.1:$(free_port) }
  routes: [{ match: /, service: app }]
$2
services:
  app: { targets: [127.0.0.1:$upstream_port] }
YML
  SHIPSHAPE_LOG_LEVEL=error "$bin" proxy -c "$work/$1/shipshape.yml" > /dev/null &
  pids+=($!)
  wait_port "https://localhost:$https/index.html"
  started_https=$https
}
# The gateway redirects plain HTTP when HTTPS is on; benchmark plain HTTP on a second instance without TLS.
start_shipshape full ""
ship_https=$started_https
https_pid=${pids[-1]}
ship_plain=$(free_port)
mkdir -p "$work/plain"
cat > "$work/plain/shipshape.yml" <<YML
project: bench
gateway:
  threads: 1
  http: 127.0.0.1:$ship_plain
  admin: { socket: $work/plain/admin.sock, metrics: 127.0.0.1:$(free_port) }
  routes: [{ match: /, service: app }]
services:
  app: { targets: [127.0.0.1:$upstream_port] }
YML
SHIPSHAPE_LOG_LEVEL=error "$bin" proxy -c "$work/plain/shipshape.yml" > /dev/null &
pids+=($!); plain_pid=$!
bare_plain=$(free_port)
mkdir -p "$work/bare"
cat > "$work/bare/shipshape.yml" <<YML
project: bench
gateway:
  threads: 1
  http: 127.0.0.1:$bare_plain
  access_log: false
  security_headers: false
  admin: { socket: $work/bare/admin.sock, metrics: null }
  routes: [{ match: /, service: app }]
services:
  app: { targets: [127.0.0.1:$upstream_port] }
YML
SHIPSHAPE_LOG_LEVEL=error "$bin" proxy -c "$work/bare/shipshape.yml" > /dev/null &
pids+=($!); bare_pid=$!
limited_plain=$(free_port)
mkdir -p "$work/limited"
cat > "$work/limited/shipshape.yml" <<YML
project: bench
gateway:
  threads: 1
  http: 127.0.0.1:$limited_plain
  admin: { socket: $work/limited/admin.sock, metrics: 127.0.0.1:$(free_port) }
  rate_limits: [{ name: all, match: /, key: ip, rate: 1000000000/s }]
  routes: [{ match: /, service: app }]
services:
  app: { targets: [127.0.0.1:$upstream_port] }
YML
SHIPSHAPE_LOG_LEVEL=error "$bin" proxy -c "$work/limited/shipshape.yml" > /dev/null &
pids+=($!); limited_pid=$!
wait_port "http://127.0.0.1:$ship_plain/index.html"
wait_port "http://127.0.0.1:$bare_plain/index.html"
floor_port=$(free_port)
"$floor_bin" "$floor_port" "$upstream_port" &
pids+=($!); floor_pid=$!
tcp_floor_port=$(free_port)
FLOOR_TCP=1 "$floor_bin" "$tcp_floor_port" "$upstream_port" &
pids+=($!); tcp_floor_pid=$!
raw_floor_port=$(free_port)
FLOOR_RAW_RESPONSE=1 "$floor_bin" "$raw_floor_port" "$upstream_port" &
pids+=($!); raw_floor_pid=$!
wait_port "http://127.0.0.1:$limited_plain/index.html"
wait_port "http://127.0.0.1:$floor_port/index.html"
wait_port "http://127.0.0.1:$tcp_floor_port/index.html"
wait_port "http://127.0.0.1:$raw_floor_port/index.html"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# One wrk run against a server process: prints "requests_per_second p99_ms cpu_microseconds_per_request".
load() { # url, pid
  local before output
  before=$(cpu_ticks "$2")
  output=$(wrk -t1 -c"$connections" -d"${seconds}s" --latency "$1" 2>/dev/null)
  printf '%s\n' "$output" | awk -v ticks=$(( $(cpu_ticks "$2") - before )) -v hz="$(getconf CLK_TCK)" '
    /requests in/ { requests = $1 }
    /Requests\/sec/ { rps = $2 }
    /^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v = v / 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v = v * 1000 }; p99 = v }
    END { printf "%s %s %.1f\n", rps, p99, ticks / hz * 1e6 / requests }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

declare -A rps p99 cpu
names="nginx_bare nio_tcp_floor nio_raw_response nio_floor shipshape_bare nginx_full shipshape_full nginx_https shipshape_https shipshape_limited"
for name in $names; do rps[$name]=""; p99[$name]=""; cpu[$name]=""; done
for round in $(seq "$rounds"); do
  for pair in "nginx_bare http://127.0.0.1:$anchor_http/index.html $anchor_pid" \
              "nio_tcp_floor http://127.0.0.1:$tcp_floor_port/index.html $tcp_floor_pid" \
              "nio_raw_response http://127.0.0.1:$raw_floor_port/index.html $raw_floor_pid" \
              "nio_floor http://127.0.0.1:$floor_port/index.html $floor_pid" \
              "shipshape_bare http://127.0.0.1:$bare_plain/index.html $bare_pid" \
              "nginx_full http://127.0.0.1:$anchor_full/index.html $anchor_pid" \
              "shipshape_full http://127.0.0.1:$ship_plain/index.html $plain_pid" \
              "nginx_https https://localhost:$anchor_https/index.html $anchor_pid" \
              "shipshape_https https://localhost:$ship_https/index.html $https_pid" \
              "shipshape_limited http://127.0.0.1:$limited_plain/index.html $limited_pid"; do
    set -- $pair
    read -r r p c < <(load "$2" "$3")
    rps[$1]+="$r"$'\n'; p99[$1]+="$p"$'\n'; cpu[$1]+="$c"$'\n'
  done
done

m() { printf '%s' "${rps[$1]}" | median; }
q() { printf '%s' "${p99[$1]}" | median; }
u() { printf '%s' "${cpu[$1]}" | median; }
echo "proxy benchmark: wrk -t1 -c$connections -d${seconds}s, $rounds rounds, medians; 1 worker each; upstream nginx static 600 B"
printf '%-28s %12s %10s %12s\n' "" "requests/s" "p99 ms" "CPU µs/req"
for name in $names; do
  printf '%-28s %12.0f %10.2f %12.1f\n' "$name" "$(m $name)" "$(q $name)" "$(u $name)"
done
ratio() { # label, shipshape, nginx
  awk -v l="$1" -v a="$(m "$2")" -v b="$(m "$3")" -v c="$(q "$2")" -v d="$(q "$3")" -v e="$(u "$3")" -v f="$(u "$2")" \
    'BEGIN { printf "%-44s throughput %.2f, p99 %.2f, CPU per request %.2f (nginx/shipshape)\n", l ":", a / b, c / d, e / f }'
}
ratio "plain HTTP, proxying only (shipshape/nginx)" shipshape_bare nginx_bare
ratio "plain HTTP, bare NIO proxy floor (floor/nginx)" nio_floor nginx_bare
ratio "plain HTTP, bytes copied, no HTTP (tcp floor/nginx)" nio_tcp_floor nginx_bare
ratio "plain HTTP, responses unparsed (raw/nginx)" nio_raw_response nginx_bare
ratio "plain HTTP, proxying only (shipshape/floor)" shipshape_bare nio_floor
ratio "plain HTTP, log+headers+ids (shipshape/nginx)" shipshape_full nginx_full
ratio "TLS 1.3, log+headers+ids (shipshape/nginx)" shipshape_https nginx_https
awk -v a="$(m shipshape_full)" -v b="$(m shipshape_bare)" -v c="$(m nginx_full)" -v d="$(m nginx_bare)" \
  'BEGIN { printf "features on/off throughput: shipshape %.2f (nginx %.2f)\n", a / b, c / d }'
awk -v a="$(u shipshape_bare)" -v b="$(u shipshape_full)" -v c="$(u nginx_bare)" -v d="$(u nginx_full)" \
  'BEGIN { printf "features on/off per CPU: shipshape %.2f (nginx %.2f)\n", a / b, c / d }'
awk -v a="$(m shipshape_limited)" -v b="$(m shipshape_full)" \
  'BEGIN { printf "rate limit on every request vs none throughput = %.2f\n", a / b }'
