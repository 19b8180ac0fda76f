#!/bin/bash
# Benchmarks the DockerEngine client's hot path — streaming a command's output out of a container via exec,
# demultiplexed chunk by chunk (what backups do with pg_dump) — beside its anchor: curl reading the same
# exec stream raw (no demultiplexing) from the same Podman service in the same run. Prints MB/s for both
# and the ratio (client / curl; 1.0 means as fast as curl).
# Usage: Benchmarks/docker.sh [MEGABYTES=256] [RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
megabytes=${1:-256}; runs=${2:-5}
bytes=$((megabytes * 1024 * 1024))
bash scripts/install-docker-deps.sh >/dev/null
# A scratch path of its own, so the benchmark build never waits on (or evicts) the debug build.
build=(swift build -c release --scratch-path .build-bench --product DockerEngineBenchmark)
"${build[@]}" >/dev/null 2>&1 || "${build[@]}"
binary=$("${build[@]}" --show-bin-path)/DockerEngineBenchmark

work=$(mktemp -d); sock="$work/podman.sock"; container="shipshape-bench-$$"
pid=$(bash scripts/podman-engine.sh start "$sock" | tail -1)
cleanup() { podman rm -f -t 0 "$container" >/dev/null 2>&1 || true; kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
image=$(bash scripts/podman-engine.sh image shipshape-bench:1 bench)
podman run -d --name "$container" "$image" sleep 3600 >/dev/null

api="http://d/v1.41"
curl_run() {
  local id start end
  id=$(curl -sf --unix-socket "$sock" -H 'Content-Type: application/json' -X POST "$api/containers/$container/exec" \
    -d "{\"Cmd\":[\"sh\",\"-c\",\"busybox yes 0123456789abcde | busybox head -c $bytes\"],\"AttachStdout\":true,\"AttachStderr\":true}" \
    | sed 's/.*"Id":"\([^"]*\)".*/\1/')
  start=$(date +%s.%N)
  curl -sf --unix-socket "$sock" -H 'Content-Type: application/json' -X POST "$api/exec/$id/start" \
    -d '{"Detach":false,"Tty":false}' -o /dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f\n", b - a }' 
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# Interleave warm-up and measured runs of both so neither gets a quieter machine.
"$binary" "$sock" "$container" "$bytes" 1 >/dev/null; curl_run >/dev/null
client_times=(); curl_times=()
for _ in $(seq "$runs"); do
  client_times+=("$("$binary" "$sock" "$container" "$bytes" 1)")
  curl_times+=("$(curl_run)")
done
client=$(printf '%s\n' "${client_times[@]}" | median)
anchor=$(printf '%s\n' "${curl_times[@]}" | median)
client_rate=$(awk -v m="$megabytes" -v t="$client" 'BEGIN { print m / t }')
anchor_rate=$(awk -v m="$megabytes" -v t="$anchor" 'BEGIN { print m / t }')
printf 'exec stream of %d MiB, median of %d runs (%s)\n' "$megabytes" "$runs" "$(podman --version)"
printf '  shipshape DockerClient.exec (demultiplexed): %8.3f s  %8.1f MiB/s\n' "$client" "$client_rate"
printf '  curl --unix-socket (raw, anchor):            %8.3f s  %8.1f MiB/s\n' "$anchor" "$anchor_rate"
printf '  ratio client/curl throughput: %.2f\n' "$(awk -v a="$client_rate" -v b="$anchor_rate" 'BEGIN { print a / b }')"
