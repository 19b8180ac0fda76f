#!/usr/bin/env bash
# Installs every tool the tests need (real servers and clients), builds, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
for script in scripts/install-*-deps.sh; do
  echo "== $script"
  bash "$script"
done
swift build
swift test "$@"
