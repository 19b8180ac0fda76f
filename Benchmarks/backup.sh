#!/bin/bash
# Backup benchmark: a pgbench database (SCALE=70 ≈ 1 GB; set SCALE lower to save time), or with DATA=text a
# text-heavy one (ROWS=2000000 ≈ 480 MB of events with JSON, hashes and notes: pgbench's rows are mostly padding,
# which any compressor shrinks for free), backed up by
#   1. pg_dump -Fc > file                        (the issue's anchor: goal shipshape ≤ 1.1× this)
#   2. pg_dump -Fc | gpg --symmetric              (the issue's second anchor: goal faster)
#   3. pg_dump -Fc | age -r KEY > file            (the same encryption by the reference tool)
#   3b. pg_dump | gzip | gpg --symmetric          (the script Shipshape replaces)
#   4. shipshape backup run → local directory (default `compression: 1`; also `row_counts: false`, and
#      `compression: 6`, pg_dump's default level: the like-for-like figure)
#   5. shipshape backup run → S3 (moto on loopback)
# in one run, printing wall times, ratios and shipshape's peak RSS.
# Usage: SCALE=70 RUNS=3 Benchmarks/backup.sh   (needs scripts/install-backup-deps.sh; builds shipshape in release
#        into .build-release, apart from the debug build the tests use)
#        CONFIG=debug uses a debug build when a release build is out of reach (figures are then pessimistic).
#        PROFILE=1 also profiles the directory backup with perf: `perf stat` (CPU time, page faults, context
#        switches: counts that stay stable on a noisy machine, unlike wall time) and the top symbols of
#        `perf record`. valgrind 3.19 (Debian 12) crashes on the Swift binary, so callgrind is not used.
#        BIN_B=path also times another build's directory backup in the same rounds (before/after a change).
#        FILES_MB=N adds a run of N MB of incompressible files: shipshape vs `tar | age` (pipeline throughput).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scale=${SCALE:-70}
work=$(mktemp -d /tmp/shipshape-bench-XXXX)
chmod 755 "$work"  # the PostgreSQL server runs as an unprivileged user
cleanup() {
  [ -n "${pg_pid:-}" ] && kill "$pg_pid" 2>/dev/null; [ -n "${s3_pid:-}" ] && kill "$s3_pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "${pg_pid:-0}" 2>/dev/null || break; sleep 0.1; done  # the server removes its files on exit
  rm -rf "$work"
}
trap cleanup EXIT

config=${CONFIG:-release}
echo "building shipshape ($config)…" >&2
scratch="$root/.build-$config"
[ "$config" = debug ] && scratch="$root/.build"
swift build -c "$config" --product shipshape --package-path "$root" --scratch-path "$scratch" >/dev/null
bin="$scratch/$config/shipshape"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pg_pid=$(bash "$root/scripts/postgres.sh" start "$work/pg" "$port" 2>/dev/null </dev/null | tail -1)
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
createdb bench
if [ "${DATA:-pgbench}" = text ]; then
  echo "generating ${ROWS:-2000000} text-heavy rows…" >&2
  psql -q bench <<SQL
CREATE TABLE events AS
SELECT g AS id, now() - (g || ' seconds')::interval AS at,
  (ARRAY['login','logout','purchase','view','search'])[1 + g % 5] AS kind, md5(g::text) AS session,
  jsonb_build_object('ip', '10.' || (g % 255) || '.' || (g % 7) || '.1',
    'ua', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/' || (100 + g % 30),
    'amount', round((random() * 1000)::numeric, 2), 'items', g % 13) AS data,
  repeat(substr(md5((g / 3)::text), 1, 8) || ' ', 1 + g % 6) AS note
FROM generate_series(1, ${ROWS:-2000000}) g;
SQL
else
  echo "generating pgbench -s $scale…" >&2
  pgbench -i -q -s "$scale" bench >/dev/null 2>&1
fi
size=$(psql -Atc "SELECT pg_size_pretty(pg_database_size('bench'))" postgres)

s3port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
s3_pid=$(bash "$root/scripts/s3.sh" start "$s3port" 2>/dev/null </dev/null | tail -1)
curl -sf -X PUT "http://127.0.0.1:$s3port/bench" >/dev/null

