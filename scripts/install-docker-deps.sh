#!/bin/bash
# Installs what the DockerEngine and Deploy tests need on a fresh Debian 12 machine: Podman's
# Docker-compatible service (podman + runc, as scripts/podman-engine.sh configures it), busybox-static
# for locally built images, curl for the engine script's readiness probe, and python3 for the
# process-runtime test servers, socat + openssl to put TCP and TLS (with client certificates) in front of
# the engine socket. Idempotent and non-interactive.
set -euo pipefail
packages=(podman runc busybox-static curl python3 socat openssl uidmap slirp4netns fuse-overlayfs ca-certificates)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}"
fi
