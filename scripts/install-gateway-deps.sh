#!/usr/bin/env bash
# Installs what the gateway's tests and benchmarks need on a fresh Debian/Ubuntu machine: nginx (a real
# upstream and the benchmark anchor), curl and openssl (real clients), python3 (raw-socket clients), wrk,
# pebble (Let's Encrypt's ACME test server, with pebble-challtestsrv as its DNS).
set -euo pipefail
missing=()
for pair in nginx:nginx curl:curl openssl:openssl python3:python3 wrk:wrk pebble:pebble; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair%%:*}" ] || missing+=("${pair##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# python-h2: a raw HTTP/2 client for tests that send what curl never does (a `host` field beside `:authority`).
if ! python3 -c 'import h2' >/dev/null 2>&1; then
  python3 -m pip --version >/dev/null 2>&1 || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null; }
  python3 -m pip install -q h2 2>/dev/null || python3 -m pip install -q --break-system-packages h2
fi