age-keygen -o "$work/key.txt" 2>/dev/null
recipient=$(age-keygen -y "$work/key.txt")
printf 'bench-passphrase\n' > "$work/pass.txt"
cat > "$work/shipshape.yml" <<YML
project: bench
backup:
  store: store
  encryption: { recipients: [$recipient], identity_file: key.txt }
  sources:
    - postgres: { host: 127.0.0.1, port: $port, databases: [bench], user: postgres }
YML
sed 's|store: store|store: s3://bench/prod|' "$work/shipshape.yml" > "$work/shipshape-s3.yml"
sed 's|user: postgres }|user: postgres, row_counts: false }|' "$work/shipshape.yml" > "$work/shipshape-nocount.yml"
sed -e 's|user: postgres }|user: postgres, compression: 6 }|' -e 's|store: store|store: store-z6|' "$work/shipshape.yml" > "$work/shipshape-z6.yml"

# Wall seconds and peak RSS (KB) of a command, via GNU time when present, else Python's rusage.
measure() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.monotonic()
subprocess.run(["bash", "-c", sys.argv[1]], check=True, stdout=subprocess.DEVNULL)
elapsed = time.monotonic() - start
print(f"{elapsed:.2f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
PY
}

# Warm the page cache once so the first timed command does not pay for it.
pg_dump -Fc bench > /dev/null
# RUNS rounds, each running every command once in turn (so a burst of load hits all of them alike); each
# figure is the median of its RUNS times, and the RSS the largest.
runs=${RUNS:-3}
declare -A times rss
commands=(dump age fcgpg gpg local nocount level6 s3)
declare -A cmd=(
  [dump]="pg_dump -Fc bench > $work/plain.dump"
  [age]="pg_dump -Fc bench | age -r $recipient > $work/plain.dump.age"
  [fcgpg]="pg_dump -Fc bench | gpg --batch --yes --symmetric --pinentry-mode loopback --passphrase-file $work/pass.txt -o $work/plain.dump.gpg"
  [gpg]="pg_dump bench | gzip | gpg --batch --yes --symmetric --pinentry-mode loopback --passphrase-file $work/pass.txt -o $work/plain.sql.gz.gpg"
  [local]="cd $work && $bin backup run -c shipshape.yml"
  [nocount]="cd $work && $bin backup run -c shipshape-nocount.yml"
  [level6]="cd $work && $bin backup run -c shipshape-z6.yml"
  [s3]="cd $work && AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_ENDPOINT_URL_S3=http://127.0.0.1:$s3port $bin backup run -c shipshape-s3.yml"
)
# BIN_B=path adds the same directory backup by another build (before/after a change), interleaved with the rest.
if [ -n "${BIN_B:-}" ]; then
  commands+=(localb)
  cmd[localb]="cd $work && $BIN_B backup run -c shipshape.yml"
fi
for _ in $(seq "$runs"); do
  for name in "${commands[@]}"; do
    read -r t r <<<"$(measure "${cmd[$name]}")"
    times[$name]="${times[$name]:-} $t"
    [ "$r" -gt "${rss[$name]:-0}" ] && rss[$name]=$r
  done
done
median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t_dump=$(median "${times[dump]}"); t_age=$(median "${times[age]}"); t_fcgpg=$(median "${times[fcgpg]}")
t_gpg=$(median "${times[gpg]}"); t_local=$(median "${times[local]}"); t_s3=$(median "${times[s3]}")
t_nocount=$(median "${times[nocount]}"); t_level6=$(median "${times[level6]}")
rss_local=${rss[local]}; rss_s3=${rss[s3]}
dump_size=$(stat -c %s "$work/plain.dump")
# The newest stored dump of each store: level 1 (the default) and level 6.
stored_size() { find "$work/$1" -name 'postgres-bench.age' -printf '%T@ %s\n' | sort -n | tail -1 | cut -d' ' -f2; }
size_local=$(stored_size store); size_level6=$(stored_size store-z6)

