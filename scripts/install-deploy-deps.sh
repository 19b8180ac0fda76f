#!/bin/bash
# Installs what the Deploy tests and Benchmarks/deploy.sh need on a fresh Debian 12 machine: python3 for the
# deliberately broken test app versions, curl, Podman's Docker-compatible service (podman + runc, as
# scripts/podman-engine.sh configures it) with busybox-static for the locally built images, and nginx for
# the benchmark's anchor. Idempotent and non-interactive.
set -euo pipefail
packages=(python3 curl podman runc busybox-static uidmap slirp4netns fuse-overlayfs nginx ca-certificates)
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
