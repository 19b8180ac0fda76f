#!/bin/bash
# Installs what the RateLimit tests and benchmark need on a fresh Debian 12 machine:
# redis-server (+ redis-cli/redis-benchmark from redis-tools) for the shared store, openssl (RS256 test keys),
# nginx (limit_req anchor), wrk (load), curl and python3 (benchmark helpers).
# Idempotent and non-interactive.
set -euo pipefail
needed=()
command -v redis-server >/dev/null || needed+=(redis-server)
command -v redis-benchmark >/dev/null || needed+=(redis-tools)
command -v nginx >/dev/null || needed+=(nginx-light)
command -v wrk >/dev/null || needed+=(wrk)
command -v openssl >/dev/null || needed+=(openssl)
command -v curl >/dev/null || needed+=(curl)
command -v python3 >/dev/null || needed+=(python3)
if [ ${#needed[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${needed[@]}" >/dev/null
fi
# Debian's nginx package starts a system-wide instance on :80; the benchmark runs its own on loopback.
if command -v systemctl >/dev/null && systemctl is-active --quiet nginx 2>/dev/null; then
    systemctl stop nginx || true
fi
