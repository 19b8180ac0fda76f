#!/bin/bash
# Installs what the Backup tests and benchmark need on a fresh Debian 12: PostgreSQL (server + client
# tools), Redis, the age tool, tar, curl, gnupg (the benchmark's anchor), moto's S3 server, Podman with runc
# and busybox (the `service:` source tests run PostgreSQL and Redis in containers) and valgrind (profiling).
# Idempotent and non-interactive.
set -euo pipefail
packages=(postgresql postgresql-client postgresql-contrib redis-server redis-tools age tar curl gnupg python3-pip
  podman runc busybox-static valgrind)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The distribution's services are not used: tests start their own servers on loopback.
command -v moto_server >/dev/null 2>&1 || pip install -q 'moto[server]' 2>/dev/null \
  || pip install -q --break-system-packages 'moto[server]'
