#!/bin/bash
# Times `shipshape audit` of a generated 200-service compose project (release build) beside its anchor,
# podman-compose's `config` on the same project, and prints the ratio. Goal: audit < 100 ms.
# Usage: Benchmarks/audit.sh [SERVICES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
services=${1:-200}
runs=${2:-15}

command -v podman-compose >/dev/null || bash scripts/install-audit-deps.sh
swift build -c release --product shipshape >/dev/null
binary=$(swift build -c release --show-bin-path)/shipshape

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$services" > "$work/compose.yaml" <<'PY'
import sys
n = int(sys.argv[1])
kinds = ["app", "postgres", "redis", "nginx", "worker"]
print("x-common: &common\n  restart: unless-stopped\n  logging:\n    driver: json-file\n    options: {max-size: 10m}\n")
print("services:")
for i in range(n):
    kind = kinds[i % len(kinds)]
    image = {"app": "shop/api:1.%d" % i, "postgres": "postgres:16.4", "redis": "redis:7.4",
             "nginx": "nginx:1.27", "worker": "shop/worker:1.%d" % i}[kind]
    print(f"  s{i}:\n    <<: *common\n    image: {image}")
    print(f"    environment:\n      SERVICE_INDEX: \"{i}\"\n      DB_PASSWORD: ${{DB_PASSWORD:-dev}}\n      LOG_LEVEL: info")
    if kind in ("app", "nginx"):
        print(f"    ports:\n      - \"{10000 + i}:8080\"")
    if kind == "postgres":
        print(f"    volumes:\n      - pg{i}:/var/lib/postgresql/data")
    if i > 0:
        print(f"    depends_on:\n      s{i - 1}:\n        condition: service_started")
    print(f"    healthcheck:\n      test: [\"CMD\", \"true\"]\n    deploy:\n      resources:\n        limits: {{memory: 256M, cpus: \"0.5\"}}")
print("volumes:")
for i in range(n):
    if kinds[i % len(kinds)] == "postgres":
        print(f"  pg{i}: {{}}")
PY

# Median wall time in milliseconds of running "$@" $runs times (after one warm-up run).
median_ms() {
  "$@" >/dev/null 2>&1 || { echo "command failed: $*" >&2; exit 1; }
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

cd "$work"
findings=$("$binary" audit -f compose.yaml --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["findings"]), d["score"])')
ours=$(median_ms "$binary" audit -f compose.yaml --format json)
anchor=$(median_ms podman-compose -f compose.yaml config)
echo "project: $services services, audit found ${findings% *} findings, score ${findings#* }"
echo "shipshape audit (release, whole process):  ${ours} ms (median of $runs)"
echo "podman-compose config (anchor):            ${anchor} ms (median of $runs)"
awk -v a="$anchor" -v o="$ours" 'BEGIN {printf "ratio: shipshape audit is %.1fx faster than podman-compose config\n", a / o}'
awk -v o="$ours" 'BEGIN {exit !(o < 100)}' && echo "goal (< 100 ms): met" || echo "goal (< 100 ms): NOT met"
