#!/bin/bash
# Times `shipshape audit` of a generated 200-service compose project (release build) beside its anchor,
# podman-compose's `config` on the same project, and prints the ratio. Goal: audit < 100 ms.
# Usage: Benchmarks/audit.sh [SERVICES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
services=${1:-200}
runs=${2:-15}

{ command -v podman-compose >/dev/null && [ -x /usr/bin/time ]; } || bash scripts/install-audit-deps.sh
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
    if kind in ("app", "worker"):
        # Each application depends on the postgres and redis of its group of five (a dependency chain
        # through all services makes podman-compose's dependency walk explode).
        group = i - i % len(kinds)
        print(f"    depends_on:\n      s{group + 1}:\n        condition: service_started\n      s{group + 2}:\n        condition: service_healthy")
    print(f"    healthcheck:\n      test: [\"CMD\", \"true\"]\n    deploy:\n      resources:\n        limits: {{memory: 256M, cpus: \"0.5\"}}")
print("volumes:")
for i in range(n):
    if kinds[i % len(kinds)] == "postgres":
        print(f"  pg{i}: {{}}")
PY

# Runs "$@" $2 times after one warm-up run and prints "WALL_MS CPU_MS": the medians of wall-clock time
# and of user+system CPU time. CPU time is shown because other builds may share the machine.
medians() {
  local count=$1; shift
  "$@" >/dev/null 2>&1 || { echo "command failed: $*" >&2; exit 1; }
  local walls=() cpus=()
  for _ in $(seq "$count"); do
    local line
    /usr/bin/time -o "$work/time.txt" -f "%e %U %S" "$@" >/dev/null 2>&1
    line=$(tail -1 "$work/time.txt")
    walls+=("$(echo "$line" | awk '{print $1 * 1000}')")
    cpus+=("$(echo "$line" | awk '{print ($2 + $3) * 1000}')")
  done
  local wall cpu
  wall=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  cpu=$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$wall $cpu"
}

cd "$work"
anchor_runs=$(( runs / 3 > 3 ? runs / 3 : 3 ))
findings=$("$binary" audit -f compose.yaml --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["findings"]), d["score"])')
read -r ours_wall ours_cpu <<<"$(medians "$runs" "$binary" audit -f compose.yaml --format json)"
read -r anchor_wall anchor_cpu <<<"$(medians "$anchor_runs" podman-compose -f compose.yaml config)"
echo "machine load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "project: $services services; audit found ${findings% *} findings, score ${findings#* }"
echo "shipshape audit --format json (release, whole process): wall ${ours_wall} ms, cpu ${ours_cpu} ms (median of $runs)"
echo "podman-compose config (anchor):                         wall ${anchor_wall} ms, cpu ${anchor_cpu} ms (median of $anchor_runs)"
awk -v a="$anchor_wall" -v o="$ours_wall" 'BEGIN {printf "ratio (wall): shipshape audit takes %.4f of podman-compose config (%.0fx faster)\n", o / a, a / o}'
awk -v o="$ours_wall" 'BEGIN {exit !(o < 100)}' && echo "goal (< 100 ms wall): met" || echo "goal (< 100 ms wall): NOT met on this run (see cpu time and load average)"