echo "build: $config; medians of $runs interleaved runs; load average $(cut -d" " -f1-3 /proc/loadavg)"
echo "database: ${DATA:-pgbench} ($size); pg_dump -Fc output $((dump_size / 1048576)) MiB, shipshape's $((size_local / 1048576)) MiB (compression: 1), $((size_level6 / 1048576)) MiB (compression: 6)"
printf '%-42s %8s s\n' "pg_dump -Fc > file" "$t_dump"
printf '%-42s %8s s\n' "pg_dump -Fc | age" "$t_age"
printf '%-42s %8s s\n' "pg_dump -Fc | gpg --symmetric" "$t_fcgpg"
printf '%-42s %8s s\n' "pg_dump | gzip | gpg --symmetric" "$t_gpg"
printf '%-42s %8s s   peak RSS %s MB (incl. pg_dump)\n' "shipshape backup run → directory" "$t_local" "$((rss_local / 1024))"
printf '%-42s %8s s\n' "shipshape → directory, row_counts: false" "$t_nocount"
printf '%-42s %8s s\n' "shipshape → directory, compression: 6" "$t_level6"
printf '%-42s %8s s   peak RSS %s MB (incl. pg_dump)\n' "shipshape backup run → S3 (moto)" "$t_s3" "$((rss_s3 / 1024))"
python3 - "$t_dump" "$t_age" "$t_gpg" "$t_local" "$t_s3" "$t_fcgpg" "$t_nocount" "$t_level6" <<'PY'
import sys
dump, age, gpg, local, s3, fcgpg, nocount, level6 = map(float, sys.argv[1:])
print(f"ratio local/pg_dump       = {local/dump:.2f}x (the issue's goal: <= 1.1x)")
print(f"ratio local/(pg_dump -Fc|gpg) = {local/fcgpg:.2f}x (the issue's goal: < 1.0x)")
print(f"ratio local without row counts/pg_dump = {nocount/dump:.2f}x, /(pg_dump -Fc|gpg) = {nocount/fcgpg:.2f}x")
print(f"ratio local at compression: 6 (pg_dump's level)/pg_dump = {level6/dump:.2f}x, /(pg_dump -Fc|gpg) = {level6/fcgpg:.2f}x")
print(f"ratio local/(pg_dump|age) = {local/age:.2f}x")
print(f"ratio s3/(pg_dump|age)    = {s3/age:.2f}x")
print(f"ratio local/(gzip|gpg)    = {local/gpg:.2f}x (goal < 1.0x)")
PY
if [ -n "${BIN_B:-}" ]; then
  t_localb=$(median "${times[localb]}")
  printf '%-42s %8s s\n' "BIN_B backup run → directory" "$t_localb"
  python3 -c "import sys; a, b, d, g = map(float, sys.argv[1:]); print(f'BIN_B: local/BIN_B = {a/b:.2f}x; BIN_B/pg_dump = {b/d:.2f}x, BIN_B/(pg_dump -Fc|gpg) = {b/g:.2f}x')" \
    "$t_local" "$t_localb" "$t_dump" "$t_fcgpg"
fi
if [ -n "${FILES_MB:-}" ]; then
  mkdir -p "$work/files" && head -c "$((FILES_MB * 1000000))" /dev/urandom > "$work/files/blob.bin"
  printf 'project: files\nbackup:\n  store: store-files\n  encryption: { recipients: [%s] }\n  sources:\n    - files: [files]\n' \
    "$recipient" > "$work/files.yml"
  tar -cf - -C "$work" files > /dev/null
  read -r t_tar _ <<<"$(measure "tar -cf - -C $work files | age -r $recipient > $work/files.tar.age")"
  read -r t_files rss_files <<<"$(measure "cd $work && $bin backup run -c files.yml")"
  printf '%-42s %8s s\n' "tar | age ($FILES_MB MB random)" "$t_tar"
  printf '%-42s %8s s   peak RSS %s MB (incl. tar)\n' "shipshape backup run (files)" "$t_files" "$((rss_files / 1024))"
  python3 -c "import sys; print(f'ratio files/(tar|age)      = {float(sys.argv[1])/float(sys.argv[2]):.2f}x')" "$t_files" "$t_tar"
fi
if [ "${PROFILE:-0}" = 1 ]; then
  echo "profiling (perf, directory store)…" >&2
  (cd "$work" && perf stat -e task-clock,page-faults,context-switches -x, -o "$work/stat.txt" "$bin" backup run -c shipshape.yml >/dev/null 2>&1) || true
  grep -v '^#' "$work/stat.txt" | awk -F, 'NF > 2 { printf "perf stat: %s %s\n", $3, $1 }'
  (cd "$work" && perf record -q -o "$work/perf.data" "$bin" backup run -c shipshape.yml >/dev/null 2>&1) || true
  perf report -i "$work/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null | grep '%' | head -12 | cut -c1-100 || true
fi