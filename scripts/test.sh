#!/usr/bin/env bash
# Installs every tool the tests need (real servers and clients), builds, and runs the whole test suite.
# On failure the failed tests and their recorded issues are repeated at the end, where a CI log's tail shows them.
set -euo pipefail
cd "$(dirname "$0")/.."
for script in scripts/install-*-deps.sh; do
  echo "== $script"
  bash "$script"
done
swift build
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
swift test "$@" 2>&1 | tee "$log" || status=$?
if [ "$status" -ne 0 ]; then
  echo
  echo "== failed tests and the issues they recorded (repeated from above)"
  grep -E '✘|recorded an issue|error:|Fatal error|fatalError|Expectation failed' "$log" | tail -60 || true
fi
exit "$status"
