#!/bin/bash
# Installs what the Compose and Audit tests need on a fresh Debian 12 machine: git (secrets check),
# podman (podman-compose asks it for its version) and podman-compose from PyPI (the real compose
# implementation that validates harden's override with `config`) and GNU time (benchmark). Idempotent, non-interactive.
set -euo pipefail

missing=()
command -v git >/dev/null 2>&1 || missing+=(git)
[ -x /usr/bin/time ] || missing+=(time)   # Benchmarks/audit.sh measures CPU time with it
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if ! python3 -m pip --version >/dev/null 2>&1; then missing+=(python3-pip); fi
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v podman-compose >/dev/null 2>&1; then
  # Debian's system Python refuses global installs (PEP 668); this machine's own Python does not.
  python3 -m pip install -q podman-compose 2>/dev/null \
    || python3 -m pip install -q --break-system-packages podman-compose
fi
podman-compose --version >/dev/null
